// SPDX-License-Identifier: Apache-2.0
// Unit tests of model/function_request: every member constraint and service rule of
// CreateFunction, UpdateFunctionCode and UpdateFunctionConfiguration, with AWS's exact texts
// and exception types (facts §3.1, §3.8).
#include "model/function_request.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "capture_error.hpp"
#include "model/runtimes.hpp"
#include "util/crypto.hpp"

namespace lambdahost::model {
namespace {

using nlohmann::json;
using testing::capture_error;

const std::string kZipBytes = "PK\x03\x04 pretend zip";

/// A CreateFunction body with the required members plus Runtime and Handler.
json create_body() {
    return {{"FunctionName", "f"},
            {"Role", "arn:aws:iam::111111111111:role/r"},
            {"Runtime", "python3.12"},
            {"Handler", "handler.handler"},
            {"Code", {{"ZipFile", util::base64_encode(kZipBytes)}}}};
}

AwsError create_error(const json& body) {
    return capture_error([&] { parse_create_function(body.dump()); });
}

std::string violation(const std::string& value,
                      const std::string& member,
                      const std::string& constraint) {
    return "Value '" + value + "' at '" + member + "' failed to satisfy constraint: " + constraint;
}

std::string one(const std::string& value,
                const std::string& member,
                const std::string& constraint) {
    return "1 validation error detected: " + violation(value, member, constraint);
}

FunctionConfig current_config() {
    json body = create_body();
    auto request = parse_create_function(body.dump());
    return request.config;
}

// --- body ----------------------------------------------------------------------------------

TEST(CreateFunction, NonJsonBodyIsUnparsable) {
    const auto error = capture_error([] { parse_create_function("{oops"); });
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
    EXPECT_EQ(error.message().rfind("Could not parse request body into json: ", 0), 0U);
}

TEST(CreateFunction, JsonArrayBodyIsUnparsable) {
    const auto error = capture_error([] { parse_create_function("[1]"); });
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
    EXPECT_EQ(error.message(),
              "Could not parse request body into json: the request body must be a JSON object");
}

TEST(CreateFunction, StringTimeoutIsUnparsableNamingTheMember) {
    json body = create_body();
    body["Timeout"] = "x";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
    EXPECT_EQ(error.message(),
              "Could not parse request body into json: member 'Timeout' must be an integer");
}

TEST(CreateFunction, FractionalMemorySizeIsUnparsable) {
    json body = create_body();
    body["MemorySize"] = 128.5;
    EXPECT_EQ(create_error(body).code(), "InvalidRequestContentException");
}

TEST(CreateFunction, NestedWrongTypeNamesTheMemberPath) {
    json body = create_body();
    body["Code"]["ZipFile"] = 5;
    EXPECT_EQ(create_error(body).message(),
              "Could not parse request body into json: member 'Code.ZipFile' must be a string");
}

TEST(CreateFunction, NonStringEnvironmentValueIsUnparsable) {
    json body = create_body();
    body["Environment"] = {{"Variables", {{"A", 1}}}};
    EXPECT_EQ(create_error(body).message(),
              "Could not parse request body into json: member 'Environment.Variables' must be a "
              "map of strings");
}

TEST(CreateFunction, HugeIntegerIsUnparsableNotACrash) {
    const auto error = capture_error([] {
        parse_create_function(
            R"({"FunctionName":"f","Role":"arn:aws:iam::111111111111:role/r","Code":{},"Timeout":99999999999999999999999})");
    });
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
}

TEST(CreateFunction, OverflowingNumberIsUnparsableNotACrash) {
    const auto error = capture_error([] { parse_create_function(R"({"Timeout":12e456})"); });
    EXPECT_EQ(error.code(), "InvalidRequestContentException");
    EXPECT_EQ(error.message(),
              "Could not parse request body into json: number overflow parsing '12e456'");
}

TEST(CreateFunction, UnknownMembersAreIgnored) {
    json body = create_body();
    body["VpcConfig"] = {{"SubnetIds", json::array()}};
    body["SomethingNew"] = 42;
    EXPECT_EQ(parse_create_function(body.dump()).config.function_name, "f");
}

TEST(CreateFunction, NullMemberCountsAsAbsent) {
    json body = create_body();
    body["Description"] = nullptr;
    body["Timeout"] = nullptr;
    const auto request = parse_create_function(body.dump());
    EXPECT_EQ(request.config.description, "");
    EXPECT_EQ(request.config.timeout, 3);
}

// --- defaults and applied members ----------------------------------------------------------

TEST(CreateFunction, MinimalRequestGetsAwsDefaults) {
    const auto request = parse_create_function(create_body().dump());
    const auto& config = request.config;
    EXPECT_EQ(request.function_ref.name, "f");
    EXPECT_EQ(config.function_name, "f");
    EXPECT_EQ(config.runtime, "python3.12");
    EXPECT_EQ(config.handler, "handler.handler");
    EXPECT_EQ(config.role, "arn:aws:iam::111111111111:role/r");
    EXPECT_EQ(config.description, "");
    EXPECT_EQ(config.timeout, 3);
    EXPECT_EQ(config.memory_size, 128);
    EXPECT_EQ(config.architecture, "x86_64");
    EXPECT_EQ(config.ephemeral_storage, 512);
    EXPECT_EQ(config.tracing_mode, "PassThrough");
    EXPECT_EQ(config.package_type, "Zip");
    EXPECT_FALSE(config.environment);
    EXPECT_FALSE(config.dead_letter_target_arn);
    EXPECT_FALSE(config.kms_key_arn);
    EXPECT_TRUE(config.layers.empty());
    EXPECT_EQ(config.logging, (LoggingConfig{"Text", std::nullopt, std::nullopt, "/aws/lambda/f"}));
    EXPECT_EQ(request.zip_file, kZipBytes);
    EXPECT_TRUE(request.tags.empty());
    EXPECT_FALSE(request.publish);
}

TEST(CreateFunction, EveryMemberIsApplied) {
    json body = create_body();
    body["Description"] = "desc";
    body["Timeout"] = 900;
    body["MemorySize"] = 10240;
    body["PackageType"] = "Zip";
    body["Publish"] = true;
    body["Environment"] = {{"Variables", {{"GREETING", "hi"}}}};
    body["TracingConfig"] = {{"Mode", "Active"}};
    body["Architectures"] = {"arm64"};
    body["EphemeralStorage"] = {{"Size", 10240}};
    body["DeadLetterConfig"] = {{"TargetArn", "arn:aws:sqs:us-east-1:111111111111:dlq"}};
    body["KMSKeyArn"] = "arn:aws:kms:us-east-1:111111111111:key/k";
    body["Layers"] = {"arn:aws:lambda:us-east-1:111111111111:layer:l:1"};
    body["Tags"] = {{"team", "a"}};
    body["LoggingConfig"] = {{"LogFormat", "JSON"}, {"LogGroup", "/custom/group"}};
    const auto request = parse_create_function(body.dump());
    const auto& config = request.config;
    EXPECT_EQ(config.description, "desc");
    EXPECT_EQ(config.timeout, 900);
    EXPECT_EQ(config.memory_size, 10240);
    EXPECT_TRUE(request.publish);
    EXPECT_EQ(config.environment, (std::map<std::string, std::string>{{"GREETING", "hi"}}));
    EXPECT_EQ(config.tracing_mode, "Active");
    EXPECT_EQ(config.architecture, "arm64");
    EXPECT_EQ(config.ephemeral_storage, 10240);
    EXPECT_EQ(config.dead_letter_target_arn, "arn:aws:sqs:us-east-1:111111111111:dlq");
    EXPECT_EQ(config.kms_key_arn, "arn:aws:kms:us-east-1:111111111111:key/k");
    EXPECT_EQ(config.layers,
              (std::vector<std::string>{"arn:aws:lambda:us-east-1:111111111111:layer:l:1"}));
    EXPECT_EQ(request.tags, (std::map<std::string, std::string>{{"team", "a"}}));
    EXPECT_EQ(config.logging, (LoggingConfig{"JSON", "INFO", "INFO", "/custom/group"}));
}

TEST(CreateFunction, FunctionNameMayBeAnArn) {
    json body = create_body();
    body["FunctionName"] = "arn:aws:lambda:us-east-1:111111111111:function:g";
    const auto request = parse_create_function(body.dump());
    EXPECT_EQ(request.function_ref.name, "g");
    EXPECT_EQ(request.function_ref.account, "111111111111");
    EXPECT_EQ(request.config.function_name, "g");
    EXPECT_EQ(request.config.logging.log_group, "/aws/lambda/g");
}

TEST(CreateFunction, EnvironmentWithoutVariablesIsEmpty) {
    json body = create_body();
    body["Environment"] = json::object();
    EXPECT_EQ(parse_create_function(body.dump()).config.environment,
              (std::map<std::string, std::string>{}));
}

// --- ValidationException: required members and constraints ---------------------------------

TEST(CreateFunction, MissingRequiredMembersAreNullViolations) {
    const auto error = capture_error([] { parse_create_function("{}"); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "3 validation errors detected: "
              "Value null at 'functionName' failed to satisfy constraint: Member must not be null; "
              "Value null at 'role' failed to satisfy constraint: Member must not be null; "
              "Value null at 'code' failed to satisfy constraint: Member must not be null");
}

TEST(CreateFunction, AllViolationsAreReportedTogetherInShapeOrder) {
    json body = create_body();
    const std::string description(257, 'd');
    body["Description"] = description;
    body["Timeout"] = 0;
    body["MemorySize"] = 64;
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(
        error.message(),
        "3 validation errors detected: " +
            violation(
                description, "description", "Member must have length less than or equal to 256") +
            "; " + violation("0", "timeout", "Member must have value greater than or equal to 1") +
            "; " +
            violation("64", "memorySize", "Member must have value greater than or equal to 128"));
}

TEST(CreateFunction, FunctionNameViolationJoinsOtherViolations) {
    json body = create_body();
    body["FunctionName"] = "bad.name";
    body["Timeout"] = 901;
    const auto error = create_error(body);
    EXPECT_EQ(error.message().rfind(
                  "2 validation errors detected: Value 'bad.name' at 'functionName'", 0),
              0U);
}

TEST(CreateFunction, LongPlainFunctionNameIsInvalidParameterValue) {
    json body = create_body();
    body["FunctionName"] = std::string(65, 'a');
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              one(std::string(65, 'a'),
                  "functionName",
                  "Member must have length less than or equal to 64"));
}

TEST(CreateFunction, DescriptionOf256IsAccepted) {
    json body = create_body();
    body["Description"] = std::string(256, 'd');
    EXPECT_EQ(parse_create_function(body.dump()).config.description.size(), 256U);
}

TEST(CreateFunction, DescriptionLengthCountsCharactersNotBytes) {
    json body = create_body();
    std::string description;
    for (int i = 0; i < 256; ++i) {
        description += "\u00e9";
    }
    body["Description"] = description;
    EXPECT_EQ(parse_create_function(body.dump()).config.description, description);
}

TEST(CreateFunction, TimeoutOver900IsViolation) {
    json body = create_body();
    body["Timeout"] = 901;
    EXPECT_EQ(create_error(body).message(),
              one("901", "timeout", "Member must have value less than or equal to 900"));
}

TEST(CreateFunction, MemorySizeOver10240IsViolation) {
    json body = create_body();
    body["MemorySize"] = 10241;
    EXPECT_EQ(create_error(body).message(),
              one("10241", "memorySize", "Member must have value less than or equal to 10240"));
}

TEST(CreateFunction, EphemeralStorageBelow512IsViolation) {
    json body = create_body();
    body["EphemeralStorage"] = {{"Size", 511}};
    EXPECT_EQ(
        create_error(body).message(),
        one("511", "ephemeralStorage.size", "Member must have value greater than or equal to 512"));
}

TEST(CreateFunction, EphemeralStorageOver10240IsViolation) {
    json body = create_body();
    body["EphemeralStorage"] = {{"Size", 10241}};
    EXPECT_EQ(create_error(body).message(),
              one("10241",
                  "ephemeralStorage.size",
                  "Member must have value less than or equal to 10240"));
}

TEST(CreateFunction, EphemeralStorageWithoutSizeIsNullViolation) {
    json body = create_body();
    body["EphemeralStorage"] = json::object();
    EXPECT_EQ(create_error(body).message(),
              "1 validation error detected: Value null at 'ephemeralStorage.size' failed to "
              "satisfy constraint: Member must not be null");
}

TEST(CreateFunction, HandlerWithWhitespaceViolatesPattern) {
    json body = create_body();
    body["Handler"] = "a b";
    EXPECT_EQ(create_error(body).message(),
              one("a b", "handler", R"(Member must satisfy regular expression pattern: [^\s]+)"));
}

TEST(CreateFunction, HandlerOver128IsViolation) {
    json body = create_body();
    body["Handler"] = std::string(129, 'h');
    EXPECT_EQ(
        create_error(body).message(),
        one(std::string(129, 'h'), "handler", "Member must have length less than or equal to 128"));
}

TEST(CreateFunction, RoleOffPatternQuotesRolePattern) {
    json body = create_body();
    body["Role"] = "r1";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "ValidationException");
    // AWS text (facts §3.1).
    EXPECT_EQ(
        error.message(),
        R"(1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)");
}

TEST(CreateFunction, RoleVariantsMatchThePattern) {
    for (const char* role : {"arn:aws:iam::123456789012:role/service-role/my_role+x=1,a.b@c",
                             "arn:aws-cn:iam::123456789012:role/r",
                             "arn::iam::123456789012:roler"}) {
        json body = create_body();
        body["Role"] = role;
        EXPECT_EQ(parse_create_function(body.dump()).config.role, role);
    }
}

TEST(CreateFunction, RoleWithShortAccountIsViolation) {
    json body = create_body();
    body["Role"] = "arn:aws:iam::12345:role/r";
    EXPECT_EQ(create_error(body).code(), "ValidationException");
}

TEST(CreateFunction, TwoArchitecturesViolateListLength) {
    json body = create_body();
    body["Architectures"] = {"x86_64", "arm64"};
    EXPECT_EQ(
        create_error(body).message(),
        one("[x86_64, arm64]", "architectures", "Member must have length less than or equal to 1"));
}

TEST(CreateFunction, EmptyArchitecturesViolateListLength) {
    json body = create_body();
    body["Architectures"] = json::array();
    EXPECT_EQ(create_error(body).message(),
              one("[]", "architectures", "Member must have length greater than or equal to 1"));
}

TEST(CreateFunction, UnknownArchitectureViolatesEnum) {
    json body = create_body();
    body["Architectures"] = {"mips"};
    EXPECT_EQ(create_error(body).message(),
              one("[mips]",
                  "architectures",
                  "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, "
                  "arm64]]"));
}

TEST(CreateFunction, UnknownTracingModeViolatesEnum) {
    json body = create_body();
    body["TracingConfig"] = {{"Mode", "Loud"}};
    EXPECT_EQ(create_error(body).message(),
              one("Loud",
                  "tracingConfig.mode",
                  "Member must satisfy enum value set: [Active, PassThrough]"));
}

TEST(CreateFunction, UnknownPackageTypeViolatesEnum) {
    json body = create_body();
    body["PackageType"] = "Jar";
    EXPECT_EQ(create_error(body).message(),
              one("Jar", "packageType", "Member must satisfy enum value set: [Zip, Image]"));
}

TEST(CreateFunction, LoggingConfigEnumsAreChecked) {
    json body = create_body();
    body["LoggingConfig"] = {
        {"LogFormat", "XML"}, {"ApplicationLogLevel", "LOUD"}, {"SystemLogLevel", "TRACE"}};
    EXPECT_EQ(
        create_error(body).message(),
        "3 validation errors detected: " +
            violation("XML",
                      "loggingConfig.logFormat",
                      "Member must satisfy enum value set: [JSON, Text]") +
            "; " +
            violation(
                "LOUD",
                "loggingConfig.applicationLogLevel",
                "Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]") +
            "; " +
            violation("TRACE",
                      "loggingConfig.systemLogLevel",
                      "Member must satisfy enum value set: [DEBUG, INFO, WARN]"));
}

TEST(CreateFunction, LogGroupOffPatternIsViolation) {
    json body = create_body();
    body["LoggingConfig"] = {{"LogGroup", "bad group"}};
    EXPECT_EQ(create_error(body).message(),
              one("bad group",
                  "loggingConfig.logGroup",
                  R"(Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+)"));
}

TEST(CreateFunction, KmsKeyArnOffPatternIsViolation) {
    json body = create_body();
    body["KMSKeyArn"] = "key";
    EXPECT_EQ(
        create_error(body).message(),
        one("key",
            "kMSKeyArn",
            R"(Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())"));
}

TEST(CreateFunction, DeadLetterTargetOffPatternIsViolation) {
    json body = create_body();
    body["DeadLetterConfig"] = {{"TargetArn", "arn:aws:SQS:x"}};
    EXPECT_EQ(
        create_error(body).message(),
        one("arn:aws:SQS:x",
            "deadLetterConfig.targetArn",
            R"(Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())"));
}

TEST(CreateFunction, BadLayerArnIsViolation) {
    json body = create_body();
    body["Layers"] = {"arn:aws:lambda:us-east-1:111111111111:layer:l"};
    EXPECT_EQ(
        create_error(body).message(),
        one("[arn:aws:lambda:us-east-1:111111111111:layer:l]",
            "layers",
            R"(Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+])"));
}

TEST(CreateFunction, EnvironmentNameOffPatternOmitsTheSensitiveValue) {
    json body = create_body();
    body["Environment"] = {{"Variables", {{"1BAD", "x"}}}};
    EXPECT_EQ(create_error(body).message(),
              "1 validation error detected: Value at 'environment.variables' failed to satisfy "
              "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
              "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
}

TEST(CreateFunction, SingleLetterEnvironmentNameViolatesPattern) {
    json body = create_body();
    body["Environment"] = {{"Variables", {{"A", "x"}}}};
    EXPECT_EQ(create_error(body).code(), "ValidationException");
}

TEST(CreateFunction, UnderscoreReservedNameFailsThePatternFirst) {
    json body = create_body();
    body["Environment"] = {{"Variables", {{"_HANDLER", "x"}}}};
    EXPECT_EQ(create_error(body).code(), "ValidationException");
}

TEST(CreateFunction, TagKeyOver128IsViolation) {
    json body = create_body();
    const std::string key(129, 'k');
    body["Tags"] = {{key, "v"}};
    EXPECT_EQ(create_error(body).message(),
              one("{" + key + "=v}",
                  "tags",
                  "Map keys must satisfy constraint: [Member must have length less than or equal "
                  "to 128, Member must have length greater than or equal to 1]"));
}

// --- InvalidParameterValueException: service rules -----------------------------------------

TEST(CreateFunction, ImagePackageTypeIsNotSupported) {
    json body = create_body();
    body["PackageType"] = "Image";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_NE(error.message().find("lambdahost does not support container image functions"),
              std::string::npos);
}

TEST(CreateFunction, ImageUriIsNotSupported) {
    json body = create_body();
    body["Code"] = {{"ImageUri", "123.dkr.ecr.us-east-1.amazonaws.com/x:latest"}};
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_NE(error.message().find("container image"), std::string::npos);
}

TEST(CreateFunction, S3CodeIsNotSupported) {
    json body = create_body();
    body["Code"] = {{"S3Bucket", "b"}, {"S3Key", "k.zip"}};
    EXPECT_EQ(create_error(body).message(),
              "lambdahost takes function code only inline as ZipFile; S3Bucket, S3Key and "
              "S3ObjectVersion are not supported.");
}

TEST(CreateFunction, EmptyCodeAsksForASource) {
    json body = create_body();
    body["Code"] = json::object();
    EXPECT_EQ(create_error(body).message(), "Please provide a source for function code.");
}

TEST(CreateFunction, InvalidBase64ZipCannotBeUnzipped) {
    json body = create_body();
    body["Code"]["ZipFile"] = "not base64!";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "Could not unzip uploaded file. Please check your file, then try to upload again.");
}

TEST(CreateFunction, EmptyZipCannotBeUnzipped) {
    json body = create_body();
    body["Code"]["ZipFile"] = "";
    EXPECT_EQ(create_error(body).message(),
              "Could not unzip uploaded file. Please check your file, then try to upload again.");
}

/// A CreateFunction body whose ZipFile decodes to `zip_bytes` zero bytes, built as text because
/// dumping a limit-sized payload through nlohmann is slow in debug builds.
std::string body_with_zip_of(std::size_t zip_bytes) {
    json body = create_body();
    body["Code"]["ZipFile"] = "@";
    std::string text = body.dump();
    std::string zip_file((zip_bytes + 2) / 3 * 4, 'A');
    const std::size_t padding = (3 - zip_bytes % 3) % 3;
    zip_file.replace(zip_file.size() - padding, padding, padding, '=');
    text.replace(text.find('@'), 1, zip_file);
    return text;
}

TEST(CreateFunction, ZipOverLimitIsRequestTooLarge) {
    const std::string body = body_with_zip_of(kMaxZippedCodeBytes + 1);
    const auto error = capture_error([&] { parse_create_function(body); });
    EXPECT_EQ(error.status(), 413);
    EXPECT_EQ(error.code(), "RequestEntityTooLargeException");
    EXPECT_EQ(error.message(), "Zipped size must be smaller than 52428800 bytes");
}

TEST(CreateFunction, MissingRuntimeIsMandatoryForZip) {
    json body = create_body();
    body.erase("Runtime");
    EXPECT_EQ(create_error(body).message(),
              "Runtime and Handler are mandatory parameters for functions created with deployment "
              "packages.");
}

TEST(CreateFunction, MissingHandlerIsMandatoryForZip) {
    json body = create_body();
    body.erase("Handler");
    EXPECT_EQ(create_error(body).code(), "InvalidParameterValueException");
}

TEST(CreateFunction, UnknownRuntimeListsTheEnum) {
    json body = create_body();
    body["Runtime"] = "cobol85";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
              "value set: [python3.9, python3.10, python3.11, python3.12, python3.13, python3.14, "
              "nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, java8.al2, java11, java17, java21, "
              "dotnet8, ruby3.2, ruby3.3, ruby3.4, provided, provided.al2, provided.al2023] or be "
              "a valid ARN");
}

