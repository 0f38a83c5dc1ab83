// SPDX-License-Identifier: Apache-2.0
// TagResource / UntagResource / ListTags through api::dispatch (facts §2.5, §3.9).
#include "api/tags.hpp"

#include <string>

#include <gtest/gtest.h>

#include "api/api_fixture.hpp"

namespace lambdahost::api {
namespace {

constexpr const char* kArn = "arn:aws:lambda:us-east-1:000000000000:function:f";

class Tags : public test::ApiTest {
protected:
    test::Reply tag(const nlohmann::json& tags, const std::string& arn = kArn) {
        return call("TagResource",
                    {.path = {{"ARN", arn}}, .body = nlohmann::json{{"Tags", tags}}.dump()});
    }
    test::Reply tags(const std::string& arn = kArn) {
        return call("ListTags", {.path = {{"ARN", arn}}});
    }
};

/// With an Active function "f".
class TagsOfF : public Tags {
protected:
    TagsOfF() { create_active("f"); }
};

TEST_F(TagsOfF, ListTagsOfUntaggedFunctionIsEmptyObject) {
    const test::Reply reply = tags();
    ASSERT_EQ(reply.status, 200) << reply.raw;
    EXPECT_EQ(reply.raw, R"({"Tags":{}})");
}

TEST_F(TagsOfF, TagMergesAndAnswers204) {
    test::Reply reply = tag({{"a", "1"}, {"b", "2"}});
    EXPECT_EQ(reply.status, 204);
    EXPECT_TRUE(reply.raw.empty());
    tag({{"b", "3"}, {"c", "4"}});
    EXPECT_EQ(tags().body.at("Tags"), nlohmann::json({{"a", "1"}, {"b", "3"}, {"c", "4"}}));
}

TEST_F(TagsOfF, TaggingKeepsTheRevisionId) {
    const std::string before = get_configuration("f").body.at("RevisionId");
    tag({{"a", "1"}});
    EXPECT_EQ(get_configuration("f").body.at("RevisionId"), before);
}

TEST_F(TagsOfF, UntagRemovesAndIgnoresUnknownKeys) {
    tag({{"a", "1"}, {"b", "2"}});
    const test::Reply reply =
        call("UntagResource",
             {.path = {{"ARN", kArn}}, .query = {{"tagKeys", "a"}, {"tagKeys", "nope"}}});
    EXPECT_EQ(reply.status, 204);
    EXPECT_EQ(tags().body.at("Tags"), nlohmann::json({{"b", "2"}}));
}

TEST_F(TagsOfF, UntagWithoutKeysIsValidationError) {
    const test::Reply reply = call("UntagResource", {.path = {{"ARN", kArn}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "ValidationException");
}

TEST_F(TagsOfF, QualifiedArnIsRefused) {
    const test::Reply reply = tag({{"a", "1"}}, std::string(kArn) + ":1");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body,
              nlohmann::json({{"Type", "User"},
                              {"message",
                               "Tags on function aliases and versions are not supported. Please "
                               "specify a function ARN."}}));
}

TEST_F(TagsOfF, MoreThanFiftyTagsIsRefusedAndChangesNothing) {
    nlohmann::json many = nlohmann::json::object();
    for (int i = 0; i < 50; ++i) {
        many["k" + std::to_string(i)] = "v";
    }
    EXPECT_EQ(tag(many).status, 204);
    const test::Reply reply = tag({{"one-more", "v"}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "Number of tags exceeds resource tag limit.");
    EXPECT_EQ(tags().body.at("Tags").size(), 50u);
}

TEST_F(TagsOfF, BodyWithoutTagsIsValidationError) {
    const test::Reply reply = call("TagResource", {.path = {{"ARN", kArn}}, .body = "{}"});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "1 validation error detected: Value null at 'tags' failed to satisfy constraint: "
              "Member must not be null");
}

TEST_F(TagsOfF, FunctionOfAnotherAccountIsNotFound) {
    const std::string other = "arn:aws:lambda:us-east-1:123456789012:function:f";
    const test::Reply reply = tags(other);
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.message(), "Function not found: " + other);
}

TEST_F(Tags, UnknownFunctionIsNotFound) {
    for (const char* op : {"ListTags", "TagResource", "UntagResource"}) {
        const test::Reply reply = call(op,
                                       {.path = {{"ARN", kArn}},
                                        .query = {{"tagKeys", "a"}},
                                        .body = R"({"Tags":{"a":"1"}})"});
        EXPECT_EQ(reply.status, 404) << op;
        EXPECT_EQ(reply.message(), std::string("Function not found: ") + kArn) << op;
    }
}

TEST_F(Tags, NotAnArnIsValidationError) {
    const test::Reply reply = tags("f");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.header("X-Amzn-ErrorType"), "ValidationException");
}

}  // namespace
}  // namespace lambdahost::api
