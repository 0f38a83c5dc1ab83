// SPDX-License-Identifier: Apache-2.0
// Destination records and dead-letter messages (see record.hpp).
#include "async/record.hpp"

#include <nlohmann/json.hpp>

#include "util/ids.hpp"
#include "util/time.hpp"

namespace lambdahost::async {
namespace {

using Wire = nlohmann::ordered_json;

/// A payload as JSON when it is JSON (it usually is), else as a string.
Wire json_or_string(const std::string& text) {
    Wire value = Wire::parse(text, nullptr, false);
    return value.is_discarded() ? Wire(text) : value;
}

/// The runtime's errorMessage of an error payload, or the whole payload.
std::string error_message(const AttemptResult& result) {
    const auto json = nlohmann::json::parse(result.payload, nullptr, false);
    if (json.is_object()) {
        const auto it = json.find("errorMessage");
        if (it != json.end() && it->is_string()) {
            return it->get<std::string>();
        }
    }
    return result.payload;
}

}  // namespace

const AttemptResult* function_response(const std::optional<AttemptResult>& result) {
    return result && result->status_code == 200 ? &*result : nullptr;
}

std::string destination_record(const Event& event,
                               std::string_view function_arn,
                               Condition condition,
                               const std::optional<AttemptResult>& response,
                               EpochMs now) {
    // AWS: member order of the recorded record (facts §3.7).
    Wire record;
    record["version"] = "1.0";
    record["timestamp"] = util::format_iso8601_z(util::SystemTime(std::chrono::milliseconds(now)));
    record["requestContext"] = Wire{{"requestId", event.id},
                                    {"functionArn", function_arn},
                                    {"condition", condition_name(condition)},
                                    {"approximateInvokeCount", event.attempts}};
    record["requestPayload"] = json_or_string(event.payload);
    if (const AttemptResult* ran = function_response(response)) {
        Wire context{{"statusCode", ran->status_code}, {"executedVersion", ran->executed_version}};
        if (ran->function_error) {
            context["functionError"] = *ran->function_error;
        }
        record["responseContext"] = std::move(context);
        record["responsePayload"] = json_or_string(ran->payload);
    }
    return record.dump(-1, ' ', false, Wire::error_handler_t::replace);
}

Delivery dead_letter_message(const Event& event,
                             std::string_view target_arn,
                             std::string_view function_arn) {
    // AWS: the original event with RequestID / ErrorCode / ErrorMessage (facts §3.7).
    Delivery message;
    message.id = util::uuid4();
    message.target_arn = std::string(target_arn);
    message.origin = "DeadLetterConfig";
    message.body = event.payload;
    message.function_arn = std::string(function_arn);
    message.request_id = event.id;
    message.attributes.emplace("RequestID", std::pair{std::string("String"), event.id});
    if (event.last_result) {
        message.attributes.emplace(
            "ErrorCode",
            std::pair{std::string("Number"), std::to_string(event.last_result->status_code)});
        message.attributes.emplace(
            "ErrorMessage", std::pair{std::string("String"), error_message(*event.last_result)});
    }
    return message;
}

std::string_view detail_type(std::string_view origin) {
    return origin == "OnSuccess" ? "Lambda Function Invocation Result - Success"
                                 : "Lambda Function Invocation Result - Failure";
}

}  // namespace lambdahost::async