TEST(CreateFunction, RuntimeIsCaseSensitive) {
    json body = create_body();
    body["Runtime"] = "PYTHON3.12";
    EXPECT_EQ(create_error(body).message().rfind("Value PYTHON3.12 at 'runtime'", 0), 0U);
}

TEST(CreateFunction, DeprecatedRuntimeIsNoLongerSupported) {
    json body = create_body();
    body["Runtime"] = "python3.8";
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "The runtime parameter of python3.8 is no longer supported for creating or updating "
              "AWS Lambda functions. We recommend you use a supported runtime while creating or "
              "updating functions.");
}

TEST(CreateFunction, EverySupportedRuntimeIsAccepted) {
    for (const auto runtime : kSupportedRuntimes) {
        json body = create_body();
        body["Runtime"] = runtime;
        EXPECT_EQ(parse_create_function(body.dump()).config.runtime, runtime);
    }
}

TEST(CreateFunction, EveryDeprecatedRuntimeIsRefused) {
    for (const auto runtime : kDeprecatedRuntimes) {
        json body = create_body();
        body["Runtime"] = runtime;
        EXPECT_NE(create_error(body).message().find("is no longer supported"), std::string::npos)
            << runtime;
    }
}

TEST(CreateFunction, ReservedEnvironmentKeysAreRefused) {
    json body = create_body();
    body["Environment"] = {
        {"Variables", {{"AWS_REGION", "x"}, {"AWS_LAMBDA_FUNCTION_NAME", "y"}, {"MINE", "z"}}}};
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "Lambda was unable to configure your environment variables because the environment "
              "variables you have provided contains reserved keys that are currently not "
              "supported for modification. Reserved keys used in this request: "
              "AWS_LAMBDA_FUNCTION_NAME, AWS_REGION");
}

