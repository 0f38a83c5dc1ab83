// SPDX-License-Identifier: Apache-2.0
// The durable records of asynchronous invocation, as plain data with their persistence JSON:
// an Event waiting in the queue (with its attempt count, due time and request id, so it
// survives restarts), a Delivery of a destination record or dead-letter message to an
// SQS/SNS/EventBridge target, and a DeadLetter: a delivery (or event) that could not be made,
// kept in the built-in dead-letter store until it is redriven or purged. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/function.hpp"

namespace lambdahost::async {

/// Milliseconds since the Unix epoch: due times and ages survive restarts, so they are wall-clock
/// times, not steady_clock ones.
using EpochMs = std::int64_t;
EpochMs now_ms();

/// What an attempt that did not succeed left behind, for the responseContext and
/// responsePayload of a failure record (facts §3.7) and the DLQ's ErrorCode/ErrorMessage.
struct AttemptResult {
    int status_code = 200;                      // 200 when the function ran
    std::optional<std::string> function_error;  // "Unhandled" for a function error
    std::string executed_version;
    std::string payload;  // the function's response or error JSON, or an AwsError message
    bool operator==(const AttemptResult&) const = default;
};

/// One Event invocation in the queue. `id` is its request id, the same on every attempt.
struct Event {
    std::string id;
    model::Scope scope;
    std::string function_name;
    std::optional<std::string> qualifier;  // as addressed; nullopt: $LATEST
    std::string invoked_arn;               // as the caller wrote it (facts §3.10)
    std::string payload;                   // the event JSON
    std::optional<std::string> client_context;
    std::string trace_id;
    EpochMs enqueued_at = 0;
    EpochMs due_at = 0;
    int attempts = 0;         // times the function ran it (approximateInvokeCount)
    int system_failures = 0;  // consecutive throttles/system errors since the last run
    std::optional<AttemptResult> last_result;
    bool operator==(const Event&) const = default;
};

/// A message for one target outside lambdahost (an SQS queue, SNS topic or EventBridge bus).
struct Delivery {
    std::string id;
    std::string target_arn;
    /// Why it is sent: "OnSuccess", "OnFailure" (destination records), "DeadLetterConfig".
    std::string origin;
    std::string body;
    /// Message attributes: name -> (DataType, StringValue) (facts §3.7: the DLQ's RequestID,
    /// ErrorCode, ErrorMessage).
    std::map<std::string, std::pair<std::string, std::string>> attributes;
    std::string function_arn;  // the function the record is about (EventBridge resources)
    std::string request_id;
    bool operator==(const Delivery&) const = default;
};

/// An entry of the dead-letter store: a delivery that failed, or an event whose function no
/// longer exists. Exactly one of `delivery` and `event` is set.
struct DeadLetter {
    std::string id;
    EpochMs failed_at = 0;
    std::string error;
    std::optional<Delivery> delivery;
    std::optional<Event> event;
    bool operator==(const DeadLetter&) const = default;

    /// Where it was going: the delivery's target, or the event's function ARN.
    const std::string& target() const;
};

/// Record kinds in the async database.
inline constexpr std::string_view kEventKind = "event";
inline constexpr std::string_view kDeliveryKind = "delivery";
inline constexpr std::string_view kDeadLetterKind = "dead_letter";

std::string to_document(const Event& event);
std::string to_document(const Delivery& delivery);
std::string to_document(const DeadLetter& dead_letter);
/// Inverses of to_document. Throw std::runtime_error on a document they cannot read.
Event event_from_document(std::string_view document);
Delivery delivery_from_document(std::string_view document);
DeadLetter dead_letter_from_document(std::string_view document);

/// A dead letter as the admin route and `lambdahost dlq` show it: Id, FailedAt, Target, Origin,
/// RequestId, FunctionArn, Error, and with `with_message` also Body and Attributes.
nlohmann::ordered_json describe(const DeadLetter& dead_letter, bool with_message);

}  // namespace lambdahost::async
