// SPDX-License-Identifier: Apache-2.0
// Constraint texts and character classes of constraints.hpp.
#include "model/constraints.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace lambdahost::model::constraints {

std::string max_length(std::size_t max) {
    return fmt::format("Member must have length less than or equal to {}", max);
}

std::string min_length(std::size_t min) {
    return fmt::format("Member must have length greater than or equal to {}", min);
}

std::string max_value(std::int64_t max) {
    return fmt::format("Member must have value less than or equal to {}", max);
}

std::string min_value(std::int64_t min) {
    return fmt::format("Member must have value greater than or equal to {}", min);
}

std::string pattern(std::string_view regex) {
    return fmt::format("Member must satisfy regular expression pattern: {}", regex);
}

std::string enum_set(std::span<const std::string_view> values) {
    return fmt::format("Member must satisfy enum value set: [{}]", fmt::join(values, ", "));
}

std::string list_value(std::span<const std::string> items) {
    return fmt::format("[{}]", fmt::join(items, ", "));
}

std::string map_value(const std::map<std::string, std::string>& map) {
    std::string out = "{";
    for (const auto& [key, value] : map) {
        if (out.size() > 1) {
            out += ", ";
        }
        out += fmt::format("{}={}", key, value);
    }
    return out + "}";
}

std::size_t text_length(std::string_view utf8) {
    std::size_t length = 0;
    for (char c : utf8) {
        // Count every byte except UTF-8 continuation bytes (10xxxxxx).
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++length;
        }
    }
    return length;
}

bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_ascii_alnum(char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c);
}

bool is_name_char(char c) {
    return is_ascii_alnum(c) || c == '-' || c == '_';
}

bool is_partition(std::string_view text) {
    return text.starts_with("aws") && std::all_of(text.begin() + 3, text.end(), [](char c) {
               return is_ascii_alpha(c) || c == '-';
           });
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> pieces;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        pieces.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return pieces;
        }
        start = end + 1;
    }
}

}  // namespace lambdahost::model::constraints
