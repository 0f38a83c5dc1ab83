// SPDX-License-Identifier: Apache-2.0
// Router, percent_decode and parse_query: every template shape of the Lambda REST surface
// (literal, parameters, query discriminators, trailing slashes), URL-encoded ARNs, method
// mismatch and malformed escapes.
#include "http/router.hpp"

#include <string>

#include <gtest/gtest.h>

namespace lambdahost::http {
namespace {

/// A router with the shapes of service-2.json that matter for matching.
Router<std::string> lambda_router() {
    Router<std::string> router;
    router.add("POST", "/2015-03-31/functions", "CreateFunction");
    router.add("GET", "/2015-03-31/functions/", "ListFunctions");
    router.add("GET", "/2015-03-31/functions/{FunctionName}", "GetFunction");
    router.add("DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction");
    router.add("GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetConfiguration");
    router.add("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "GetAlias");
    router.add("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "UpdateAlias");
    router.add("GET",
               "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL",
               "ListProvisionedConcurrencyConfigs");
    router.add("GET",
               "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
               "GetProvisionedConcurrencyConfig");
    router.add("PUT",
               "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
               "PutProvisionedConcurrencyConfig");
    router.add("GET", "/2018-10-31/layers", "ListLayers");
    router.add("GET", "/2018-10-31/layers?find=LayerVersion", "GetLayerVersionByArn");
    router.add("GET", "/2016-08-19/account-settings/", "GetAccountSettings");
    router.add("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "GetEIC");
    router.add("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", "ListEIC");
    router.add("GET", "/2017-03-31/tags/{ARN}", "ListTags");
    return router;
}

struct Routed {
    MatchStatus status;
    std::string name;
    PathParams params;
};

Routed route(std::string_view method, std::string_view target) {
    static const Router<std::string> router = lambda_router();
    const std::size_t question = target.find('?');
    const QueryParams query = question == std::string_view::npos
                                  ? QueryParams{}
                                  : parse_query(target.substr(question + 1));
    auto match = router.match(method, target.substr(0, question), query);
    return {match.status, match.value != nullptr ? *match.value : "", std::move(match.params)};
}

TEST(Router, MatchesLiteralTemplate) {
    const Routed r = route("POST", "/2015-03-31/functions");
    EXPECT_EQ(r.status, MatchStatus::Found);
    EXPECT_EQ(r.name, "CreateFunction");
    EXPECT_TRUE(r.params.empty());
}

TEST(Router, TemplateWithTrailingSlashMatchesPathWithout) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions").name, "ListFunctions");
    EXPECT_EQ(route("GET", "/2016-08-19/account-settings").name, "GetAccountSettings");
}

TEST(Router, PathWithTrailingSlashMatchesTemplateWithout) {
    EXPECT_EQ(route("POST", "/2015-03-31/functions/").name, "CreateFunction");
    EXPECT_EQ(route("GET", "/2015-03-31/functions/f/configuration/").name, "GetConfiguration");
    EXPECT_EQ(route("GET", "/2016-08-19/account-settings/").name, "GetAccountSettings");
}

TEST(Router, ExtractsOneParameter) {
    const Routed r = route("GET", "/2015-03-31/functions/my-function");
    EXPECT_EQ(r.name, "GetFunction");
    EXPECT_EQ(r.params, (PathParams{{"FunctionName", "my-function"}}));
}

TEST(Router, ExtractsTwoParameters) {
    const Routed r = route("PUT", "/2015-03-31/functions/f/aliases/live");
    EXPECT_EQ(r.name, "UpdateAlias");
    EXPECT_EQ(r.params, (PathParams{{"FunctionName", "f"}, {"Name", "live"}}));
}

TEST(Router, SameTemplateDifferentMethods) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions/f").name, "GetFunction");
    EXPECT_EQ(route("DELETE", "/2015-03-31/functions/f").name, "DeleteFunction");
}

TEST(Router, DecodesEncodedArnAfterSplitting) {
    const Routed r =
        route("GET",
              "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af");
    EXPECT_EQ(r.name, "GetFunction");
    EXPECT_EQ(r.params.at("FunctionName"), "arn:aws:lambda:us-east-1:123456789012:function:f");
}

TEST(Router, DecodesQualifiedArnAndPartialArn) {
    EXPECT_EQ(route("GET",
                    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
                    "%3Afunction%3Af%3A%24LATEST/configuration")
                  .params.at("FunctionName"),
              "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST");
    EXPECT_EQ(route("GET", "/2015-03-31/functions/123456789012%3Afunction%3Af%3Aprod")
                  .params.at("FunctionName"),
              "123456789012:function:f:prod");
}

TEST(Router, UnencodedColonsAreAccepted) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions/f:1").params.at("FunctionName"), "f:1");
}

TEST(Router, EncodedSlashStaysInsideItsSegment) {
    const Routed r = route("GET", "/2017-03-31/tags/arn%3Aa%2Fb");
    EXPECT_EQ(r.name, "ListTags");
    EXPECT_EQ(r.params.at("ARN"), "arn:a/b");
}

TEST(Router, PlusInPathIsLiteral) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions/a+b").params.at("FunctionName"), "a+b");
}

TEST(Router, DiscriminatorWinsWhenQueryCarriesIt) {
    EXPECT_EQ(route("GET", "/2019-09-30/functions/f/provisioned-concurrency?List=ALL").name,
              "ListProvisionedConcurrencyConfigs");
    EXPECT_EQ(route("GET", "/2018-10-31/layers?find=LayerVersion&Arn=x").name,
              "GetLayerVersionByArn");
}

TEST(Router, DiscriminatorRegisteredBeforePlainRouteStillRequiresQuery) {
    EXPECT_EQ(route("GET", "/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1").name,
              "GetProvisionedConcurrencyConfig");
}

TEST(Router, DiscriminatorWithOtherValueFallsBackToPlainRoute) {
    EXPECT_EQ(route("GET", "/2019-09-30/functions/f/provisioned-concurrency?List=SOME").name,
              "GetProvisionedConcurrencyConfig");
    EXPECT_EQ(route("GET", "/2018-10-31/layers?find=Other").name, "ListLayers");
    EXPECT_EQ(route("GET", "/2018-10-31/layers").name, "ListLayers");
}

TEST(Router, DiscriminatorAmongRepeatedQueryKeys) {
    EXPECT_EQ(route("GET", "/2018-10-31/layers?find=x&find=LayerVersion").name,
              "GetLayerVersionByArn");
}

TEST(Router, LongerTemplateWithLiteralTail) {
    EXPECT_EQ(route("GET", "/2019-09-25/functions/f/event-invoke-config").name, "GetEIC");
    EXPECT_EQ(route("GET", "/2019-09-25/functions/f/event-invoke-config/list").name, "ListEIC");
}

TEST(Router, KnownPathWithOtherMethodIsMethodNotAllowed) {
    const Routed r = route("PATCH", "/2015-03-31/functions/f");
    EXPECT_EQ(r.status, MatchStatus::MethodNotAllowed);
    EXPECT_TRUE(r.name.empty());
    EXPECT_EQ(route("HEAD", "/2015-03-31/functions").status, MatchStatus::MethodNotAllowed);
    EXPECT_EQ(route("post", "/2015-03-31/functions").status, MatchStatus::MethodNotAllowed);
}

TEST(Router, UnknownPathIsNotFound) {
    EXPECT_EQ(route("GET", "/2015-03-31/nothing").status, MatchStatus::NotFound);
    EXPECT_EQ(route("GET", "/2015-03-31/functions/f/unknown").status, MatchStatus::NotFound);
    EXPECT_EQ(route("GET", "/").status, MatchStatus::NotFound);
    EXPECT_EQ(route("GET", "").status, MatchStatus::NotFound);
    EXPECT_EQ(route("GET", "2015-03-31/functions").status, MatchStatus::NotFound);
    EXPECT_EQ(route("GET", "*").status, MatchStatus::NotFound);
}

TEST(Router, EmptyParameterDoesNotMatch) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions//configuration").status, MatchStatus::NotFound);
    EXPECT_EQ(route("PUT", "/2015-03-31/functions/f/aliases//").status, MatchStatus::NotFound);
}

