// SPDX-License-Identifier: Apache-2.0
// The only place that turns an AwsError into its wire form (facts §3.1): status, the
// X-Amzn-ErrorType header, and a body whose message key casing ("Message" vs "message") and
// "Type":"User" member follow a table keyed by error code.
#pragma once

#include "api/request.hpp"
#include "model/aws_error.hpp"

namespace lambdahost::api {

Response render_error(const model::AwsError& error);

}  // namespace lambdahost::api