TEST(CreateFunction, ExecWrapperIsNotReserved) {
    json body = create_body();
    body["Environment"] = {{"Variables", {{"AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrap"}}}};
    EXPECT_TRUE(
        parse_create_function(body.dump()).config.environment->contains("AWS_LAMBDA_EXEC_WRAPPER"));
}

TEST(CreateFunction, EnvironmentOver4KbQuotesTheMeasuredString) {
    json body = create_body();
    const std::string value(4096, 'v');
    body["Environment"] = {{"Variables", {{"BIG", value}}}};
    const auto error = create_error(body);
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "Lambda was unable to configure your environment variables because the environment "
              "variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"" +
                  value + "\"}");
}

TEST(CreateFunction, EnvironmentOfExactly4KbIsAccepted) {
    json body = create_body();
    // {"BIG":"<v>"} is 10 bytes of syntax and name.
    body["Environment"] = {{"Variables", {{"BIG", std::string(4096 - 10, 'v')}}}};
    EXPECT_TRUE(parse_create_function(body.dump()).config.environment);
}

TEST(CreateFunction, MoreThanFiveLayersAreRefused) {
    json body = create_body();
    body["Layers"] = json::array();
    for (int i = 1; i <= 6; ++i) {
        body["Layers"].push_back("arn:aws:lambda:us-east-1:111111111111:layer:l:" +
                                 std::to_string(i));
    }
    EXPECT_EQ(create_error(body).message(), "Cannot reference more than 5 layers.");
}

