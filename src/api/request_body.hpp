// SPDX-License-Identifier: Apache-2.0
// RequestBody: typed reads of the small JSON bodies of the version, alias and concurrency
// operations. An empty body reads as {}; a body that is not a JSON object, or a member of the
// wrong JSON type, is InvalidRequestContentException; null reads as absent (as AWS treats it).
// Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lambdahost::api {

class RequestBody {
public:
    explicit RequestBody(std::string_view body);

    std::optional<std::string> string(const char* key) const;
    std::optional<std::int64_t> integer(const char* key) const;
    /// An object member; nullptr when absent or null.
    const nlohmann::json* object(const char* key) const;
    /// A map of numbers (members that are null stay, as nullopt: AWS reports them as
    /// violations, not as a malformed body).
    static std::map<std::string, std::optional<double>> number_map(const nlohmann::json& object,
                                                                   std::string_view name);

private:
    const nlohmann::json* find(const char* key) const;

    nlohmann::json json_;
};

}  // namespace lambdahost::api
