// SPDX-License-Identifier: Apache-2.0
// RequestBody: see request_body.hpp.
#include "api/request_body.hpp"

#include <limits>

#include <fmt/format.h>

#include "model/aws_error.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;

[[noreturn]] void wrong_type(std::string_view name, std::string_view expected) {
    throw errors::unparsable_body(fmt::format("member '{}' must be {}", name, expected));
}

}  // namespace

RequestBody::RequestBody(std::string_view body) : json_(nlohmann::json::object()) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return;
    }
    json_ = nlohmann::json::parse(body, nullptr, false);
    if (json_.is_discarded() || !json_.is_object()) {
        throw errors::unparsable_body("the request body must be a JSON object");
    }
}

const nlohmann::json* RequestBody::find(const char* key) const {
    const auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> RequestBody::string(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        wrong_type(key, "a string");
    }
    return value->get<std::string>();
}

std::optional<std::int64_t> RequestBody::integer(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_number_integer() && !value->is_number_unsigned()) {
        return value->get<std::int64_t>();
    }
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(value->get<std::uint64_t>());
    }
    wrong_type(key, "an integer");
}

const nlohmann::json* RequestBody::object(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value != nullptr && !value->is_object()) {
        wrong_type(key, "an object");
    }
    return value;
}

std::map<std::string, std::optional<double>> RequestBody::number_map(const nlohmann::json& object,
                                                                     std::string_view name) {
    if (!object.is_object()) {
        wrong_type(name, "a map of numbers");
    }
    std::map<std::string, std::optional<double>> map;
    for (const auto& [key, value] : object.items()) {
        if (value.is_null()) {
            map.emplace(key, std::nullopt);
        } else if (value.is_number()) {
            map.emplace(key, value.get<double>());
        } else {
            wrong_type(name, "a map of numbers");
        }
    }
    return map;
}

}  // namespace lambdahost::api
