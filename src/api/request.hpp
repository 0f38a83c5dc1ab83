// SPDX-License-Identifier: Apache-2.0
// The control plane's view of an HTTP exchange, free of Beast: http/ fills a Request (moving
// the body, never copying it) and writes back the Response a handler returns.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/function.hpp"

namespace lambdahost::api {

/// Case-insensitive ordering for HTTP header names.
struct HeaderNameLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
};

struct Request {
    std::string method;                              // "GET", "POST", ...
    std::string path;                                // raw target path, without the query
    std::map<std::string, std::string> path_params;  // template names -> URL-decoded values
    std::multimap<std::string, std::string> query;   // URL-decoded
    std::map<std::string, std::string, HeaderNameLess> headers;
    std::string body;
    model::Scope scope;  // from the SigV4 credential scope of the Authorization header

    /// First value of a query parameter.
    std::optional<std::string> query_param(std::string_view name) const;
    std::optional<std::string> header(std::string_view name) const;
    const std::string& path_param(const std::string& name) const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json";
};

/// The request's scope: region from the Authorization header's credential scope
/// ("Credential=AKID/20250101/<region>/lambda/aws4_request"), default us-east-1; account
/// 000000000000 unless the access key id is 12 digits (then that account). Signatures are not
/// verified.
model::Scope scope_from_authorization(std::string_view authorization);

}  // namespace lambdahost::api
