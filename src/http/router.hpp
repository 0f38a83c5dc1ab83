// SPDX-License-Identifier: Apache-2.0
// Router: maps (method, raw path, query) to a value registered under a path template such as
// "/2015-03-31/functions/{FunctionName}/aliases/{Name}", optionally ending in a query
// discriminator ("?List=ALL") that a request's query must carry for the route to match. Generic
// over the routed value and free of Beast, so it is unit-tested and fuzzed on its own. Also the
// URL helpers it needs: percent-decoding and query-string parsing.
// Threading: build with add() once, then match() is const and safe from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambdahost::http {

using QueryParams = std::multimap<std::string, std::string>;
using PathParams = std::map<std::string, std::string>;

/// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '. A '%' not followed
/// by two hex digits ("%zz", a truncated "%4") is kept literally rather than refused: the value
/// then fails the handler's own validation with an AWS message instead of a bare 400.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

/// Parses "a=1&b=x%20y&flag" into a multimap of decoded names and values ('+' is a space, a
/// name without '=' has an empty value, empty pieces are skipped).
QueryParams parse_query(std::string_view query);

enum class MatchStatus {
    Found,
    /// The path matches a template, but no route of that template accepts the method.
    MethodNotAllowed,
    NotFound,
};

/// The untyped core of Router: compiled templates and matching. Values live in Router.
class RouteTable {
public:
    /// Registers `path_template` for `method` under `index`. A template is '/'-separated
    /// segments, each a literal or a whole "{Name}" parameter, optionally followed by
    /// "?key=value".
    void add(std::string_view method, std::string_view path_template, std::size_t index);

    struct Result {
        MatchStatus status = MatchStatus::NotFound;
        std::size_t index = 0;  // meaningful when Found
        PathParams params;      // decoded parameter values when Found
    };
    /// `raw_path` is the request target's path as received (still percent-encoded, no query).
    /// Among matching routes, one whose discriminator the query satisfies beats one without a
    /// discriminator, then more literal segments win, then the earlier registration.
    Result match(std::string_view method,
                 std::string_view raw_path,
                 const QueryParams& query) const;

private:
    struct Segment {
        std::string text;  // literal text, or the parameter name
        bool is_param = false;
    };
    struct Route {
        std::string method;
        std::vector<Segment> segments;
        std::optional<std::pair<std::string, std::string>> discriminator;
        std::size_t index = 0;
        std::size_t literal_count = 0;
    };
    std::vector<Route> routes_;
};

template <typename T>
class Router {
public:
    void add(std::string_view method, std::string_view path_template, T value) {
        table_.add(method, path_template, values_.size());
        values_.push_back(std::move(value));
    }

    struct Match {
        MatchStatus status = MatchStatus::NotFound;
        const T* value = nullptr;  // non-null exactly when Found
        PathParams params;
    };
    Match match(std::string_view method,
                std::string_view raw_path,
                const QueryParams& query) const {
        RouteTable::Result result = table_.match(method, raw_path, query);
        Match match{result.status, nullptr, std::move(result.params)};
        if (result.status == MatchStatus::Found) {
            match.value = &values_[result.index];
        }
        return match;
    }

private:
    RouteTable table_;
    std::vector<T> values_;
};

}  // namespace lambdahost::http
