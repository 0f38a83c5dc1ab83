// SPDX-License-Identifier: Apache-2.0
// api::render_error against golden bodies: every code of the wire-form table, the factories'
// errors, the Type override and extra members (facts §1.1, §3.1).
#include "api/errors.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lambdahost::api {
namespace {

namespace errors = model::errors;

struct Golden {
    std::string code;
    int status;
    std::string body;  // the exact bytes expected for message "m"
};

// One row per code of the table in errors.cpp: the modelled shapes of service-2.json plus the
// unmodelled ones.
const std::vector<Golden> kGolden = {
    {"CodeSigningConfigNotFoundException", 404, R"({"Type":"User","Message":"m"})"},
    {"CodeStorageExceededException", 400, R"({"Type":"User","message":"m"})"},
    {"CodeVerificationFailedException", 400, R"({"Type":"User","Message":"m"})"},
    {"EC2AccessDeniedException", 502, R"({"Type":"User","Message":"m"})"},
    {"EC2ThrottledException", 502, R"({"Type":"User","Message":"m"})"},
    {"EC2UnexpectedException", 502, R"({"Type":"User","Message":"m"})"},
    {"EFSIOException", 410, R"({"Type":"User","Message":"m"})"},
    {"EFSMountConnectivityException", 408, R"({"Type":"User","Message":"m"})"},
    {"EFSMountFailureException", 403, R"({"Type":"User","Message":"m"})"},
    {"EFSMountTimeoutException", 408, R"({"Type":"User","Message":"m"})"},
    {"ENILimitReachedException", 502, R"({"Type":"User","Message":"m"})"},
    {"InvalidCodeSignatureException", 400, R"({"Type":"User","Message":"m"})"},
    {"InvalidParameterValueException", 400, R"({"Type":"User","message":"m"})"},
    {"InvalidRequestContentException", 400, R"({"Type":"User","message":"m"})"},
    {"InvalidRuntimeException", 502, R"({"Type":"User","Message":"m"})"},
    {"InvalidSecurityGroupIDException", 502, R"({"Type":"User","Message":"m"})"},
    {"InvalidSubnetIDException", 502, R"({"Type":"User","Message":"m"})"},
    {"InvalidZipFileException", 502, R"({"Type":"User","Message":"m"})"},
    {"KMSAccessDeniedException", 502, R"({"Type":"User","Message":"m"})"},
    {"KMSDisabledException", 502, R"({"Type":"User","Message":"m"})"},
    {"KMSInvalidStateException", 502, R"({"Type":"User","Message":"m"})"},
    {"KMSNotFoundException", 502, R"({"Type":"User","Message":"m"})"},
    {"PolicyLengthExceededException", 400, R"({"Type":"User","message":"m"})"},
    {"PreconditionFailedException", 412, R"({"Type":"User","message":"m"})"},
    {"ProvisionedConcurrencyConfigNotFoundException", 404, R"({"Type":"User","message":"m"})"},
    {"RequestTooLargeException", 413, R"({"Type":"User","message":"m"})"},
    {"ResourceConflictException", 409, R"({"Type":"User","message":"m"})"},
    {"ResourceInUseException", 400, R"({"Type":"User","Message":"m"})"},
    {"ResourceNotFoundException", 404, R"({"Type":"User","Message":"m"})"},
    {"ResourceNotReadyException", 502, R"({"Type":"User","message":"m"})"},
    {"ServiceException", 500, R"({"Type":"Service","Message":"m"})"},
    {"SnapStartException", 400, R"({"Type":"User","Message":"m"})"},
    {"SnapStartNotReadyException", 409, R"({"Type":"User","Message":"m"})"},
    {"SnapStartTimeoutException", 408, R"({"Type":"User","Message":"m"})"},
    {"SubnetIPAddressLimitReachedException", 502, R"({"Type":"User","Message":"m"})"},
    {"TooManyRequestsException", 429, R"({"Type":"User","message":"m"})"},
    {"UnsupportedMediaTypeException", 415, R"({"Type":"User","message":"m"})"},
    {"ValidationException", 400, R"({"message":"m"})"},
    {"RequestEntityTooLargeException", 413, R"({"Message":"m"})"},
    {"UnknownOperationException", 404, R"({"Type":"User","message":"m"})"},
    {"NotImplementedException", 501, R"({"Type":"Service","message":"m"})"},
};

std::string error_type_header(const Response& response) {
    for (const auto& [name, value] : response.headers) {
        if (name == "X-Amzn-ErrorType") {
            return value;
        }
    }
    return {};
}

TEST(RenderError, EveryCodeMatchesItsGoldenBody) {
    for (const Golden& golden : kGolden) {
        const Response response = render_error({golden.status, golden.code, "m"});
        EXPECT_EQ(response.status, golden.status) << golden.code;
        EXPECT_EQ(error_type_header(response), golden.code);
        EXPECT_EQ(response.body, golden.body) << golden.code;
        EXPECT_EQ(response.content_type, "application/json");
    }
}

TEST(RenderError, FunctionNotFoundAsRecorded) {
    // AWS recording (facts §3.1).
    const Response response = render_error(
        errors::function_not_found("arn:aws:lambda:us-east-1:111111111111:function:doesnotexist"));
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(error_type_header(response), "ResourceNotFoundException");
    EXPECT_EQ(response.body,
              R"({"Type":"User","Message":"Function not found: )"
              R"(arn:aws:lambda:us-east-1:111111111111:function:doesnotexist"})");
}

TEST(RenderError, ThrottleCarriesReason) {
    // AWS recording (facts §3.6).
    const Response response = render_error(
        errors::too_many_requests("ReservedFunctionConcurrentInvocationLimitExceeded"));
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(response.body,
              R"({"Type":"User","message":"Rate Exceeded.",)"
              R"("Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"})");
}

TEST(RenderError, WithoutTypeDropsTheTypeMember) {
    // AWS: some IPVE texts come without Type (facts §3.6).
    model::AwsError error = errors::invalid_parameter("x");
    error.without_type();
    EXPECT_EQ(render_error(error).body, R"({"message":"x"})");
}

TEST(RenderError, ValidationHasNoType) {
    const Response response = render_error(errors::validation({{"v", "member", "constraint"}}));
    EXPECT_EQ(response.body,
              R"({"message":"1 validation error detected: Value 'v' at 'member' failed to )"
              R"(satisfy constraint: constraint"})");
}

TEST(RenderError, UnknownCodeGetsLowerCaseMessageAndTypeByStatus) {
    EXPECT_EQ(render_error({400, "SomethingNewException", "m"}).body,
              R"({"Type":"User","message":"m"})");
    EXPECT_EQ(render_error({503, "SomethingNewException", "m"}).body,
              R"({"Type":"Service","message":"m"})");
}

TEST(RenderError, MessageThatIsNotUtf8IsReplacedNotThrown) {
    const Response response = render_error(errors::function_not_found("bad\xff"));
    EXPECT_EQ(response.status, 404);
    EXPECT_NE(response.body.find("bad\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace lambdahost::api
