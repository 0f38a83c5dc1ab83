// SPDX-License-Identifier: Apache-2.0
// Weighted routing of aliases (route, routing_draw, select_invoke_target) and the version, alias
// and concurrency settings as the control plane stores them: through api::dispatch, across a
// reopen of the store (a restart).
#include "api/aliases.hpp"

#include <cmath>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "api_fixture.hpp"

namespace lambdahost::api::test {
namespace {

model::Alias weighted(double weight) {
    return {"canary", "1", "", "rev", {{"2", weight}}};
}

TEST(Routing, DrawBelowTheWeightPicksTheAdditionalVersion) {
    const model::Alias alias = weighted(0.25);
    EXPECT_EQ(route(alias, 0.0), "2");
    EXPECT_EQ(route(alias, 0.2499), "2");
    EXPECT_EQ(route(alias, 0.25), "1");
    EXPECT_EQ(route(alias, 0.9999), "1");
    // Weight 0 never routes to the additional version; weight 1 always does.
    EXPECT_EQ(route(weighted(0.0), 0.0), "1");
    EXPECT_EQ(route(weighted(1.0), 0.9999), "2");
    const model::Alias plain{"live", "3", "", "rev", {}};
    EXPECT_EQ(route(plain, 0.0), "3");
}

TEST(Routing, DrawsAreUniformInTheUnitInterval) {
    constexpr int kDraws = 100000;
    constexpr int kBuckets = 10;
    std::map<int, int> buckets;
    for (int i = 0; i < kDraws; ++i) {
        const double draw = routing_draw();
        ASSERT_GE(draw, 0.0);
        ASSERT_LT(draw, 1.0);
        ++buckets[static_cast<int>(draw * kBuckets)];
    }
    // Each bucket expects 10000 (sd ~95): 600 is more than 6 standard deviations.
    for (int bucket = 0; bucket < kBuckets; ++bucket) {
        EXPECT_NEAR(buckets[bucket], kDraws / kBuckets, 600) << "bucket " << bucket;
    }
}

TEST(Routing, InvokeTargetsOfEveryQualifier) {
    model::Function function;
    function.latest.version = "$LATEST";
    function.versions[1].version = "1";
    function.versions[2].version = "2";
    function.aliases["live"] = {"live", "1", "", "rev", {}};
    function.aliases["all-in"] = weighted(1.0);

    const InvokeTarget latest = select_invoke_target(function, std::nullopt);
    EXPECT_EQ(latest.config, &function.latest);
    EXPECT_FALSE(latest.provisioned_qualifier);
    EXPECT_FALSE(select_invoke_target(function, "$LATEST").provisioned_qualifier);

    const InvokeTarget version = select_invoke_target(function, "2");
    EXPECT_EQ(version.config, &function.versions[2]);
    EXPECT_EQ(version.provisioned_qualifier, "2");

    const InvokeTarget alias = select_invoke_target(function, "live");
    EXPECT_EQ(alias.config, &function.versions[1]);
    EXPECT_EQ(alias.provisioned_qualifier, "live");

    // Routed to the additional version: no provisioned concurrency of the alias applies.
    const InvokeTarget routed = select_invoke_target(function, "all-in");
    EXPECT_EQ(routed.config, &function.versions[2]);
    EXPECT_FALSE(routed.provisioned_qualifier);

    EXPECT_EQ(select_invoke_target(function, "3").config, nullptr);
    EXPECT_EQ(select_invoke_target(function, "nope").config, nullptr);
}

class VersionsApiTest : public ApiTest {
protected:
    Reply publish(const std::string& name, nlohmann::json body = nlohmann::json::object()) {
        return call("PublishVersion", {.path = {{"FunctionName", name}}, .body = body.dump()});
    }
};

TEST_F(VersionsApiTest, PublishIsIdempotentUntilLatestChanges) {
    create_active("f");
    const Reply first = publish("f", {{"Description", "one"}});
    ASSERT_EQ(first.status, 201) << first.raw;
    EXPECT_EQ(first.body["Version"], "1");
    EXPECT_EQ(first.body["FunctionArn"], std::string(kArnPrefix) + "f:1");
    const Reply again = publish("f", {{"Description", "two"}});
    EXPECT_EQ(again.body["Version"], "1");
    EXPECT_EQ(again.body["RevisionId"], first.body["RevisionId"]);
    EXPECT_EQ(again.body["Description"], "one");

    ASSERT_EQ(call("UpdateFunctionConfiguration",
                   {.path = {{"FunctionName", "f"}}, .body = R"({"Timeout": 5})"})
                  .status,
              200);
    executor_.run_all();
    EXPECT_EQ(publish("f").body["Version"], "2");
}

TEST_F(VersionsApiTest, SettingsSurviveAReopen) {
    create_active("f");
    ASSERT_EQ(publish("f").status, 201);
    const Reply alias =
        call("CreateAlias",
             {.path = {{"FunctionName", "f"}}, .body = R"({"Name": "live", "FunctionVersion": "1",
                                         "RoutingConfig": {"AdditionalVersionWeights": {}}})"});
    ASSERT_EQ(alias.status, 201) << alias.raw;
    ASSERT_EQ(
        call("PutFunctionConcurrency",
             {.path = {{"FunctionName", "f"}}, .body = R"({"ReservedConcurrentExecutions": 3})"})
            .status,
        200);
    const Reply provisioned = call("PutProvisionedConcurrencyConfig",
                                   {.path = {{"FunctionName", "f"}},
                                    .query = {{"Qualifier", "live"}},
                                    .body = R"({"ProvisionedConcurrentExecutions": 2})"});
    ASSERT_EQ(provisioned.status, 202) << provisioned.raw;
    EXPECT_EQ(provisioned.body["Status"], "IN_PROGRESS");

    reopen();

    const Reply versions = call("ListVersionsByFunction", {.path = {{"FunctionName", "f"}}});
    ASSERT_EQ(versions.body["Versions"].size(), 2U);
    const Reply fetched = call("GetAlias", {.path = {{"FunctionName", "f"}, {"Name", "live"}}});
    EXPECT_EQ(fetched.body, alias.body);
    EXPECT_EQ(call("GetFunctionConcurrency", {.path = {{"FunctionName", "f"}}})
                  .body["ReservedConcurrentExecutions"],
              3);
    const Reply config = call("GetProvisionedConcurrencyConfig",
                              {.path = {{"FunctionName", "f"}}, .query = {{"Qualifier", "live"}}});
    EXPECT_EQ(config.body, provisioned.body);
    EXPECT_EQ(publish("f").body["Version"], "1");  // still unchanged after the reopen
}

}  // namespace
}  // namespace lambdahost::api::test