TEST(CreateFunction, TextLogFormatWithLogLevelIsRefused) {
    json body = create_body();
    body["LoggingConfig"] = {{"LogFormat", "Text"}, {"ApplicationLogLevel", "DEBUG"}};
    EXPECT_EQ(create_error(body).message(),
              "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from "
              "your request or change the LogFormat to \"JSON\" and try again.");
}

TEST(CreateFunction, JsonLogFormatKeepsGivenLevelAndDefaultsTheOther) {
    json body = create_body();
    body["LoggingConfig"] = {{"LogFormat", "JSON"}, {"SystemLogLevel", "WARN"}};
    EXPECT_EQ(parse_create_function(body.dump()).config.logging,
              (LoggingConfig{"JSON", "INFO", "WARN", "/aws/lambda/f"}));
}

TEST(CreateFunction, MoreThanFiftyTagsAreRefused) {
    json body = create_body();
    for (int i = 0; i < 51; ++i) {
        body["Tags"]["k" + std::to_string(i)] = "v";
    }
    EXPECT_EQ(create_error(body).message(), "Number of tags exceeds resource tag limit.");
}

// --- UpdateFunctionCode --------------------------------------------------------------------

TEST(UpdateFunctionCode, ReadsEveryMember) {
    const json body = {{"ZipFile", util::base64_encode(kZipBytes)},
                       {"Publish", true},
                       {"DryRun", true},
                       {"RevisionId", "rev"},
                       {"Architectures", {"arm64"}}};
    const auto request = parse_update_function_code(body.dump());
    EXPECT_EQ(request.zip_file, kZipBytes);
    EXPECT_TRUE(request.publish);
    EXPECT_TRUE(request.dry_run);
    EXPECT_EQ(request.revision_id, "rev");
    EXPECT_EQ(request.architecture, "arm64");
}

