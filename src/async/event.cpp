// SPDX-License-Identifier: Apache-2.0
// Persistence JSON of the async records (see event.hpp). Internal snake_case documents, versioned
// by the store, never shown to clients.
#include "async/event.hpp"

#include <chrono>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace lambdahost::async {
namespace {

using Json = nlohmann::json;

/// Function responses need not be UTF-8: invalid bytes are replaced rather than thrown on.
std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

template <typename T>
void put_if(Json& json, const char* key, const std::optional<T>& value) {
    if (value) {
        json[key] = *value;
    }
}

template <typename T>
std::optional<T> get_optional(const Json& json, const char* key) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
        return std::nullopt;
    }
    return it->get<T>();
}

Json event_json(const Event& event) {
    Json json = {{"id", event.id},
                 {"account", event.scope.account},
                 {"region", event.scope.region},
                 {"function_name", event.function_name},
                 {"invoked_arn", event.invoked_arn},
                 {"payload", event.payload},
                 {"trace_id", event.trace_id},
                 {"enqueued_at", event.enqueued_at},
                 {"due_at", event.due_at},
                 {"attempts", event.attempts},
                 {"system_failures", event.system_failures}};
    put_if(json, "qualifier", event.qualifier);
    put_if(json, "client_context", event.client_context);
    if (event.last_result) {
        const AttemptResult& last = *event.last_result;
        json["last_result"] = {{"status_code", last.status_code},
                               {"executed_version", last.executed_version},
                               {"payload", last.payload}};
        put_if(json["last_result"], "function_error", last.function_error);
    }
    return json;
}

Event event_from_json(const Json& json) {
    Event event;
    event.id = json.at("id").get<std::string>();
    event.scope.account = json.at("account").get<std::string>();
    event.scope.region = json.at("region").get<std::string>();
    event.function_name = json.at("function_name").get<std::string>();
    event.qualifier = get_optional<std::string>(json, "qualifier");
    event.invoked_arn = json.at("invoked_arn").get<std::string>();
    event.payload = json.at("payload").get<std::string>();
    event.client_context = get_optional<std::string>(json, "client_context");
    event.trace_id = json.at("trace_id").get<std::string>();
    event.enqueued_at = json.at("enqueued_at").get<EpochMs>();
    event.due_at = json.at("due_at").get<EpochMs>();
    event.attempts = json.at("attempts").get<int>();
    event.system_failures = json.at("system_failures").get<int>();
    if (const auto it = json.find("last_result"); it != json.end()) {
        event.last_result = AttemptResult{it->at("status_code").get<int>(),
                                          get_optional<std::string>(*it, "function_error"),
                                          it->at("executed_version").get<std::string>(),
                                          it->at("payload").get<std::string>()};
    }
    return event;
}

Json delivery_json(const Delivery& delivery) {
    Json attributes = Json::object();
    for (const auto& [name, value] : delivery.attributes) {
        attributes[name] = {{"data_type", value.first}, {"value", value.second}};
    }
    return {{"id", delivery.id},
            {"target_arn", delivery.target_arn},
            {"origin", delivery.origin},
            {"body", delivery.body},
            {"attributes", std::move(attributes)},
            {"function_arn", delivery.function_arn},
            {"request_id", delivery.request_id}};
}

Delivery delivery_from_json(const Json& json) {
    Delivery delivery;
    delivery.id = json.at("id").get<std::string>();
    delivery.target_arn = json.at("target_arn").get<std::string>();
    delivery.origin = json.at("origin").get<std::string>();
    delivery.body = json.at("body").get<std::string>();
    for (const auto& [name, value] : json.at("attributes").items()) {
        delivery.attributes.emplace(name,
                                    std::pair{value.at("data_type").get<std::string>(),
                                              value.at("value").get<std::string>()});
    }
    delivery.function_arn = json.at("function_arn").get<std::string>();
    delivery.request_id = json.at("request_id").get<std::string>();
    return delivery;
}

/// Parses `document` with `read`, naming the record kind in the error.
template <typename Read>
auto read_document(std::string_view document, std::string_view kind, Read read) {
    try {
        return read(Json::parse(document));
    } catch (const std::exception& error) {  // nlohmann's parse and type errors
        throw std::runtime_error(fmt::format("unreadable {} document: {}", kind, error.what()));
    }
}

}  // namespace

EpochMs now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const std::string& DeadLetter::target() const {
    return delivery ? delivery->target_arn : event.value().invoked_arn;
}

std::string to_document(const Event& event) {
    return dump(event_json(event));
}

std::string to_document(const Delivery& delivery) {
    return dump(delivery_json(delivery));
}

std::string to_document(const DeadLetter& dead_letter) {
    Json json = {
        {"id", dead_letter.id}, {"failed_at", dead_letter.failed_at}, {"error", dead_letter.error}};
    if (dead_letter.delivery) {
        json["delivery"] = delivery_json(*dead_letter.delivery);
    }
    if (dead_letter.event) {
        json["event"] = event_json(*dead_letter.event);
    }
    return dump(json);
}

nlohmann::ordered_json describe(const DeadLetter& dead_letter, bool with_message) {
    nlohmann::ordered_json json;
    json["Id"] = dead_letter.id;
    json["FailedAt"] =
        util::format_iso8601_z(util::SystemTime(std::chrono::milliseconds(dead_letter.failed_at)));
    json["Target"] = dead_letter.target();
    if (dead_letter.delivery) {
        const Delivery& delivery = *dead_letter.delivery;
        json["Origin"] = delivery.origin;
        json["RequestId"] = delivery.request_id;
        json["FunctionArn"] = delivery.function_arn;
    } else {
        json["Origin"] = "Event";
        json["RequestId"] = dead_letter.event->id;
        json["FunctionArn"] = dead_letter.event->invoked_arn;
    }
    json["Error"] = dead_letter.error;
    if (with_message) {
        if (dead_letter.delivery) {
            json["Body"] = dead_letter.delivery->body;
            nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
            for (const auto& [name, value] : dead_letter.delivery->attributes) {
                attributes[name] = {{"DataType", value.first}, {"StringValue", value.second}};
            }
            json["Attributes"] = std::move(attributes);
        } else {
            json["Body"] = dead_letter.event->payload;
        }
    }
    return json;
}

Event event_from_document(std::string_view document) {
    return read_document(document, kEventKind, event_from_json);
}

Delivery delivery_from_document(std::string_view document) {
    return read_document(document, kDeliveryKind, delivery_from_json);
}

DeadLetter dead_letter_from_document(std::string_view document) {
    return read_document(document, kDeadLetterKind, [](const Json& json) {
        DeadLetter dead_letter;
        dead_letter.id = json.at("id").get<std::string>();
        dead_letter.failed_at = json.at("failed_at").get<EpochMs>();
        dead_letter.error = json.at("error").get<std::string>();
        if (const auto it = json.find("delivery"); it != json.end()) {
            dead_letter.delivery = delivery_from_json(*it);
        }
        if (const auto it = json.find("event"); it != json.end()) {
            dead_letter.event = event_from_json(*it);
        }
        if (dead_letter.delivery.has_value() == dead_letter.event.has_value()) {
            throw std::runtime_error("a dead letter holds exactly one delivery or event");
        }
        return dead_letter;
    });
}

}  // namespace lambdahost::async
