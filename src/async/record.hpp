// SPDX-License-Identifier: Apache-2.0
// What an finished event sends on (facts §3.7): the destination record (version 1.0, with
// requestContext, requestPayload, responseContext and responsePayload) for OnSuccess/OnFailure
// destinations, and the dead-letter message of DeadLetterConfig (the original event as body,
// attributes RequestID, ErrorCode, ErrorMessage). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "async/event.hpp"
#include "async/retry.hpp"

namespace lambdahost::async {

/// The destination record of `event` ending with `condition`. `response` is the function's
/// last answer (the success, or the last failed attempt); without one (the function never ran:
/// ZeroReservedConcurrency, or only throttles before the age ran out) responseContext and
/// responsePayload are left out. `function_arn` is the qualified ARN the record names.
std::string destination_record(const Event& event,
                               std::string_view function_arn,
                               Condition condition,
                               const std::optional<AttemptResult>& response,
                               EpochMs now);

/// The function's own response, if `result` is one (an attempt that ran the function).
const AttemptResult* function_response(const std::optional<AttemptResult>& result);

/// The DeadLetterConfig message of a failed event for `target_arn`.
Delivery dead_letter_message(const Event& event,
                             std::string_view target_arn,
                             std::string_view function_arn);

/// EventBridge's detail-type of a destination record (facts §3.7).
std::string_view detail_type(std::string_view origin);

}  // namespace lambdahost::async
