// SPDX-License-Identifier: Apache-2.0
// Destination records and dead-letter messages (facts §3.7): member order and presence, the
// requestContext, payloads embedded as JSON, and the DLQ attributes.
#include "async/record.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lambdahost::async {
namespace {

constexpr EpochMs kNow = 1'764'025'868'123;  // 2025-11-24T23:11:08.123Z
constexpr const char* kArn = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST";

Event failed_event() {
    Event event;
    event.id = "11111111-2222-4333-8444-555555555555";
    event.payload = R"({"message":"x"})";
    event.attempts = 3;
    event.last_result =
        AttemptResult{200,
                      "Unhandled",
                      "$LATEST",
                      R"({"errorMessage":"intentional failure","errorType":"Exception"})"};
    return event;
}

TEST(Record, FailureRecordHasAwsShapeAndOrder) {
    const Event event = failed_event();
    const std::string record =
        destination_record(event, kArn, Condition::RetriesExhausted, event.last_result, kNow);
    EXPECT_EQ(record,
              R"({"version":"1.0","timestamp":"2025-11-24T23:11:08.123Z",)"
              R"("requestContext":{"requestId":"11111111-2222-4333-8444-555555555555",)"
              R"("functionArn":"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",)"
              R"("condition":"RetriesExhausted","approximateInvokeCount":3},)"
              R"("requestPayload":{"message":"x"},)"
              R"("responseContext":{"statusCode":200,"executedVersion":"$LATEST",)"
              R"("functionError":"Unhandled"},)"
              R"("responsePayload":{"errorMessage":"intentional failure",)"
              R"("errorType":"Exception"}})");
}

TEST(Record, SuccessRecordHasNoFunctionError) {
    Event event = failed_event();
    event.attempts = 1;
    const AttemptResult success{200, std::nullopt, "$LATEST", "null"};
    const auto record =
        nlohmann::json::parse(destination_record(event, kArn, Condition::Success, success, kNow));
    EXPECT_EQ(record["requestContext"]["condition"], "Success");
    EXPECT_EQ(record["responseContext"],
              (nlohmann::json{{"statusCode", 200}, {"executedVersion", "$LATEST"}}));
    EXPECT_TRUE(record["responsePayload"].is_null());
}

TEST(Record, WithoutAFunctionResponseTheResponseMembersAreLeftOut) {
    // AWS: ZeroReservedConcurrency, invokeCount 0, no responseContext/responsePayload (§3.6).
    Event event = failed_event();
    event.attempts = 0;
    event.last_result.reset();
    const auto record = nlohmann::json::parse(
        destination_record(event, kArn, Condition::ZeroReservedConcurrency, std::nullopt, kNow));
    EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 0);
    EXPECT_FALSE(record.contains("responseContext"));
    EXPECT_FALSE(record.contains("responsePayload"));
    // A throttle's answer is not a function response either.
    const AttemptResult throttle{429, std::nullopt, "", "Rate Exceeded."};
    EXPECT_EQ(function_response(throttle), nullptr);
    const auto aged = nlohmann::json::parse(
        destination_record(event, kArn, Condition::EventAgeExceeded, throttle, kNow));
    EXPECT_FALSE(aged.contains("responseContext"));
}

TEST(Record, PayloadsThatAreNotJsonAreEmbeddedAsStrings) {
    Event event = failed_event();
    event.last_result->payload = "not json";
    const auto record = nlohmann::json::parse(
        destination_record(event, kArn, Condition::RetriesExhausted, event.last_result, kNow));
    EXPECT_EQ(record["responsePayload"], "not json");
}

TEST(Record, DeadLetterMessageIsTheOriginalEventWithAttributes) {
    const Event event = failed_event();
    const Delivery message =
        dead_letter_message(event, "arn:aws:sqs:us-east-1:000000000000:dlq", kArn);
    EXPECT_EQ(message.body, event.payload);
    EXPECT_EQ(message.origin, "DeadLetterConfig");
    EXPECT_EQ(message.request_id, event.id);
    using Attribute = std::pair<std::string, std::string>;
    EXPECT_EQ(message.attributes.at("RequestID"), (Attribute{"String", event.id}));
    EXPECT_EQ(message.attributes.at("ErrorCode"), (Attribute{"Number", "200"}));
    EXPECT_EQ(message.attributes.at("ErrorMessage"), (Attribute{"String", "intentional failure"}));
}

TEST(Record, EventBridgeDetailTypeFollowsTheOutcome) {
    EXPECT_EQ(detail_type("OnSuccess"), "Lambda Function Invocation Result - Success");
    EXPECT_EQ(detail_type("OnFailure"), "Lambda Function Invocation Result - Failure");
}

}  // namespace
}  // namespace lambdahost::async
