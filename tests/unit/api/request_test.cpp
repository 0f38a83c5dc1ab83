// SPDX-License-Identifier: Apache-2.0
// api::Request accessors and the caller's scope from the SigV4 Authorization header.
#include "api/request.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace lambdahost::api {
namespace {

constexpr std::string_view kSigned =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/eu-west-2/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abcdef";

TEST(ScopeFromAuthorization, RegionFromCredentialScope) {
    const model::Scope scope = scope_from_authorization(kSigned);
    EXPECT_EQ(scope.region, "eu-west-2");
    EXPECT_EQ(scope.account, "000000000000");
}

TEST(ScopeFromAuthorization, TwelveDigitAccessKeyIsTheAccount) {
    const model::Scope scope = scope_from_authorization(
        "AWS4-HMAC-SHA256 Credential=123456789012/20250101/us-west-2/lambda/aws4_request, "
        "SignedHeaders=host, Signature=x");
    EXPECT_EQ(scope.account, "123456789012");
    EXPECT_EQ(scope.region, "us-west-2");
}

TEST(ScopeFromAuthorization, AccessKeyOfOtherLengthOrLettersIsDefaultAccount) {
    EXPECT_EQ(
        scope_from_authorization("Credential=12345678901/d/us-west-2/lambda/aws4_request").account,
        "000000000000");
    EXPECT_EQ(scope_from_authorization("Credential=1234567890123/d/us-west-2/lambda/aws4_request")
                  .account,
              "000000000000");
    EXPECT_EQ(
        scope_from_authorization("Credential=12345678901a/d/us-west-2/lambda/aws4_request").account,
        "000000000000");
}

TEST(ScopeFromAuthorization, CredentialAtEndWithoutComma) {
    EXPECT_EQ(
        scope_from_authorization("AWS4-HMAC-SHA256 Credential=k/d/ap-south-1/lambda/aws4_request")
            .region,
        "ap-south-1");
}

TEST(ScopeFromAuthorization, MissingHeaderGivesDefaults) {
    const model::Scope scope = scope_from_authorization("");
    EXPECT_EQ(scope, model::Scope{});
    EXPECT_EQ(scope.region, "us-east-1");
    EXPECT_EQ(scope.account, "000000000000");
}

TEST(ScopeFromAuthorization, MalformedCredentialGivesDefaults) {
    for (std::string_view header : {
             "Credential=",
             "Credential=123456789012",
             "Credential=123456789012/20250101/us-west-2",
             "Credential=123456789012/20250101/us-west-2/lambda",
             "Credential=123456789012/20250101/us-west-2/lambda/aws4_request/extra",
             "Credential=123456789012/20250101/us-west-2/lambda/other",
             "Credential=123456789012/20250101//lambda/aws4_request",
             "Credential=123456789012/20250101/US:EAST/lambda/aws4_request",
             "Basic dXNlcjpwYXNz",
             "AWS4-HMAC-SHA256 Credential",
         }) {
        EXPECT_EQ(scope_from_authorization(header), model::Scope{}) << header;
    }
}

TEST(HeaderNameLess, IgnoresCase) {
    Request request;
    request.headers.emplace("X-Amz-Invocation-Type", "Event");
    EXPECT_EQ(request.header("x-amz-invocation-type"), "Event");
    EXPECT_EQ(request.header("X-AMZ-INVOCATION-TYPE"), "Event");
    EXPECT_EQ(request.header("X-Amz-Log-Type"), std::nullopt);
    EXPECT_FALSE(HeaderNameLess{}("abc", "ABC"));
    EXPECT_FALSE(HeaderNameLess{}("ABC", "abc"));
    EXPECT_TRUE(HeaderNameLess{}("abc", "ABCD"));
}

TEST(Request, QueryParamIsFirstValue) {
    Request request;
    request.query.emplace("tagKeys", "a");
    request.query.emplace("tagKeys", "b");
    request.query.emplace("Qualifier", "");
    EXPECT_EQ(request.query_param("tagKeys"), "a");
    EXPECT_EQ(request.query_param("Qualifier"), "");
    EXPECT_EQ(request.query_param("Marker"), std::nullopt);
}

TEST(Request, PathParamOfTheRoute) {
    Request request;
    request.path_params["FunctionName"] = "f";
    EXPECT_EQ(request.path_param("FunctionName"), "f");
    EXPECT_THROW(request.path_param("Name"), std::logic_error);
}

}  // namespace
}  // namespace lambdahost::api
