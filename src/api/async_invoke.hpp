// SPDX-License-Identifier: Apache-2.0
// The API side of asynchronous invocation: Invoke with X-Amz-Invocation-Type: Event (202 once
// the event is fsync'd in the async queue), the legacy InvokeAsync (202 {"Status":202}), and the
// resolver through which the dispatcher looks up, at every attempt, what an event runs now: the
// version (aliases routed per attempt), its EventInvokeConfig, DeadLetterConfig and reserved
// concurrency.
// Threading: all of it runs on io threads and only reads memory (catalog snapshots, specs).
#pragma once

#include <optional>
#include <string>

#include "api/context.hpp"
#include "api/operations.hpp"
#include "api/request.hpp"
#include "async/dispatcher.hpp"
#include "model/arn.hpp"

namespace lambdahost::api {

/// AWS: async payload limit, 1 MB since 2025-10 (facts §3.8).
inline constexpr std::size_t kMaxAsyncPayloadBytes = 1048576;

/// The Event half of Invoke, after the function, version and payload checks: 413 over
/// kMaxAsyncPayloadBytes, 409 for a function that is not Active, then the event is queued and
/// `respond` gets 202 (empty body, x-amzn-RequestId = the event's request id) once it is durable.
void enqueue_event(Context& context,
                   const model::ResolvedRef& ref,
                   const model::FunctionConfig& config,
                   std::string payload,
                   std::optional<std::string> client_context,
                   std::string trace_id,
                   Respond respond);

/// InvokeAsync (POST /2014-11-13/functions/{FunctionName}/invoke-async/, deprecated by AWS): an
/// Event invoke of the body, answered 202 (the SDKs' {"Status": 202}).
void invoke_async(Context& context, Request&& request, Respond respond);

/// async::Resolver for `context`: throws ResourceNotFoundException when the event's function or
/// qualifier no longer exists.
async::Target resolve_event(Context& context, const async::Event& event);

}  // namespace lambdahost::api
