// SPDX-License-Identifier: Apache-2.0
// GetAccountSettings: AWS's default limits and the usage of the caller's scope (facts §2.3).
#include "api/account.hpp"

#include <gtest/gtest.h>

#include "api/api_fixture.hpp"

namespace lambdahost::api {
namespace {

using AccountSettings = test::ApiTest;

TEST_F(AccountSettings, EmptyAccount) {
    const test::Reply reply = call("GetAccountSettings");
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.body, nlohmann::json::parse(R"({"AccountLimit":{"TotalCodeSize":80530636800,
                  "CodeSizeUnzipped":262144000,"CodeSizeZipped":52428800,
                  "ConcurrentExecutions":1000,"UnreservedConcurrentExecutions":1000},
                  "AccountUsage":{"TotalCodeSize":0,"FunctionCount":0}})"));
}

TEST_F(AccountSettings, UsageCountsTheCallersScopeOnly) {
    const std::string a = test::handler_zip("1");
    const std::string b = test::handler_zip("22");
    create_active("a", a);
    create_active("b", b);
    call("CreateFunction",
         {.body = create_body("elsewhere", a).dump(), .scope = {"000000000000", "eu-west-1"}});
    const test::Reply reply = call("GetAccountSettings");
    EXPECT_EQ(reply.body.at("AccountUsage"),
              nlohmann::json({{"TotalCodeSize", a.size() + b.size()}, {"FunctionCount", 2}}));
    const test::Reply other = call("GetAccountSettings", {.scope = {"000000000000", "eu-west-1"}});
    EXPECT_EQ(other.body.at("AccountUsage").at("FunctionCount"), 1);
}

}  // namespace
}  // namespace lambdahost::api
