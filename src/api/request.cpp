// SPDX-License-Identifier: Apache-2.0
// Accessors of api::Request and the caller's scope taken from the SigV4 Authorization header.
// Pure functions; safe from any thread.
#include "api/request.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace lambdahost::api {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool all_of_chars(std::string_view text, bool (*accept)(char)) {
    return !text.empty() && std::all_of(text.begin(), text.end(), accept);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// Region names as they appear in ARNs ("us-east-1", "eu-central-2"); anything else is ignored
/// so that a forged scope cannot smuggle separators into ARNs or store keys.
bool is_region_char(char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t next = text.find(separator, start);
        parts.push_back(text.substr(start, next - start));
        if (next == std::string_view::npos) {
            return parts;
        }
        start = next + 1;
    }
}

}  // namespace

bool HeaderNameLess::operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) { return lower(x) < lower(y); });
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    // lower_bound, not find: among equal keys a multimap keeps insertion order.
    const std::string key(name);
    const auto it = query.lower_bound(key);
    if (it == query.end() || it->first != key) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<std::string> Request::header(std::string_view name) const {
    const auto it = headers.find(name);
    if (it == headers.end()) {
        return std::nullopt;
    }
    return it->second;
}

const std::string& Request::path_param(const std::string& name) const {
    const auto it = path_params.find(name);
    if (it == path_params.end()) {
        // The router fills every parameter of the matched template: a miss is a handler asking
        // for a name its route does not have. dispatch() turns this into a logged 500.
        throw std::logic_error("no path parameter named " + name);
    }
    return it->second;
}

model::Scope scope_from_authorization(std::string_view authorization) {
    // "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/lambda/aws4_request, SignedHeaders=.."
    model::Scope scope;
    constexpr std::string_view kCredential = "Credential=";
    const std::size_t start = authorization.find(kCredential);
    if (start == std::string_view::npos) {
        return scope;
    }
    std::string_view credential = authorization.substr(start + kCredential.size());
    credential = credential.substr(0, credential.find_first_of(", \t"));
    const std::vector<std::string_view> parts = split(credential, '/');
    if (parts.size() != 5 || parts[4] != "aws4_request" ||
        !all_of_chars(parts[2], is_region_char)) {
        return scope;
    }
    scope.region = std::string(parts[2]);
    if (parts[0].size() == 12 && all_of_chars(parts[0], is_digit)) {
        scope.account = std::string(parts[0]);
    }
    return scope;
}

}  // namespace lambdahost::api
