// SPDX-License-Identifier: Apache-2.0
// _X_AMZN_TRACE_ID as the C++ runtime client sets it per invocation: the value is right after
// every kind of change, and a new value each time costs no memory (setenv() kept them all).
#include "trace_env.hpp"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <malloc.h>

namespace lambdahost::runtime::detail {
namespace {

std::string trace_variable() {
    const char* value = std::getenv("_X_AMZN_TRACE_ID");
    return value == nullptr ? "<unset>" : value;
}

std::string trace_id(int n) {
    return "Root=1-5759e988-bd862e3fe1be46a9" + std::to_string(1000000 + n) +
           ";Parent=53995c3f42cd8ad8;Sampled=0";
}

class TraceEnv : public ::testing::Test {
protected:
    ~TraceEnv() override { set_trace_id_variable(""); }
};

TEST_F(TraceEnv, SetReplaceAndClear) {
    set_trace_id_variable(trace_id(1));
    EXPECT_EQ(trace_variable(), trace_id(1));
    set_trace_id_variable(trace_id(2));
    EXPECT_EQ(trace_variable(), trace_id(2));
    const std::string long_id = "Root=1-5759e988-" + std::string(400, 'a') + ";Sampled=1";
    set_trace_id_variable(long_id);  // beyond the entry's first buffer
    EXPECT_EQ(trace_variable(), long_id);
    set_trace_id_variable("");
    EXPECT_EQ(trace_variable(), "<unset>");
    set_trace_id_variable(trace_id(3));  // set again after a clear
    EXPECT_EQ(trace_variable(), trace_id(3));
}

TEST_F(TraceEnv, TheHandlersOwnValueIsReplacedOnTheNextInvocation) {
    set_trace_id_variable(trace_id(1));
    ::setenv("_X_AMZN_TRACE_ID", "set by the handler", 1);
    set_trace_id_variable(trace_id(2));
    EXPECT_EQ(trace_variable(), trace_id(2));
}

TEST_F(TraceEnv, ANewValueEveryTimeAllocatesNothing) {
    set_trace_id_variable(trace_id(0));
    const auto before = ::mallinfo2().uordblks;
    for (int n = 1; n <= 10000; ++n) {
        set_trace_id_variable(trace_id(n));
    }
    // setenv() would hold ~10000 values of ~90 bytes here (about 1 MB).
    EXPECT_LT(::mallinfo2().uordblks - before, 4096U);
    EXPECT_EQ(trace_variable(), trace_id(10000));
}

}  // namespace
}  // namespace lambdahost::runtime::detail
