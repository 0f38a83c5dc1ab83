// SPDX-License-Identifier: Apache-2.0
// The whole Lambda REST surface as one table: every operation of botocore's
// lambda/2015-03-31/service-2.json (and the newer ones listed in facts §2) with its method, path
// template, body limit and handler. Operations without a handler answer
// NotImplementedException naming the operation. http/ builds its router from this table.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "api/context.hpp"
#include "api/request.hpp"

namespace lambdahost::api {

/// A synchronous control-plane handler. Runs on the blocking pool (it may wait for the store);
/// throws AwsError for anything the client is to be told.
using Handler = Response (*)(Context& context, const Request& request);

struct Operation {
    std::string_view name;    // "CreateFunction", as in service-2.json
    std::string_view method;  // "POST"
    /// Path template with {Param} segments; a "?key=value" suffix is a query discriminator
    /// ("/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL").
    std::string_view path_template;
    std::size_t body_limit;  // larger bodies -> 413 before the body is read
    Handler handler;         // nullptr: not implemented yet
};

std::span<const Operation> operations();

/// Runs an operation's handler and renders whatever it throws: AwsError through render_error,
/// anything else as ServiceException 500 (logged with the operation name). The one catch site
/// of the control plane.
Response dispatch(const Operation& operation, Context& context, const Request& request);

}  // namespace lambdahost::api
