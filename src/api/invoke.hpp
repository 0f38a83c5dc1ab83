// SPDX-License-Identifier: Apache-2.0
// Invoke (POST /2015-03-31/functions/{FunctionName}/invocations), the asynchronous handler of
// the data plane, and the pure steps it is made of: reading the X-Amz-* request headers,
// checking the payload, and rendering the scheduler's outcome with AWS's response headers
// (facts §3.5).
// Threading: invoke() runs on an io thread and never blocks (catalog and spec lookups are
// in-memory); its `respond` is called from the thread the scheduler completes on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/context.hpp"
#include "api/operations.hpp"
#include "api/request.hpp"
#include "model/arn.hpp"
#include "scheduler/invocation.hpp"

namespace lambdahost::api {

/// The Invoke operation. Validates, resolves the function version, then hands the invocation
/// to the scheduler, whose outcome becomes the response. DryRun answers 204 at once; Event
/// goes to the durable queue (async_invoke.hpp) and is answered 202 once committed.
void invoke(Context& context, Request&& request, Respond respond);

enum class InvocationType { RequestResponse, Event, DryRun };

/// What the X-Amz-* request headers ask for.
struct InvokeOptions {
    InvocationType type = InvocationType::RequestResponse;
    bool tail = false;  // X-Amz-Log-Type: Tail
    /// X-Amz-Client-Context, base64-decoded: the JSON the runtime gets as
    /// Lambda-Runtime-Client-Context.
    std::optional<std::string> client_context;
};

/// Reads X-Amz-Invocation-Type (default RequestResponse), X-Amz-Log-Type (default None) and
/// X-Amz-Client-Context. Throws ValidationException naming every header off its enum
/// (members "invocationType", "logType"), or InvalidRequestContentException for a client
/// context that is not base64 of a JSON object.
InvokeOptions parse_invoke_options(const Request& request);

/// Decodes an X-Amz-Client-Context value. Throws InvalidRequestContentException "Client context
/// must be a valid Base64-encoded JSON object." unless it is base64 of a JSON object.
std::string decode_client_context(std::string_view header);

/// Makes the request body the event: an empty body becomes "{}" (facts §3.5); a body that is
/// not JSON throws InvalidRequestContentException "Could not parse request body into json:
/// Could not parse payload into json: <where and why>". Checks without building a document.
void prepare_payload(std::string& body);

/// The configuration an invoke of `config` (the version the caller addressed) runs. Throws
/// ResourceConflictException when it cannot run now: a function that is not Active, an update
/// in progress with no earlier configuration to serve, or a failed last update. In-memory only.
VersionSpecPtr runnable_spec(Context& context,
                             const model::Scope& scope,
                             const model::FunctionConfig& config);

/// The ARN of Invoke's "Function not found": the reference's qualifier, or ":$LATEST" when it
/// has none (facts §1.2; Get/Delete quote the unqualified ARN instead).
std::string invoke_not_found_arn(const model::ResolvedRef& ref);

/// X-Amz-Log-Result: base64 of the last 4096 bytes of the invocation's log (facts §3.5).
std::string log_result(std::string_view log);

/// The response of a finished invocation: the result payload as application/json with
/// X-Amz-Executed-Version, X-Amz-Function-Error when set and X-Amz-Log-Result when `tail`; or
/// the outcome's AwsError. Either carries x-amzn-RequestId = `request_id`.
/// `version` stands in for an empty InvocationResult::executed_version.
Response render_outcome(scheduler::InvocationOutcome&& outcome,
                        bool tail,
                        std::string_view request_id,
                        std::string_view version);

}  // namespace lambdahost::api
