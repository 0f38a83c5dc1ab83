// SPDX-License-Identifier: Apache-2.0
// TagResource, UntagResource and ListTags for functions (facts §2.5, §3.9). Tags belong to the
// unqualified function; a qualified ARN is refused. Handlers run on the blocking pool.
#pragma once

#include "api/context.hpp"
#include "api/request.hpp"

namespace lambdahost::api {

Response tag_resource(Context& context, const Request& request);
Response untag_resource(Context& context, const Request& request);
Response list_tags(Context& context, const Request& request);

}  // namespace lambdahost::api
