// SPDX-License-Identifier: Apache-2.0
// The delivery requests in SQS's JSON protocol, SNS's query protocol and EventBridge's
// PutEvents, and which answers count as delivered.
#include "async/wire.hpp"

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lambdahost::async {
namespace {

Delivery dead_letter() {
    Delivery delivery;
    delivery.id = "d1";
    delivery.origin = "DeadLetterConfig";
    delivery.body = R"({"a":"b c"})";
    delivery.attributes = {{"ErrorCode", {"Number", "200"}}, {"RequestID", {"String", "r-1"}}};
    delivery.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST";
    delivery.request_id = "r-1";
    return delivery;
}

bool has_header(const HttpCall& call, const std::string& header) {
    return std::find(call.headers.begin(), call.headers.end(), header) != call.headers.end();
}

TEST(Wire, SqsSendMessageInTheJsonProtocol) {
    Delivery delivery = dead_letter();
    delivery.target_arn = "arn:aws:sqs:eu-west-1:123456789012:dlq";
    const HttpCall call =
        build_call(delivery, *parse_target_arn(delivery.target_arn), "http://localhost:4566");
    EXPECT_EQ(call.url, "http://localhost:4566");
    EXPECT_EQ(call.service, "sqs");
    EXPECT_EQ(call.region, "eu-west-1");
    EXPECT_TRUE(has_header(call, "X-Amz-Target: AmazonSQS.SendMessage"));
    EXPECT_TRUE(has_header(call, "Content-Type: application/x-amz-json-1.0"));
    const auto body = nlohmann::json::parse(call.body);
    EXPECT_EQ(body["QueueUrl"], "http://localhost:4566/123456789012/dlq");
    EXPECT_EQ(body["MessageBody"], delivery.body);
    EXPECT_EQ(body["MessageAttributes"]["ErrorCode"],
              (nlohmann::json{{"DataType", "Number"}, {"StringValue", "200"}}));
    EXPECT_EQ(body["MessageAttributes"]["RequestID"]["StringValue"], "r-1");
}

TEST(Wire, SqsWithoutAttributesSendsNone) {
    Delivery delivery = dead_letter();
    delivery.attributes.clear();
    delivery.target_arn = "arn:aws:sqs:us-east-1:000000000000:q";
    const auto body = nlohmann::json::parse(
        build_call(delivery, *parse_target_arn(delivery.target_arn), "http://x").body);
    EXPECT_FALSE(body.contains("MessageAttributes"));
}

TEST(Wire, SnsPublishInTheQueryProtocol) {
    Delivery delivery = dead_letter();
    delivery.target_arn = "arn:aws:sns:us-east-1:000000000000:topic";
    const HttpCall call =
        build_call(delivery, *parse_target_arn(delivery.target_arn), "http://localhost:4566");
    EXPECT_EQ(call.service, "sns");
    EXPECT_TRUE(has_header(call, "Content-Type: application/x-www-form-urlencoded; charset=utf-8"));
    EXPECT_EQ(call.body,
              "Action=Publish&Version=2010-03-31"
              "&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Atopic"
              "&Message=%7B%22a%22%3A%22b%20c%22%7D"
              "&MessageAttributes.entry.1.Name=ErrorCode"
              "&MessageAttributes.entry.1.Value.DataType=Number"
              "&MessageAttributes.entry.1.Value.StringValue=200"
              "&MessageAttributes.entry.2.Name=RequestID"
              "&MessageAttributes.entry.2.Value.DataType=String"
              "&MessageAttributes.entry.2.Value.StringValue=r-1");
}

TEST(Wire, EventBridgePutEventsCarriesTheRecordAsDetail) {
    Delivery delivery = dead_letter();
    delivery.origin = "OnSuccess";
    delivery.attributes.clear();
    delivery.target_arn = "arn:aws:events:us-east-1:000000000000:event-bus/default";
    const HttpCall call =
        build_call(delivery, *parse_target_arn(delivery.target_arn), "http://localhost:4566");
    EXPECT_EQ(call.service, "events");
    EXPECT_TRUE(has_header(call, "X-Amz-Target: AWSEvents.PutEvents"));
    const auto entry = nlohmann::json::parse(call.body)["Entries"][0];
    EXPECT_EQ(entry["Source"], "lambda");
    EXPECT_EQ(entry["DetailType"], "Lambda Function Invocation Result - Success");
    EXPECT_EQ(entry["Detail"], delivery.body);
    EXPECT_EQ(entry["Resources"], (nlohmann::json{delivery.target_arn, delivery.function_arn}));
    EXPECT_EQ(entry["EventBusName"], delivery.target_arn);
}

TEST(Wire, AcceptedNeedsTwoHundredsAndNoFailedEntries) {
    EXPECT_TRUE(accepted("sqs", 200, "{}"));
    EXPECT_FALSE(accepted("sqs", 400, "{}"));
    EXPECT_FALSE(accepted("sns", 503, ""));
    EXPECT_TRUE(accepted("events", 200, R"({"FailedEntryCount":0,"Entries":[]})"));
    EXPECT_FALSE(accepted("events", 200, R"({"FailedEntryCount":1,"Entries":[]})"));
    EXPECT_FALSE(accepted("events", 200, "not json"));
}

TEST(Wire, FormEscapeKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(form_escape("aZ09-_.~"), "aZ09-_.~");
    EXPECT_EQ(form_escape("a b+c/é"), "a%20b%2Bc%2F%C3%A9");
}

}  // namespace
}  // namespace lambdahost::async
