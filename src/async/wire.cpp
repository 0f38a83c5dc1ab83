// SPDX-License-Identifier: Apache-2.0
// Delivery requests (see wire.hpp).
#include "async/wire.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "async/record.hpp"

namespace lambdahost::async {
namespace {

using Wire = nlohmann::ordered_json;

std::string dump(const Wire& json) {
    return json.dump(-1, ' ', false, Wire::error_handler_t::replace);
}

HttpCall sqs_call(const Delivery& delivery, const TargetArn& arn, std::string_view endpoint) {
    Wire body{{"QueueUrl", queue_url(endpoint, arn)}, {"MessageBody", delivery.body}};
    if (!delivery.attributes.empty()) {
        Wire attributes = Wire::object();
        for (const auto& [name, value] : delivery.attributes) {
            attributes[name] = Wire{{"DataType", value.first}, {"StringValue", value.second}};
        }
        body["MessageAttributes"] = std::move(attributes);
    }
    return {std::string(endpoint),
            "sqs",
            arn.region,
            {"Content-Type: application/x-amz-json-1.0",
             "X-Amz-Target: AmazonSQS.SendMessage",
             // Current SDKs announce the query-compatible JSON mode of SQS with this header.
             "x-amzn-query-mode: true"},
            dump(body)};
}

HttpCall sns_call(const Delivery& delivery, const TargetArn& arn, std::string_view endpoint) {
    const auto escape = form_escape;
    std::string body = fmt::format("Action=Publish&Version=2010-03-31&TopicArn={}&Message={}",
                                   escape(delivery.target_arn),
                                   escape(delivery.body));
    int index = 1;
    for (const auto& [name, value] : delivery.attributes) {
        const std::string prefix = fmt::format("&MessageAttributes.entry.{}.", index++);
        body += fmt::format("{}Name={}{}Value.DataType={}{}Value.StringValue={}",
                            prefix,
                            escape(name),
                            prefix,
                            escape(value.first),
                            prefix,
                            escape(value.second));
    }
    return {std::string(endpoint),
            "sns",
            arn.region,
            {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"},
            std::move(body)};
}

HttpCall events_call(const Delivery& delivery, const TargetArn& arn, std::string_view endpoint) {
    // AWS: source "lambda", detail-type by outcome, resources [bus, function] (facts §3.7).
    const Wire entry{{"Source", "lambda"},
                     {"DetailType", detail_type(delivery.origin)},
                     {"Detail", delivery.body},
                     {"Resources", Wire::array({delivery.target_arn, delivery.function_arn})},
                     {"EventBusName", delivery.target_arn}};
    return {std::string(endpoint),
            "events",
            arn.region,
            {"Content-Type: application/x-amz-json-1.1", "X-Amz-Target: AWSEvents.PutEvents"},
            dump(Wire{{"Entries", Wire::array({entry})}})};
}

}  // namespace

HttpCall build_call(const Delivery& delivery, const TargetArn& arn, std::string_view endpoint) {
    HttpCall call;
    if (arn.service == "sqs") {
        call = sqs_call(delivery, arn, endpoint);
    } else if (arn.service == "sns") {
        call = sns_call(delivery, arn, endpoint);
    } else {
        call = events_call(delivery, arn, endpoint);
    }
    if (call.region.empty()) {
        call.region = "us-east-1";
    }
    return call;
}

bool accepted(std::string_view service, long status, std::string_view body) {
    if (status < 200 || status > 299) {
        return false;
    }
    if (service != "events") {
        return true;
    }
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object()) {
        return false;
    }
    const auto it = json.find("FailedEntryCount");
    return it == json.end() || (it->is_number_integer() && it->get<long>() == 0);
}

std::string form_escape(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
            (byte >= '0' && byte <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xF]);
        }
    }
    return out;
}

}  // namespace lambdahost::async
