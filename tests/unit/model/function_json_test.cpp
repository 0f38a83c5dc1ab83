// SPDX-License-Identifier: Apache-2.0
// Unit tests of model/function_json: FunctionConfiguration's field-presence rules and member
// order (facts §3.2), list-item trimming, and the document form's lossless round trip.
#include "model/function_json.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lambdahost::model {
namespace {

const Scope kScope{"111111111111", "us-east-1"};

/// A steady $LATEST created with only the required parameters (the facts §3.2 example).
FunctionConfig steady_config() {
    FunctionConfig config;
    config.function_name = "f";
    config.runtime = "python3.12";
    config.role = "arn:aws:iam::111111111111:role/r";
    config.handler = "handler.handler";
    config.code_size = 276;
    config.last_modified = "2025-11-24T23:08:11.123+0000";
    config.code_sha256 = "c2hhMjU2";
    config.code_sha256_hex = "73686132";
    config.revision_id = "4e1a0c40-0b4a-4a47-9d4c-1f1bde0a4e43";
    config.logging.log_group = "/aws/lambda/f";
    config.state = FunctionState::Active;
    config.last_update_status = LastUpdateStatus::Successful;
    return config;
}

std::vector<std::string> keys(const nlohmann::ordered_json& json) {
    std::vector<std::string> names;
    for (const auto& item : json.items()) {
        names.push_back(item.key());
    }
    return names;
}

TEST(FunctionJson, SteadyFunctionMatchesAwsExampleMembersAndOrder) {
    const auto json = to_wire(kScope, steady_config(), {});
    EXPECT_EQ(keys(json),
              (std::vector<std::string>{"FunctionName",
                                        "FunctionArn",
                                        "Runtime",
                                        "Role",
                                        "Handler",
                                        "CodeSize",
                                        "Description",
                                        "Timeout",
                                        "MemorySize",
                                        "LastModified",
                                        "CodeSha256",
                                        "Version",
                                        "TracingConfig",
                                        "RevisionId",
                                        "State",
                                        "LastUpdateStatus",
                                        "PackageType",
                                        "Architectures",
                                        "EphemeralStorage",
                                        "SnapStart",
                                        "RuntimeVersionConfig",
                                        "LoggingConfig"}));
}

TEST(FunctionJson, SteadyFunctionRendersAwsDefaults) {
    const auto json = to_wire(kScope, steady_config(), {});
    EXPECT_EQ(json["FunctionArn"], "arn:aws:lambda:us-east-1:111111111111:function:f");
    EXPECT_EQ(json["Description"], "");
    EXPECT_EQ(json["Timeout"], 3);
    EXPECT_EQ(json["MemorySize"], 128);
    EXPECT_EQ(json["Version"], "$LATEST");
    EXPECT_EQ(json["TracingConfig"].dump(), R"({"Mode":"PassThrough"})");
    EXPECT_EQ(json["State"], "Active");
    EXPECT_EQ(json["LastUpdateStatus"], "Successful");
    EXPECT_EQ(json["PackageType"], "Zip");
    EXPECT_EQ(json["Architectures"].dump(), R"(["x86_64"])");
    EXPECT_EQ(json["EphemeralStorage"].dump(), R"({"Size":512})");
    EXPECT_EQ(json["SnapStart"].dump(), R"({"ApplyOn":"None","OptimizationStatus":"Off"})");
    EXPECT_EQ(json["LoggingConfig"].dump(), R"({"LogFormat":"Text","LogGroup":"/aws/lambda/f"})");
}

TEST(FunctionJson, RuntimeVersionArnIsRegionalAnd64Hex) {
    const auto arn =
        to_wire(kScope, steady_config(), {})["RuntimeVersionConfig"]["RuntimeVersionArn"]
            .get<std::string>();
    const std::string prefix = "arn:aws:lambda:us-east-1::runtime:";
    ASSERT_EQ(arn.rfind(prefix, 0), 0U);
    const std::string hex = arn.substr(prefix.size());
    EXPECT_EQ(hex.size(), 64U);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(FunctionJson, RuntimeVersionArnIsDeterministicPerRuntime) {
    EXPECT_EQ(runtime_version_arn(kScope, "python3.12"), runtime_version_arn(kScope, "python3.12"));
    EXPECT_NE(runtime_version_arn(kScope, "python3.12"), runtime_version_arn(kScope, "python3.13"));
}

TEST(FunctionJson, EnvironmentAbsentUnlessSet) {
    EXPECT_FALSE(to_wire(kScope, steady_config(), {}).contains("Environment"));
}

TEST(FunctionJson, EmptyEnvironmentRendersEmptyVariables) {
    auto config = steady_config();
    config.environment.emplace();
    EXPECT_EQ(to_wire(kScope, config, {})["Environment"].dump(), R"({"Variables":{}})");
}

TEST(FunctionJson, EnvironmentRendersVariablesAfterVersion) {
    auto config = steady_config();
    config.environment = std::map<std::string, std::string>{{"A", "1"}};
    const auto json = to_wire(kScope, config, {});
    EXPECT_EQ(json["Environment"].dump(), R"({"Variables":{"A":"1"}})");
    const auto names = keys(json);
    EXPECT_EQ(std::find(names.begin(), names.end(), "Environment") - names.begin(),
              std::find(names.begin(), names.end(), "Version") - names.begin() + 1);
}

TEST(FunctionJson, DeadLetterConfigOnlyIfSet) {
    auto config = steady_config();
    EXPECT_FALSE(to_wire(kScope, config, {}).contains("DeadLetterConfig"));
    config.dead_letter_target_arn = "arn:aws:sqs:us-east-1:111111111111:dlq";
    EXPECT_EQ(to_wire(kScope, config, {})["DeadLetterConfig"].dump(),
              R"({"TargetArn":"arn:aws:sqs:us-east-1:111111111111:dlq"})");
}

TEST(FunctionJson, KmsKeyArnOnlyIfSet) {
    auto config = steady_config();
    EXPECT_FALSE(to_wire(kScope, config, {}).contains("KMSKeyArn"));
    config.kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/k";
    EXPECT_EQ(to_wire(kScope, config, {})["KMSKeyArn"], "arn:aws:kms:us-east-1:111111111111:key/k");
}

TEST(FunctionJson, LayersOnlyIfNonEmptyWithZeroCodeSize) {
    auto config = steady_config();
    EXPECT_FALSE(to_wire(kScope, config, {}).contains("Layers"));
    config.layers = {"arn:aws:lambda:us-east-1:111111111111:layer:l:1"};
    EXPECT_EQ(to_wire(kScope, config, {})["Layers"].dump(),
              R"([{"Arn":"arn:aws:lambda:us-east-1:111111111111:layer:l:1","CodeSize":0}])");
}

TEST(FunctionJson, PendingCreateHasStateReasonsAndNoLastUpdateStatus) {
    auto config = steady_config();
    config.state = FunctionState::Pending;
    config.state_reason = "The function is being created.";
    config.state_reason_code = "Creating";
    config.last_update_status.reset();
    const auto json = to_wire(kScope, config, {});
    EXPECT_EQ(json["State"], "Pending");
    EXPECT_EQ(json["StateReason"], "The function is being created.");
    EXPECT_EQ(json["StateReasonCode"], "Creating");
    EXPECT_FALSE(json.contains("LastUpdateStatus"));
    EXPECT_FALSE(json.contains("LastUpdateStatusReason"));
}

TEST(FunctionJson, UpdateInProgressHasLastUpdateReasons) {
    auto config = steady_config();
    config.last_update_status = LastUpdateStatus::InProgress;
    config.last_update_status_reason = "The function is being created.";
    config.last_update_status_reason_code = "Creating";
    const auto json = to_wire(kScope, config, {});
    EXPECT_EQ(json["LastUpdateStatus"], "InProgress");
    EXPECT_EQ(json["LastUpdateStatusReason"], "The function is being created.");
    EXPECT_EQ(json["LastUpdateStatusReasonCode"], "Creating");
    EXPECT_FALSE(json.contains("StateReason"));
}

TEST(FunctionJson, ListItemOmitsStateUpdateStatusAndRuntimeVersion) {
    auto config = steady_config();
    config.state_reason = "r";
    config.state_reason_code = "c";
    config.last_update_status_reason = "r";
    config.last_update_status_reason_code = "c";
    const auto json = to_wire(kScope, config, {std::nullopt, true});
    for (const char* key : {"State",
                            "StateReason",
                            "StateReasonCode",
                            "LastUpdateStatus",
                            "LastUpdateStatusReason",
                            "LastUpdateStatusReasonCode",
                            "RuntimeVersionConfig"}) {
        EXPECT_FALSE(json.contains(key)) << key;
    }
    EXPECT_TRUE(json.contains("LoggingConfig"));
    EXPECT_TRUE(json.contains("RevisionId"));
}

TEST(FunctionJson, ArnQualifierQualifiesFunctionArn) {
    EXPECT_EQ(to_wire(kScope, steady_config(), {.arn_qualifier = "$LATEST"})["FunctionArn"],
              "arn:aws:lambda:us-east-1:111111111111:function:f:$LATEST");
    EXPECT_EQ(to_wire(kScope, steady_config(), {.arn_qualifier = "live"})["FunctionArn"],
              "arn:aws:lambda:us-east-1:111111111111:function:f:live");
}

TEST(FunctionJson, JsonLoggingRendersLevelsBeforeLogGroup) {
    auto config = steady_config();
    config.logging.log_format = "JSON";
    config.logging.application_log_level = "INFO";
    config.logging.system_log_level = "WARN";
    EXPECT_EQ(
        to_wire(kScope, config, {})["LoggingConfig"].dump(),
        R"({"LogFormat":"JSON","ApplicationLogLevel":"INFO","SystemLogLevel":"WARN","LogGroup":"/aws/lambda/f"})");
}

TEST(FunctionJson, ImageFunctionOmitsRuntimeHandlerAndRuntimeVersion) {
    auto config = steady_config();
    config.package_type = "Image";
    const auto json = to_wire(kScope, config, {});
    EXPECT_FALSE(json.contains("Runtime"));
    EXPECT_FALSE(json.contains("Handler"));
    EXPECT_FALSE(json.contains("RuntimeVersionConfig"));
}

TEST(FunctionDocument, FullFunctionRoundTrips) {
    Function function;
    function.latest = steady_config();
    function.latest.description = "d\"escr\u00e9";
    function.latest.environment = std::map<std::string, std::string>{{"A", "1"}, {"B", ""}};
    function.latest.dead_letter_target_arn = "arn:aws:sqs:us-east-1:111111111111:dlq";
    function.latest.kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/k";
    function.latest.layers = {"arn:aws:lambda:us-east-1:111111111111:layer:l:1"};
    function.latest.logging = {"JSON", "DEBUG", "WARN", "/custom"};
    function.latest.state_reason = "The function is being created.";
    function.latest.state_reason_code = "Creating";
    function.latest.last_update_status = LastUpdateStatus::Failed;
    function.latest.last_update_status_reason = "boom";
    function.latest.last_update_status_reason_code = "InternalError";
    function.latest.architecture = "arm64";
    function.latest.timeout = 900;
    function.latest.memory_size = 10240;
    function.latest.ephemeral_storage = 10240;
    function.latest.tracing_mode = "Active";
    function.latest.code_size = 52428800;
    function.tags = {{"team", "a"}, {"empty", ""}};
    FunctionConfig v1 = steady_config();
    v1.version = "1";
    v1.state = FunctionState::Inactive;
    function.versions.emplace(1, v1);
    FunctionConfig v12 = steady_config();
    v12.version = "12";
    v12.state = FunctionState::Failed;
    function.versions.emplace(12, v12);
    function.last_version_number = 13;

    EXPECT_EQ(from_document(to_document(function)), function);
}

TEST(FunctionDocument, MinimalFunctionRoundTripsWithOptionalsUnset) {
    Function function;
    function.latest.function_name = "f";
    const Function read = from_document(to_document(function));
    EXPECT_EQ(read, function);
    EXPECT_FALSE(read.latest.environment);
    EXPECT_FALSE(read.latest.last_update_status);
}

TEST(FunctionDocument, NonJsonIsRuntimeError) {
    EXPECT_THROW(from_document("not json"), std::runtime_error);
}

TEST(FunctionDocument, MissingMemberIsRuntimeError) {
    EXPECT_THROW(from_document(R"({"tags":{}})"), std::runtime_error);
}

TEST(FunctionDocument, UnknownStateIsRuntimeError) {
    Function function;
    std::string document = to_document(function);
    const auto at = document.find("\"Pending\"");
    ASSERT_NE(at, std::string::npos);
    document.replace(at, 9, "\"Sleeping\"");
    EXPECT_THROW(from_document(document), std::runtime_error);
}

TEST(FunctionDocument, NonNumericVersionKeyIsRuntimeError) {
    Function function;
    function.versions.emplace(1, FunctionConfig{});
    std::string document = to_document(function);
    const auto at = document.find("\"1\":");
    ASSERT_NE(at, std::string::npos);
    document.replace(at, 3, "\"x\"");
    EXPECT_THROW(from_document(document), std::runtime_error);
}

}  // namespace
}  // namespace lambdahost::model
