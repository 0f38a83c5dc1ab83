// SPDX-License-Identifier: Apache-2.0
// Template compilation and matching for http::Router, plus the URL decoding helpers. Pure code,
// no I/O; match() only reads the table.
#include "http/router.hpp"

#include <tuple>

namespace lambdahost::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// Splits a path on '/' after dropping its leading '/' and one trailing '/', so that
/// "/2015-03-31/functions/" and "/2015-03-31/functions" give the same segments (service-2.json
/// spells some URIs with the slash, and clients send them either way).
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    if (path.empty()) {
        return segments;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        segments.push_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos) {
            return segments;
        }
        start = slash + 1;
    }
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

QueryParams parse_query(std::string_view query) {
    QueryParams params;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) {
            continue;
        }
        const std::size_t eq = piece.find('=');
        if (eq == std::string_view::npos) {
            params.emplace(percent_decode(piece, true), std::string{});
        } else {
            params.emplace(percent_decode(piece.substr(0, eq), true),
                           percent_decode(piece.substr(eq + 1), true));
        }
    }
    return params;
}

void RouteTable::add(std::string_view method, std::string_view path_template, std::size_t index) {
    Route route;
    route.method = std::string(method);
    route.index = index;
    const std::size_t question = path_template.find('?');
    if (question != std::string_view::npos) {
        const std::string_view discriminator = path_template.substr(question + 1);
        const std::size_t eq = discriminator.find('=');
        route.discriminator.emplace(std::string(discriminator.substr(0, eq)),
                                    eq == std::string_view::npos
                                        ? std::string{}
                                        : std::string(discriminator.substr(eq + 1)));
        path_template = path_template.substr(0, question);
    }
    for (std::string_view segment : split_path(path_template)) {
        const bool is_param =
            segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
        if (is_param) {
            route.segments.push_back({std::string(segment.substr(1, segment.size() - 2)), true});
        } else {
            route.segments.push_back({std::string(segment), false});
            ++route.literal_count;
        }
    }
    routes_.push_back(std::move(route));
}

RouteTable::Result RouteTable::match(std::string_view method,
                                     std::string_view raw_path,
                                     const QueryParams& query) const {
    Result result;
    if (raw_path.empty() || raw_path.front() != '/') {
        return result;
    }
    // Split before decoding: an encoded ARN ("arn%3Aaws%3Alambda...") is one segment whatever
    // its decoded value contains (facts §2).
    std::vector<std::string> segments;
    for (std::string_view raw : split_path(raw_path)) {
        segments.push_back(percent_decode(raw));
    }

    const Route* best = nullptr;
    std::tuple<bool, std::size_t> best_rank{};
    for (const Route& route : routes_) {
        if (route.segments.size() != segments.size()) {
            continue;
        }
        bool path_matches = true;
        for (std::size_t i = 0; i < segments.size() && path_matches; ++i) {
            const Segment& segment = route.segments[i];
            path_matches = segment.is_param ? !segments[i].empty() : segments[i] == segment.text;
        }
        if (!path_matches) {
            continue;
        }
        if (route.discriminator) {
            auto [first, last] = query.equal_range(route.discriminator->first);
            bool satisfied = false;
            for (auto it = first; it != last && !satisfied; ++it) {
                satisfied = it->second == route.discriminator->second;
            }
            if (!satisfied) {
                continue;
            }
        }
        if (route.method != method) {
            result.status = MatchStatus::MethodNotAllowed;
            continue;
        }
        const std::tuple<bool, std::size_t> rank{route.discriminator.has_value(),
                                                 route.literal_count};
        if (best == nullptr || rank > best_rank) {
            best = &route;
            best_rank = rank;
        }
    }
    if (best == nullptr) {
        return result;
    }
    result.status = MatchStatus::Found;
    result.index = best->index;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (best->segments[i].is_param) {
            result.params[best->segments[i].text] = std::move(segments[i]);
        }
    }
    return result;
}

}  // namespace lambdahost::http