TEST(UpdateFunctionCode, DefaultsAreOff) {
    const auto request =
        parse_update_function_code(json{{"ZipFile", util::base64_encode(kZipBytes)}}.dump());
    EXPECT_FALSE(request.publish);
    EXPECT_FALSE(request.dry_run);
    EXPECT_FALSE(request.revision_id);
    EXPECT_FALSE(request.architecture);
}

TEST(UpdateFunctionCode, ImageUriOnZipFunctionIsRefusedWithAwsText) {
    const auto error = capture_error([] { parse_update_function_code(R"({"ImageUri":"x"})"); });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "Please don't provide ImageUri when updating a function with packageType Zip.");
}

TEST(UpdateFunctionCode, S3CodeIsNotSupported) {
    const auto error =
        capture_error([] { parse_update_function_code(R"({"S3Bucket":"b","S3Key":"k"})"); });
    EXPECT_NE(error.message().find("only inline as ZipFile"), std::string::npos);
}

TEST(UpdateFunctionCode, NoCodeAsksForASource) {
    EXPECT_EQ(capture_error([] { parse_update_function_code("{}"); }).message(),
              "Please provide a source for function code.");
}

TEST(UpdateFunctionCode, BadArchitectureIsViolation) {
    const auto error = capture_error([] {
        parse_update_function_code(R"({"ZipFile":"UEs=","Architectures":["arm64","x86_64"]})");
    });
    EXPECT_EQ(
        error.message(),
        one("[arm64, x86_64]", "architectures", "Member must have length less than or equal to 1"));
}

