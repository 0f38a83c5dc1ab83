// SPDX-License-Identifier: Apache-2.0
// Building blocks of AWS's request validation, shared by the model's decoders: the constraint
// texts a ValidationException quotes ("Member must have length less than or equal to 64", ...)
// and regex-free matchers for the character-class patterns of service-2.json. The matchers run
// in linear time without recursion, so arbitrarily long inputs (fuzzing, hostile clients) are
// safe where std::regex would exhaust the stack. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lambdahost::model::constraints {

std::string max_length(std::size_t max);      // "Member must have length less than or equal to N"
std::string min_length(std::size_t min);      // "... greater than or equal to N"
std::string max_value(std::int64_t max);      // "Member must have value less than or equal to N"
std::string min_value(std::int64_t min);      // "... greater than or equal to N"
std::string pattern(std::string_view regex);  // "Member must satisfy regular expression pattern: R"
std::string enum_set(std::span<const std::string_view> values);  // "... enum value set: [a, b]"
inline constexpr std::string_view kNotNull = "Member must not be null";

/// Java-style rendering of collections in violation values: "[a, b]" (facts §3.4 shows maps
/// as "{2=2.0}").
std::string list_value(std::span<const std::string> items);
std::string map_value(const std::map<std::string, std::string>& map);  // "{k=v, k2=v2}"

/// Length as AWS counts it (characters, not bytes): the number of UTF-8 code points.
std::size_t text_length(std::string_view utf8);

bool is_ascii_alpha(char c);
bool is_ascii_digit(char c);
bool is_ascii_alnum(char c);
/// `[a-zA-Z0-9-_]`: the character class of function names, aliases and qualifiers.
bool is_name_char(char c);

/// `aws[a-zA-Z-]*`: the partition of an ARN.
bool is_partition(std::string_view text);

/// The pieces of `text` between `separator`s (n separators give n + 1 pieces).
std::vector<std::string_view> split(std::string_view text, char separator);

/// Non-empty and every character satisfies `pred` (a pattern "[class]+").
template <typename Pred>
bool all_of(std::string_view text, Pred pred) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (!pred(c)) {
            return false;
        }
    }
    return true;
}

/// Exactly `count` characters, each satisfying `pred` (a pattern "[class]{count}").
template <typename Pred>
bool exactly(std::string_view text, std::size_t count, Pred pred) {
    return text.size() == count && all_of(text, pred);
}

}  // namespace lambdahost::model::constraints
