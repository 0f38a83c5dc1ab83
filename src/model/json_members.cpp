// SPDX-License-Identifier: Apache-2.0
// Typed reads of JSON request bodies (see json_members.hpp).
#include "model/json_members.hpp"

#include <limits>

#include <fmt/format.h>

#include "model/aws_error.hpp"

namespace lambdahost::model {
namespace {

std::string parse_error_detail(const nlohmann::json::exception& error) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    const std::string_view what = error.what();
    const auto end = what.find("] ");
    return std::string(end == std::string_view::npos ? what : what.substr(end + 2));
}

}  // namespace

nlohmann::json parse_object(std::string_view body, bool blank_is_empty) {
    if (blank_is_empty && body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return nlohmann::json::object();
    }
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& error) {  // syntax, or a number out of range
        throw errors::unparsable_body(parse_error_detail(error));
    }
    if (!json.is_object()) {
        throw errors::unparsable_body("the request body must be a JSON object");
    }
    return json;
}

std::optional<std::string> Members::string(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        wrong_type(key, "a string");
    }
    return value->get<std::string>();
}

std::optional<std::int64_t> Members::integer(const char* key) const {
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

std::optional<bool> Members::boolean(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        wrong_type(key, "a boolean");
    }
    return value->get<bool>();
}

std::optional<Members> Members::object(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_object()) {
        wrong_type(key, "an object");
    }
    return Members(*value, path(key) + ".");
}

std::optional<std::vector<std::string>> Members::strings(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_array()) {
        wrong_type(key, "a list of strings");
    }
    std::vector<std::string> items;
    for (const auto& item : *value) {
        if (!item.is_string()) {
            wrong_type(key, "a list of strings");
        }
        items.push_back(item.get<std::string>());
    }
    return items;
}

std::optional<std::map<std::string, std::string>> Members::string_map(const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_object()) {
        wrong_type(key, "a map of strings");
    }
    std::map<std::string, std::string> map;
    for (const auto& [name, item] : value->items()) {
        if (!item.is_string()) {
            wrong_type(key, "a map of strings");
        }
        map.emplace(name, item.get<std::string>());
    }
    return map;
}

std::optional<std::map<std::string, std::optional<double>>> Members::number_map(
    const char* key) const {
    const nlohmann::json* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_object()) {
        wrong_type(key, "a map of numbers");
    }
    std::map<std::string, std::optional<double>> map;
    for (const auto& [name, item] : value->items()) {
        if (item.is_null()) {
            map.emplace(name, std::nullopt);
        } else if (item.is_number()) {
            map.emplace(name, item.get<double>());
        } else {
            wrong_type(key, "a map of numbers");
        }
    }
    return map;
}

const nlohmann::json* Members::find(const char* key) const {
    const auto it = object_->find(key);
    return it == object_->end() || it->is_null() ? nullptr : &*it;
}

void Members::wrong_type(const char* key, std::string_view expected) const {
    throw errors::unparsable_body(fmt::format("member '{}' must be {}", path(key), expected));
}

}  // namespace lambdahost::model