TEST(UpdateFunctionCode, WrongTypeIsUnparsable) {
    EXPECT_EQ(capture_error([] { parse_update_function_code(R"({"Publish":"yes"})"); }).message(),
              "Could not parse request body into json: member 'Publish' must be a boolean");
}

// --- UpdateFunctionConfiguration -----------------------------------------------------------

TEST(UpdateFunctionConfiguration, EmptyBodyKeepsEverything) {
    const auto current = current_config();
    const auto request = parse_update_function_configuration("{}", current);
    EXPECT_EQ(request.merged, current);
    EXPECT_FALSE(request.revision_id);
}

TEST(UpdateFunctionConfiguration, OnlyGivenMembersChange) {
    const auto current = current_config();
    const auto request = parse_update_function_configuration(
        R"({"Timeout":30,"Description":"new","RevisionId":"rev"})", current);
    auto expected = current;
    expected.timeout = 30;
    expected.description = "new";
    EXPECT_EQ(request.merged, expected);
    EXPECT_EQ(request.revision_id, "rev");
}

TEST(UpdateFunctionConfiguration, RoleIsNotRequired) {
    EXPECT_NO_THROW(parse_update_function_configuration(R"({"MemorySize":256})", current_config()));
}

TEST(UpdateFunctionConfiguration, SwitchingToJsonAddsInfoLevels) {
    const auto request = parse_update_function_configuration(
        R"({"LoggingConfig":{"LogFormat":"JSON"}})", current_config());
    EXPECT_EQ(request.merged.logging, (LoggingConfig{"JSON", "INFO", "INFO", "/aws/lambda/f"}));
}

