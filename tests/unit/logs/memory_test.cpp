// SPDX-License-Identifier: Apache-2.0
// max_memory_used_mb reads VmHWM from procfs: this process has one, a non-process has none.
#include "logs/memory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace lambdahost::logs {
namespace {

TEST(Memory, ReadsThisProcessesPeak) {
    EXPECT_GT(max_memory_used_mb(::getpid()), 0);
}

TEST(Memory, ZeroWhenTheProcessDoesNotExist) {
    EXPECT_EQ(max_memory_used_mb(-1), 0);
    EXPECT_EQ(max_memory_used_mb(0x3fffffff), 0);
}

}  // namespace
}  // namespace lambdahost::logs
