// SPDX-License-Identifier: Apache-2.0
// Unit tests of model/arn: the two function-name grammars and their AWS error texts, resolving
// references in the caller's scope, ARN rendering and the tagging API's resource ARNs.
#include "model/arn.hpp"

#include <string>

#include <gtest/gtest.h>

#include "capture_error.hpp"

namespace lambdahost::model {
namespace {

using testing::capture_error;

constexpr const char* kCreatePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
constexpr const char* kNamespacedPattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";

const Scope kCaller{"111111111111", "us-east-1"};

std::string name_violation(const std::string& value, const std::string& constraint) {
    return "Value '" + value + "' at 'functionName' failed to satisfy constraint: " + constraint;
}

TEST(FunctionRef, PlainNameHasNoQualifierAccountOrRegion) {
    const auto ref = parse_function_ref("my-function_1", NameGrammar::Create);
    EXPECT_EQ(ref.name, "my-function_1");
    EXPECT_FALSE(ref.qualifier);
    EXPECT_FALSE(ref.account);
    EXPECT_FALSE(ref.region);
}

TEST(FunctionRef, NameWithQualifierSplitsAtColon) {
    const auto ref = parse_function_ref("f:prod", NameGrammar::Namespaced);
    EXPECT_EQ(ref.name, "f");
    EXPECT_EQ(ref.qualifier, "prod");
}

TEST(FunctionRef, NameWithLatestQualifier) {
    const auto ref = parse_function_ref("f:$LATEST", NameGrammar::Create);
    EXPECT_EQ(ref.qualifier, "$LATEST");
}

TEST(FunctionRef, PartialArnCarriesAccount) {
    const auto ref = parse_function_ref("123456789012:function:f", NameGrammar::Namespaced);
    EXPECT_EQ(ref.name, "f");
    EXPECT_EQ(ref.account, "123456789012");
    EXPECT_FALSE(ref.region);
    EXPECT_FALSE(ref.qualifier);
}

TEST(FunctionRef, PartialArnWithVersion) {
    const auto ref = parse_function_ref("123456789012:function:f:7", NameGrammar::Namespaced);
    EXPECT_EQ(ref.name, "f");
    EXPECT_EQ(ref.qualifier, "7");
}

TEST(FunctionRef, FullArnCarriesRegionAndAccount) {
    const auto ref =
        parse_function_ref("arn:aws:lambda:eu-west-1:123456789012:function:f", NameGrammar::Create);
    EXPECT_EQ(ref.name, "f");
    EXPECT_EQ(ref.region, "eu-west-1");
    EXPECT_EQ(ref.account, "123456789012");
    EXPECT_FALSE(ref.qualifier);
}

TEST(FunctionRef, FullArnWithAliasQualifier) {
    const auto ref = parse_function_ref("arn:aws:lambda:us-east-1:123456789012:function:f:live",
                                        NameGrammar::Namespaced);
    EXPECT_EQ(ref.name, "f");
    EXPECT_EQ(ref.qualifier, "live");
}

TEST(FunctionRef, GovIsoAndEuscRegionsAndPartitionsParse) {
    EXPECT_EQ(parse_function_ref("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
                                 NameGrammar::Create)
                  .region,
              "us-gov-west-1");
    EXPECT_EQ(parse_function_ref("arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:f",
                                 NameGrammar::Create)
                  .region,
              "us-isob-east-1");
    EXPECT_EQ(parse_function_ref("arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:f",
                                 NameGrammar::Create)
                  .region,
              "eusc-de-east-1");
}

TEST(FunctionRef, NamespacedGrammarAllowsDotsAndLatestPublished) {
    const auto ref = parse_function_ref("my.fn:$LATEST.PUBLISHED", NameGrammar::Namespaced);
    EXPECT_EQ(ref.name, "my.fn");
    EXPECT_EQ(ref.qualifier, "$LATEST.PUBLISHED");
}

TEST(FunctionRef, CreateGrammarRejectsDotWithItsPattern) {
    const auto error = capture_error([] { parse_function_ref("my.fn", NameGrammar::Create); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation("my.fn",
                                 std::string("Member must satisfy regular expression pattern: ") +
                                     kCreatePattern));
}

TEST(FunctionRef, NamespacedGrammarQuotesItsOwnPattern) {
    const auto error = capture_error([] { parse_function_ref("a b", NameGrammar::Namespaced); });
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation("a b",
                                 std::string("Member must satisfy regular expression pattern: ") +
                                     kNamespacedPattern));
}

TEST(FunctionRef, LatestPublishedIsNotACreateQualifier) {
    const auto error =
        capture_error([] { parse_function_ref("f:$LATEST.PUBLISHED", NameGrammar::Create); });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(FunctionRef, LowerCaseLatestInNameIsAPatternViolation) {
    const auto error =
        capture_error([] { parse_function_ref("f:$latest", NameGrammar::Namespaced); });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(FunctionRef, CreatePlainNameOver64IsInvalidParameterValue) {
    const std::string name(65, 'a');
    const auto error = capture_error([&] { parse_function_ref(name, NameGrammar::Create); });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation(name, "Member must have length less than or equal to 64"));
}

TEST(FunctionRef, CreatePlainNameOf64IsAccepted) {
    EXPECT_EQ(parse_function_ref(std::string(64, 'a'), NameGrammar::Create).name,
              std::string(64, 'a'));
}

TEST(FunctionRef, CreatePlainNameOver64WithBadCharListsLengthThenPattern) {
    const std::string name = std::string(65, 'a') + ".";
    const auto error = capture_error([&] { parse_function_ref(name, NameGrammar::Create); });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "2 validation errors detected: " +
                  name_violation(name, "Member must have length less than or equal to 64") + "; " +
                  name_violation(name,
                                 std::string("Member must satisfy regular expression pattern: ") +
                                     kCreatePattern));
}

TEST(FunctionRef, NamespacedLongPlainNameIsNotAValidationError) {
    // AWS: GetFunction with a 65-char name is just a 404 (facts §3.1).
    EXPECT_EQ(parse_function_ref(std::string(65, 'a'), NameGrammar::Namespaced).name,
              std::string(65, 'a'));
}

TEST(FunctionRef, CreateArnOver140IsValidationException) {
    const std::string arn =
        "arn:aws:lambda:us-east-1:123456789012:function:" + std::string(64, 'a') + ":" +
        std::string(40, 'q');
    ASSERT_GT(arn.size(), 140U);
    const auto error = capture_error([&] { parse_function_ref(arn, NameGrammar::Create); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation(arn, "Member must have length less than or equal to 140"));
}

TEST(FunctionRef, CreateArnWithNameOver64IsValidationException) {
    const std::string arn = "123456789012:function:" + std::string(65, 'a');
    const auto error = capture_error([&] { parse_function_ref(arn, NameGrammar::Create); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation(arn, "Member must have length less than or equal to 64"));
}

TEST(FunctionRef, NamespacedOver170IsValidationException) {
    const std::string arn = "123456789012:function:" + std::string(150, 'a');
    const auto error = capture_error([&] { parse_function_ref(arn, NameGrammar::Namespaced); });
    EXPECT_EQ(error.message(),
              "1 validation error detected: " +
                  name_violation(arn, "Member must have length less than or equal to 170"));
}

TEST(FunctionRef, EmptyNameViolatesMinLengthAndPattern) {
    const auto error = capture_error([] { parse_function_ref("", NameGrammar::Namespaced); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "2 validation errors detected: " +
                  name_violation("", "Member must have length greater than or equal to 1") + "; " +
                  name_violation("",
                                 std::string("Member must satisfy regular expression pattern: ") +
                                     kNamespacedPattern));
}

TEST(FunctionRef, TooManySegmentsIsAPatternViolation) {
    const auto error = capture_error([] {
        parse_function_ref("arn:aws:lambda:us-east-1:123456789012:function:f:1:2",
                           NameGrammar::Namespaced);
    });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(FunctionRef, WrongServiceInArnIsAPatternViolation) {
    const auto error = capture_error([] {
        parse_function_ref("arn:aws:s3:us-east-1:123456789012:function:f", NameGrammar::Namespaced);
    });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(FunctionRef, HugeInputFailsWithoutCrashing) {
    const std::string huge(1 << 20, 'a');
    const auto error =
        capture_error([&] { parse_function_ref(huge + ":", NameGrammar::Namespaced); });
    EXPECT_EQ(error.code(), "ValidationException");
}

TEST(Resolve, UnqualifiedReferenceStaysUnqualified) {
    const auto resolved =
        resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, std::nullopt);
    EXPECT_EQ(resolved.scope, kCaller);
    EXPECT_EQ(resolved.name, "f");
    EXPECT_FALSE(resolved.qualifier);
}

TEST(Resolve, QualifierParameterApplies) {
    const auto resolved = resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, "3");
    EXPECT_EQ(resolved.qualifier, "3");
}

TEST(Resolve, EmbeddedQualifierApplies) {
    const auto resolved =
        resolve(parse_function_ref("f:live", NameGrammar::Namespaced), kCaller, std::nullopt);
    EXPECT_EQ(resolved.qualifier, "live");
}

TEST(Resolve, EqualEmbeddedAndParameterQualifiersAgree) {
    const auto resolved =
        resolve(parse_function_ref("f:live", NameGrammar::Namespaced), kCaller, "live");
    EXPECT_EQ(resolved.qualifier, "live");
}

TEST(Resolve, EmptyQualifierParameterCountsAsAbsent) {
    const auto resolved = resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, "");
    EXPECT_FALSE(resolved.qualifier);
}

TEST(Resolve, DifferentEmbeddedAndParameterQualifiersAreInvalid) {
    const auto error = capture_error(
        [] { resolve(parse_function_ref("f:live", NameGrammar::Namespaced), kCaller, "1"); });
    EXPECT_EQ(error.code(), "InvalidParameterValueException");
    EXPECT_EQ(error.message(),
              "The derived qualifier from the function name does not match the specified "
              "qualifier.");
}

TEST(Resolve, LowerCaseLatestParameterPassesValidation) {
    // AWS: "$latest" is a qualifier that is not found (404), not a validation error (§3.1).
    const auto resolved =
        resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, "$latest");
    EXPECT_EQ(resolved.qualifier, "$latest");
}

TEST(Resolve, QualifierOver128IsValidationException) {
    const std::string qualifier(129, 'q');
    const auto error = capture_error(
        [&] { resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, qualifier); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "1 validation error detected: Value '" + qualifier +
                  "' at 'qualifier' failed to satisfy constraint: Member must have length less "
                  "than or equal to 128");
}

TEST(Resolve, QualifierOffPatternIsValidationException) {
    const auto error = capture_error(
        [] { resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, "a.b"); });
    EXPECT_EQ(
        error.message(),
        R"(1 validation error detected: Value 'a.b' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)");
}

TEST(Resolve, LatestPublishedParameterIsAccepted) {
    const auto resolved =
        resolve(parse_function_ref("f", NameGrammar::Namespaced), kCaller, "$LATEST.PUBLISHED");
    EXPECT_EQ(resolved.qualifier, "$LATEST.PUBLISHED");
}

TEST(Resolve, OtherRegionIsNotReachable) {
    const auto error = capture_error([] {
        resolve(parse_function_ref("arn:aws:lambda:ap-southeast-1:111111111111:function:f",
                                   NameGrammar::Namespaced),
                kCaller,
                std::nullopt);
    });
    EXPECT_EQ(error.code(), "ResourceNotFoundException");
    EXPECT_EQ(error.status(), 404);
    EXPECT_EQ(error.message(),
              "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')");
}

TEST(Resolve, OtherAccountIsFunctionNotFound) {
    const auto error = capture_error([] {
        resolve(parse_function_ref("222222222222:function:f:1", NameGrammar::Namespaced),
                kCaller,
                std::nullopt);
    });
    EXPECT_EQ(error.code(), "ResourceNotFoundException");
    EXPECT_EQ(error.message(),
              "Function not found: arn:aws:lambda:us-east-1:222222222222:function:f:1");
}

TEST(Resolve, OwnFullArnResolvesToCallerScope) {
    const auto resolved =
        resolve(parse_function_ref("arn:aws:lambda:us-east-1:111111111111:function:f",
                                   NameGrammar::Namespaced),
                kCaller,
                std::nullopt);
    EXPECT_EQ(resolved.scope, kCaller);
    EXPECT_EQ(resolved.name, "f");
}

TEST(ResolveFunctionRef, ReportsNameAndQualifierViolationsTogether) {
    const std::string qualifier(129, 'q');
    const auto error = capture_error(
        [&] { resolve_function_ref("a b", NameGrammar::Namespaced, kCaller, qualifier); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(error.message(),
              "2 validation errors detected: " +
                  name_violation("a b",
                                 std::string("Member must satisfy regular expression pattern: ") +
                                     kNamespacedPattern) +
                  "; Value '" + qualifier +
                  "' at 'qualifier' failed to satisfy constraint: Member must have length less "
                  "than or equal to 128");
}

TEST(ResolveFunctionRef, ValidReferenceResolves) {
    const auto resolved =
        resolve_function_ref("f:1", NameGrammar::Namespaced, kCaller, std::nullopt);
    EXPECT_EQ(resolved.name, "f");
    EXPECT_EQ(resolved.qualifier, "1");
}

TEST(FunctionArn, RendersUnqualifiedAndQualified) {
    EXPECT_EQ(function_arn(kCaller, "f"), "arn:aws:lambda:us-east-1:111111111111:function:f");
    EXPECT_EQ(qualified_function_arn(kCaller, "f", "$LATEST"),
              "arn:aws:lambda:us-east-1:111111111111:function:f:$LATEST");
}

TEST(ResourceArn, FunctionArnParses) {
    const auto arn = parse_resource_arn("arn:aws:lambda:eu-west-1:123456789012:function:f");
    EXPECT_EQ(arn.scope, (Scope{"123456789012", "eu-west-1"}));
    EXPECT_EQ(arn.resource_type, "function");
    EXPECT_EQ(arn.name, "f");
    EXPECT_FALSE(arn.qualifier);
}

TEST(ResourceArn, QualifiedFunctionArnKeepsQualifier) {
    const auto arn = parse_resource_arn("arn:aws:lambda:us-east-1:123456789012:function:f:prod");
    EXPECT_EQ(arn.qualifier, "prod");
}

TEST(ResourceArn, OtherTaggableResourceTypesParse) {
    EXPECT_EQ(parse_resource_arn(
                  "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg")
                  .resource_type,
              "code-signing-config");
    const auto esm = parse_resource_arn(
        "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:"
        "12345678-90ab-cdef-1234-567890ABCDEF");
    EXPECT_EQ(esm.resource_type, "event-source-mapping");
    EXPECT_EQ(esm.name, "12345678-90ab-cdef-1234-567890ABCDEF");
}

TEST(ResourceArn, PlainNameIsValidationExceptionAtResource) {
    const auto error = capture_error([] { parse_resource_arn("f"); });
    EXPECT_EQ(error.code(), "ValidationException");
    EXPECT_EQ(
        error.message(),
        R"(1 validation error detected: Value 'f' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))");
}

TEST(ResourceArn, PartialArnIsRejected) {
    EXPECT_EQ(capture_error([] { parse_resource_arn("123456789012:function:f"); }).code(),
              "ValidationException");
}

TEST(ResourceArn, ArnWithoutPartitionIsRejected) {
    EXPECT_EQ(capture_error([] {
                  parse_resource_arn("arn::lambda:us-east-1:123456789012:function:f");
              }).code(),
              "ValidationException");
}

TEST(ResourceArn, OverlongArnViolatesLength) {
    const std::string arn =
        "arn:aws:lambda:us-east-1:123456789012:function:" + std::string(250, 'a');
    const auto error = capture_error([&] { parse_resource_arn(arn); });
    EXPECT_EQ(error.message(),
              "1 validation error detected: Value '" + arn +
                  "' at 'resource' failed to satisfy constraint: Member must have length less "
                  "than or equal to 256");
}

}  // namespace
}  // namespace lambdahost::model