TEST(UpdateFunctionConfiguration, SwitchingBackToTextRemovesLevels) {
    auto current = current_config();
    current.logging = {"JSON", "DEBUG", "WARN", "/aws/lambda/f"};
    const auto request =
        parse_update_function_configuration(R"({"LoggingConfig":{"LogFormat":"Text"}})", current);
    EXPECT_EQ(request.merged.logging,
              (LoggingConfig{"Text", std::nullopt, std::nullopt, "/aws/lambda/f"}));
}

TEST(UpdateFunctionConfiguration, LoggingMergesMemberWise) {
    auto current = current_config();
    current.logging = {"JSON", "DEBUG", "WARN", "/aws/lambda/f"};
    const auto request = parse_update_function_configuration(
        R"({"LoggingConfig":{"LogGroup":"/other","SystemLogLevel":"INFO"}})", current);
    EXPECT_EQ(request.merged.logging, (LoggingConfig{"JSON", "DEBUG", "INFO", "/other"}));
}

TEST(UpdateFunctionConfiguration, LogLevelOnTextFunctionIsRefused) {
    const auto error = capture_error([] {
        parse_update_function_configuration(R"({"LoggingConfig":{"ApplicationLogLevel":"WARN"}})",
                                            current_config());
    });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
}

TEST(UpdateFunctionConfiguration, LogLevelOnJsonFunctionIsAccepted) {
    auto current = current_config();
    current.logging = {"JSON", "INFO", "INFO", "/aws/lambda/f"};
    const auto request = parse_update_function_configuration(
        R"({"LoggingConfig":{"ApplicationLogLevel":"ERROR"}})", current);
    EXPECT_EQ(request.merged.logging.application_log_level, "ERROR");
}

