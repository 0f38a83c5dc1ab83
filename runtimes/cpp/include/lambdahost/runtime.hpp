// SPDX-License-Identifier: Apache-2.0
// lambdahost's C++ runtime client: write a `provided` (custom runtime) function in C++.
//
// The surface copies aws-lambda-cpp's, kept small: a function's `bootstrap` calls run_handler()
// with a handler that maps an InvocationRequest to an InvocationResponse. run_handler() speaks
// the Lambda Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API over one keep-alive
// connection, so the same binary runs on AWS Lambda and on lambdahost. Single-threaded: the
// handler runs on the calling thread, one invocation at a time.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace lambdahost::runtime {

/// One invocation, as the Runtime API's GET /invocation/next delivers it.
struct InvocationRequest {
    std::string payload;           ///< the event, JSON text
    std::string request_id;        ///< Lambda-Runtime-Aws-Request-Id
    std::string function_arn;      ///< Lambda-Runtime-Invoked-Function-Arn
    std::string xray_trace_id;     ///< Lambda-Runtime-Trace-Id (also set as _X_AMZN_TRACE_ID)
    std::string client_context;    ///< Lambda-Runtime-Client-Context JSON, "" if absent
    std::string cognito_identity;  ///< Lambda-Runtime-Cognito-Identity JSON, "" if absent
    /// Lambda-Runtime-Deadline-Ms; time_point::max() when the header is missing or garbled.
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();

    /// Time left before the function's timeout, never negative (very large without a deadline).
    std::chrono::milliseconds get_time_remaining() const;
};

/// What the handler answers: a payload, or an error the caller sees as FunctionError Unhandled.
class InvocationResponse {
public:
    /// A successful result; `payload` is sent as is.
    static InvocationResponse success(std::string payload,
                                      std::string content_type = "application/json");
    /// A failure; the body is AWS's error JSON {"errorMessage","errorType","stackTrace":[]}.
    static InvocationResponse failure(std::string error_message, std::string error_type);

    const std::string& payload() const { return payload_; }
    const std::string& content_type() const { return content_type_; }
    const std::string& error_type() const { return error_type_; }
    bool is_success() const { return success_; }

private:
    InvocationResponse(std::string payload,
                       std::string content_type,
                       std::string error_type,
                       bool success);

    std::string payload_;
    std::string content_type_;
    std::string error_type_;  ///< empty on success
    bool success_;
};

/// Serves invocations until the Runtime API goes away (or answers GET /invocation/next with a
/// non-200 status three times in a row: each is printed to stderr), then returns. A handler that
/// throws std::exception fails that invocation (errorType "std::exception", errorMessage what()).
/// Throws std::runtime_error if AWS_LAMBDA_RUNTIME_API is unset or malformed.
void run_handler(const std::function<InvocationResponse(const InvocationRequest&)>& handler);

}  // namespace lambdahost::runtime
