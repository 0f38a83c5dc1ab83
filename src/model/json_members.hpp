// SPDX-License-Identifier: Apache-2.0
// Typed reads of JSON request bodies, shared by every operation that takes one: parse_object
// turns the body into a JSON object (or InvalidRequestContentException with the parser's reason)
// and Members reads its members. Absent and null members read as nullopt (AWS treats null like
// absent); a member of the wrong JSON type is InvalidRequestContentException naming its path
// ("member 'Environment.Variables' must be a map of strings"). Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lambdahost::model {

/// The request body as a JSON object. `blank_is_empty`: a body of only whitespace reads as {}
/// (operations whose members are all optional); otherwise it is unparsable like any non-object.
nlohmann::json parse_object(std::string_view body, bool blank_is_empty = false);

class Members {
public:
    /// `object` must outlive this; `prefix` is the path of `object` for error texts ("" or
    /// "Environment.").
    Members(const nlohmann::json& object, std::string prefix)
        : object_(&object), prefix_(std::move(prefix)) {}

    bool has(const char* key) const { return find(key) != nullptr; }
    std::optional<std::string> string(const char* key) const;
    std::optional<std::int64_t> integer(const char* key) const;
    std::optional<bool> boolean(const char* key) const;
    std::optional<Members> object(const char* key) const;
    std::optional<std::vector<std::string>> strings(const char* key) const;
    std::optional<std::map<std::string, std::string>> string_map(const char* key) const;
    /// A map of numbers; null values stay, as nullopt (AWS reports them as violations, not as a
    /// malformed body).
    std::optional<std::map<std::string, std::optional<double>>> number_map(const char* key) const;

private:
    const nlohmann::json* find(const char* key) const;
    std::string path(const char* key) const { return prefix_ + key; }
    [[noreturn]] void wrong_type(const char* key, std::string_view expected) const;

    const nlohmann::json* object_;
    std::string prefix_;
};

}  // namespace lambdahost::model