TEST(UpdateFunctionConfiguration, EmptyKmsKeyArnAndTargetArnClearThem) {
    auto current = current_config();
    current.kms_key_arn = "arn:aws:kms:us-east-1:111111111111:key/k";
    current.dead_letter_target_arn = "arn:aws:sqs:us-east-1:111111111111:dlq";
    const auto request = parse_update_function_configuration(
        R"({"KMSKeyArn":"","DeadLetterConfig":{"TargetArn":""}})", current);
    EXPECT_FALSE(request.merged.kms_key_arn);
    EXPECT_FALSE(request.merged.dead_letter_target_arn);
}

TEST(UpdateFunctionConfiguration, EnvironmentIsReplacedWhole) {
    auto current = current_config();
    current.environment = std::map<std::string, std::string>{{"OLD", "1"}};
    const auto request = parse_update_function_configuration(
        R"({"Environment":{"Variables":{"NEW":"2"}}})", current);
    EXPECT_EQ(request.merged.environment, (std::map<std::string, std::string>{{"NEW", "2"}}));
}

TEST(UpdateFunctionConfiguration, EmptyLayersRemoveAll) {
    auto current = current_config();
    current.layers = {"arn:aws:lambda:us-east-1:111111111111:layer:l:1"};
    EXPECT_TRUE(
        parse_update_function_configuration(R"({"Layers":[]})", current).merged.layers.empty());
}

TEST(UpdateFunctionConfiguration, DeprecatedRuntimeIsRefused) {
    const auto error = capture_error([] {
        parse_update_function_configuration(R"({"Runtime":"nodejs16.x"})", current_config());
    });
    EXPECT_EQ(
        error.message().rfind("The runtime parameter of nodejs16.x is no longer supported", 0), 0U);
}

TEST(UpdateFunctionConfiguration, ViolationsAreCollected) {
    const auto error = capture_error([] {
        parse_update_function_configuration(R"({"Timeout":0,"MemorySize":99999})",
                                            current_config());
    });
    EXPECT_EQ(
        error.message(),
        "2 validation errors detected: " +
            violation("0", "timeout", "Member must have value greater than or equal to 1") + "; " +
            violation("99999", "memorySize", "Member must have value less than or equal to 10240"));
}

TEST(UpdateFunctionConfiguration, NonObjectBodyIsUnparsable) {
    EXPECT_EQ(
        capture_error([] { parse_update_function_configuration("null", current_config()); }).code(),
        "InvalidRequestContentException");
}

// --- validate_tags -------------------------------------------------------------------------

TEST(ValidateTags, FiftyTagsAreAccepted) {
    std::map<std::string, std::string> tags;
    for (int i = 0; i < 50; ++i) {
        tags["k" + std::to_string(i)] = "v";
    }
    EXPECT_NO_THROW(validate_tags(tags));
}

TEST(ValidateTags, FiftyOneTagsExceedTheLimit) {
    std::map<std::string, std::string> tags;
    for (int i = 0; i < 51; ++i) {
        tags["k" + std::to_string(i)] = "v";
    }
    const auto error = capture_error([&] { validate_tags(tags); });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(), "Number of tags exceeds resource tag limit.");
}

TEST(ValidateTags, EmptyKeyIsViolation) {
    const auto error = capture_error([] { validate_tags({{"", "v"}}); });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(ValidateTags, ValueOver256IsViolation) {
    const std::string value(257, 'v');
    const auto error = capture_error([&] { validate_tags({{"k", value}}); });
    EXPECT_EQ(error.message(),
              one("{k=" + value + "}",
                  "tags",
                  "Map value must satisfy constraint: [Member must have length less than or equal "
                  "to 256]"));
}

}  // namespace
}  // namespace lambdahost::model
