// SPDX-License-Identifier: Apache-2.0
// The operation table against botocore's service-2.json (every operation, same method and
// requestUri), the newer operations of facts §2.1, and dispatch() as the one catch site.
#include "api/operations.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/api_fixture.hpp"

namespace lambdahost::api {
namespace {

constexpr const char* kServiceModel =
    "/usr/lib/python3/dist-packages/botocore/data/lambda/2015-03-31/service-2.json";

std::map<std::string_view, const Operation*> by_name() {
    std::map<std::string_view, const Operation*> table;
    for (const Operation& op : operations()) {
        EXPECT_TRUE(table.emplace(op.name, &op).second) << "duplicate operation " << op.name;
    }
    return table;
}

TEST(Operations, CoverEveryOperationOfTheServiceModel) {
    if (!std::filesystem::exists(kServiceModel)) {
        GTEST_SKIP() << kServiceModel << " is not installed (python3-botocore)";
    }
    std::ifstream file(kServiceModel);
    const nlohmann::json model = nlohmann::json::parse(file);
    const auto table = by_name();
    for (const auto& [name, definition] : model.at("operations").items()) {
        const auto it = table.find(name);
        ASSERT_NE(it, table.end()) << "missing operation " << name;
        EXPECT_EQ(it->second->method, definition.at("http").at("method").get<std::string>())
            << name;
        EXPECT_EQ(it->second->path_template,
                  definition.at("http").at("requestUri").get<std::string>())
            << name;
    }
}

TEST(Operations, IncludeTheNewerOperations) {
    // AWS: operations newer than the installed botocore (facts §2.1).
    const std::map<std::string_view, std::pair<std::string_view, std::string_view>> newer = {
        {"InvokeWithResponseStream",
         {"POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations"}},
        {"GetRuntimeManagementConfig",
         {"GET", "/2021-07-20/functions/{FunctionName}/runtime-management-config"}},
        {"PutRuntimeManagementConfig",
         {"PUT", "/2021-07-20/functions/{FunctionName}/runtime-management-config"}},
        {"GetFunctionRecursionConfig",
         {"GET", "/2024-08-31/functions/{FunctionName}/recursion-config"}},
        {"PutFunctionRecursionConfig",
         {"PUT", "/2024-08-31/functions/{FunctionName}/recursion-config"}},
        {"GetFunctionScalingConfig",
         {"GET", "/2025-11-30/functions/{FunctionName}/function-scaling-config"}},
        {"PutFunctionScalingConfig",
         {"PUT", "/2025-11-30/functions/{FunctionName}/function-scaling-config"}},
        {"DownloadFunctionCode", {"GET", "/_lambdahost/code/{Digest}"}},
    };
    const auto table = by_name();
    for (const auto& [name, route] : newer) {
        const auto it = table.find(name);
        ASSERT_NE(it, table.end()) << "missing operation " << name;
        EXPECT_EQ(it->second->method, route.first) << name;
        EXPECT_EQ(it->second->path_template, route.second) << name;
    }
}

TEST(Operations, MethodAndPathAreUnique) {
    std::set<std::pair<std::string_view, std::string_view>> routes;
    for (const Operation& op : operations()) {
        EXPECT_TRUE(routes.emplace(op.method, op.path_template).second) << op.name;
    }
}

TEST(Operations, BodyLimits) {
    const auto table = by_name();
    EXPECT_EQ(table.at("CreateFunction")->body_limit, 70167211u);
    EXPECT_EQ(table.at("UpdateFunctionCode")->body_limit, 70167211u);
    EXPECT_EQ(table.at("PublishLayerVersion")->body_limit, 70167211u);
    EXPECT_EQ(table.at("Invoke")->body_limit, 6291456u);
    EXPECT_EQ(table.at("InvokeAsync")->body_limit, 1048576u);
    EXPECT_EQ(table.at("GetFunction")->body_limit, 6291456u);
}

TEST(Operations, ControlPlaneOfThisIssueHasHandlers) {
    const auto table = by_name();
    for (std::string_view name : {"CreateFunction",
                                  "GetFunction",
                                  "GetFunctionConfiguration",
                                  "ListFunctions",
                                  "UpdateFunctionCode",
                                  "UpdateFunctionConfiguration",
                                  "DeleteFunction",
                                  "TagResource",
                                  "UntagResource",
                                  "ListTags",
                                  "GetAccountSettings",
                                  "DownloadFunctionCode"}) {
        EXPECT_NE(table.at(name)->handler, nullptr) << name;
    }
}

using Dispatch = test::ApiTest;

TEST_F(Dispatch, OperationWithoutHandlerIsNotImplemented) {
    const Operation op{"PublishVersion", "POST", "/x", 10, nullptr};
    const Response response = dispatch(op, *context_, Request{});
    EXPECT_EQ(response.status, 501);
    EXPECT_EQ(response.headers.front().second, "NotImplementedException");
    EXPECT_NE(response.body.find("PublishVersion"), std::string::npos);
}

TEST_F(Dispatch, AwsErrorIsRendered) {
    const Operation op{"X", "GET", "/x", 10, [](Context&, const Request&) -> Response {
                           throw model::errors::function_not_found("arn");
                       }};
    const Response response = dispatch(op, *context_, Request{});
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"Type":"User","Message":"Function not found: arn"})");
}

TEST_F(Dispatch, OtherExceptionsBecomeServiceException) {
    const Operation op{"X", "GET", "/x", 10, [](Context&, const Request&) -> Response {
                           throw std::runtime_error("disk on fire");
                       }};
    const Response response = dispatch(op, *context_, Request{});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.headers.front().second, "ServiceException");
    const nlohmann::json body = nlohmann::json::parse(response.body);
    EXPECT_EQ(body.at("Type"), "Service");
    // The internal detail goes to the log, not to the client.
    EXPECT_EQ(body.at("Message").get<std::string>().find("disk"), std::string::npos);
}

TEST_F(Dispatch, NonStandardExceptionsBecomeServiceException) {
    const Operation op{
        "X", "GET", "/x", 10, [](Context&, const Request&) -> Response { throw 42; }};
    EXPECT_EQ(dispatch(op, *context_, Request{}).status, 500);
}

}  // namespace
}  // namespace lambdahost::api
