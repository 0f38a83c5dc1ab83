// SPDX-License-Identifier: Apache-2.0
// What one invoke carries into the execution engine and what comes back. Plain data shared by
// api/invoke (which builds and renders them) and the scheduler (which runs them).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "model/aws_error.hpp"
#include "model/function.hpp"

namespace lambdahost::scheduler {

/// A snapshot of one function version as the engine runs it. Environments are pooled per
/// (scope, function name, version, revision_id): a new revision (UpdateFunctionCode/
/// Configuration) gets new environments while in-flight invokes finish on the old ones.
struct FunctionVersionSpec {
    model::Scope scope;
    model::FunctionConfig config;    // config.version: "$LATEST" or "<n>"
    std::filesystem::path code_dir;  // extracted package, read-only (CodeStore::extract)
    /// Keeps code_dir on disk while the spec lives, i.e. while environments of this revision
    /// exist (api::CodePins::hold); null where nothing deletes packages.
    std::shared_ptr<const void> code_pin = nullptr;
};

struct Invocation {
    std::string request_id;                     // UUID4, also the Lambda-Runtime-Aws-Request-Id
    std::string payload;                        // the event, moved through; never copied
    std::string invoked_function_arn;           // exactly as the caller addressed it (facts §3.10)
    std::optional<std::string> client_context;  // decoded JSON of X-Amz-Client-Context
    std::optional<std::string> cognito_identity;
    std::string trace_id;  // _X_AMZN_TRACE_ID / Lambda-Runtime-Trace-Id
    /// The version number or alias the caller addressed (nullopt: $LATEST): the provisioned
    /// concurrency the invocation may use (facts §3.6).
    std::optional<std::string> qualifier;
    /// The caller wants the log's tail (X-Amz-Log-Type: Tail): the answer then waits for END
    /// and REPORT; otherwise it goes out first and the log is finished after.
    bool wants_log_tail = false;
};

struct InvocationResult {
    /// The function's response, or the error JSON (the runtime's, or one the engine made:
    /// Sandbox.Timedout, Runtime.ExitError, Function.ResponseSizeTooLarge; facts §3.5).
    std::string payload;
    /// "Unhandled" when payload is an error (sent as X-Amz-Function-Error).
    std::optional<std::string> function_error;
    std::string executed_version;
    /// The last 4 KB of this invocation's log (START .. REPORT, logs::tail()); api/invoke
    /// base64-encodes it for X-Amz-Log-Result. The whole log is in the LogStore.
    std::string log;
};

/// Either a result, or an AwsError the client gets instead (throttle 429, ServiceException for
/// an environment that could not start, ...).
struct InvocationOutcome {
    std::optional<InvocationResult> result;
    std::optional<model::AwsError> error;
};

}  // namespace lambdahost::scheduler