TEST(Router, DoubleTrailingSlashIsNotTolerated) {
    EXPECT_EQ(route("GET", "/2015-03-31/functions//").status, MatchStatus::NotFound);
}

TEST(Router, EncodedLiteralSegmentMatches) {
    EXPECT_EQ(route("GET", "/2015-03-31/%66unctions/f").name, "GetFunction");
}

TEST(Router, EmptyRouterFindsNothing) {
    const Router<int> router;
    EXPECT_EQ(router.match("GET", "/x", {}).status, MatchStatus::NotFound);
}

TEST(Router, MoreLiteralSegmentsWin) {
    Router<int> router;
    router.add("GET", "/a/{B}", 1);
    router.add("GET", "/a/literal", 2);
    EXPECT_EQ(*router.match("GET", "/a/literal", {}).value, 2);
    EXPECT_EQ(*router.match("GET", "/a/other", {}).value, 1);
}

TEST(PercentDecode, DecodesEscapesOfBothCases) {
    EXPECT_EQ(percent_decode("a%3Ab%3ac%24"), "a:b:c$");
    EXPECT_EQ(percent_decode("%2F%25"), "/%");
}

TEST(PercentDecode, KeepsInvalidEscapesLiterally) {
    EXPECT_EQ(percent_decode("%zz"), "%zz");
    EXPECT_EQ(percent_decode("a%g1"), "a%g1");
    EXPECT_EQ(percent_decode("a%1g"), "a%1g");
}

TEST(PercentDecode, KeepsTruncatedEscapesLiterally) {
    EXPECT_EQ(percent_decode("%"), "%");
    EXPECT_EQ(percent_decode("abc%4"), "abc%4");
    EXPECT_EQ(percent_decode("abc%"), "abc%");
}

TEST(PercentDecode, DecodesNulAndHighBytes) {
    EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
    EXPECT_EQ(percent_decode("%C3%A9"), "\xC3\xA9");
}

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
    EXPECT_EQ(percent_decode("a+b"), "a+b");
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(ParseQuery, DecodesNamesAndValues) {
    const QueryParams q = parse_query("Qualifier=%24LATEST&Marker=a+b&x%20y=1");
    EXPECT_EQ(q, (QueryParams{{"Qualifier", "$LATEST"}, {"Marker", "a b"}, {"x y", "1"}}));
}

TEST(ParseQuery, KeepsRepeatedKeysInOrder) {
    const QueryParams q = parse_query("tagKeys=a&tagKeys=b&tagKeys=c");
    ASSERT_EQ(q.count("tagKeys"), 3U);
    auto [first, last] = q.equal_range("tagKeys");
    std::vector<std::string> values;
    for (auto it = first; it != last; ++it) {
        values.push_back(it->second);
    }
    EXPECT_EQ(values, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ParseQuery, NameWithoutValueAndEmptyPieces) {
    EXPECT_EQ(parse_query("flag&&a=&=v&"), (QueryParams{{"flag", ""}, {"a", ""}, {"", "v"}}));
    EXPECT_TRUE(parse_query("").empty());
}

TEST(ParseQuery, ValueMayContainEquals) {
    EXPECT_EQ(parse_query("a=b=c"), (QueryParams{{"a", "b=c"}}));
}

}  // namespace
}  // namespace lambdahost::http
