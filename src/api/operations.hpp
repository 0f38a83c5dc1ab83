// SPDX-License-Identifier: Apache-2.0
// The whole Lambda REST surface as one table: every operation of botocore's
// lambda/2015-03-31/service-2.json (and the newer ones listed in facts §2) with its method, path
// template, body limit and handler. Operations without a handler answer
// NotImplementedException naming the operation. http/ builds its router from this table.
// Two kinds of handler: synchronous ones (the control plane, on the blocking pool) and
// asynchronous ones (Invoke, on the io threads: they wait for a function, not for the disk).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>

#include "api/context.hpp"
#include "api/request.hpp"
#include "model/aws_error.hpp"

namespace lambdahost::api {

/// A synchronous control-plane handler. Runs on the blocking pool (it may wait for the store);
/// throws AwsError for anything the client is to be told.
using Handler = Response (*)(Context& context, const Request& request);

/// Completes an asynchronous request. Safe from any thread; called exactly once.
using Respond = std::function<void(Response)>;

/// An asynchronous handler. Runs on an io thread (the session's strand), so it must not block:
/// it validates, hands the work on and returns; `respond` is called later from whichever thread
/// finishes the work. Throws AwsError for anything the client is to be told before the hand-off.
using AsyncHandler = void (*)(Context& context, Request&& request, Respond respond);

struct Operation {
    std::string_view name;    // "CreateFunction", as in service-2.json
    std::string_view method;  // "POST"
    /// Path template with {Param} segments; a "?key=value" suffix is a query discriminator
    /// ("/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL").
    std::string_view path_template;
    std::size_t body_limit;                // larger bodies -> 413 before the body is read
    Handler handler;                       // nullptr: not implemented yet (or asynchronous)
    AsyncHandler async_handler = nullptr;  // set instead of `handler` for asynchronous operations
};

std::span<const Operation> operations();

/// Runs an operation's handler and renders whatever it throws: AwsError through render_error,
/// anything else as ServiceException 500 (logged with the operation name). The one catch site
/// of the control plane.
Response dispatch(const Operation& operation, Context& context, const Request& request);

/// dispatch() for an operation with an async_handler: runs it on the calling thread and makes
/// sure `respond` is called exactly once. What the handler throws is rendered by the same catch
/// site as dispatch(); should a handler drop `respond` without calling it, the client gets a
/// ServiceException instead of waiting forever.
void dispatch_async(const Operation& operation,
                    Context& context,
                    Request&& request,
                    Respond respond);

/// The 413 answer for a request over the operation's body_limit. AWS names Invoke
/// "InvokeFunction" in this text (facts §3.1).
model::AwsError request_too_large(const Operation& operation);

}  // namespace lambdahost::api
