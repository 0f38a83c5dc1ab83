// SPDX-License-Identifier: Apache-2.0
// RequestBody: the JSON body of the version, alias, concurrency and event-invoke-config
// operations, read through model::Members. Their members are all optional, so a blank body reads
// as {}; a body that is not a JSON object, or a member of the wrong JSON type, is
// InvalidRequestContentException; null reads as absent (as AWS treats it). Pure.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "model/json_members.hpp"

namespace lambdahost::api {

namespace detail {
/// Holds the parsed body ahead of the Members base that points into it.
struct ParsedBody {
    nlohmann::json json;
};
}  // namespace detail

class RequestBody : private detail::ParsedBody, public model::Members {
public:
    explicit RequestBody(std::string_view body)
        : ParsedBody{model::parse_object(body, /*blank_is_empty=*/true)}, Members(json, "") {}
    RequestBody(const RequestBody&) = delete;  // Members points into this object's json
    RequestBody& operator=(const RequestBody&) = delete;
};

}  // namespace lambdahost::api
