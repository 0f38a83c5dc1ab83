// SPDX-License-Identifier: Apache-2.0
// The Lambda runtime identifiers this server accepts, the ones AWS has retired, and the
// environment variable names the runtime environment owns. Shared by request validation (model)
// and the execution engine, so both agree on one list. Pure constants.
#pragma once

#include <array>
#include <string_view>

namespace lambdahost::model {

/// Runtimes CreateFunction/UpdateFunctionConfiguration accept, in the order the enum-violation
/// message lists them. Identifiers are case-sensitive ("PYTHON3.12" is unknown).
inline constexpr auto kSupportedRuntimes = std::to_array<std::string_view>(
    {"python3.9",  "python3.10",   "python3.11",     "python3.12", "python3.13", "python3.14",
     "nodejs18.x", "nodejs20.x",   "nodejs22.x",     "nodejs24.x", "java8.al2",  "java11",
     "java17",     "java21",       "dotnet8",        "ruby3.2",    "ruby3.3",    "ruby3.4",
     "provided",   "provided.al2", "provided.al2023"});

/// AWS: runtimes past their deprecation date are refused with "The runtime parameter of <rt> is
/// no longer supported ..." (facts §3.1, §3.8).
inline constexpr auto kDeprecatedRuntimes = std::to_array<std::string_view>(
    {"python2.7",     "python3.6",      "python3.7",  "python3.8",     "nodejs",
     "nodejs4.3",     "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",    "nodejs10.x",
     "nodejs12.x",    "nodejs14.x",     "nodejs16.x", "dotnetcore1.0", "dotnetcore2.0",
     "dotnetcore2.1", "dotnetcore3.1",  "dotnet6",    "ruby2.5",       "ruby2.7",
     "java8",         "go1.x"});

/// AWS: variables Lambda sets itself and refuses in Environment.Variables ("Reserved keys used
/// in this request: ..."); from the AWS "Defined runtime environment variables" list. Others it
/// sets (AWS_LAMBDA_EXEC_WRAPPER, LANG, PATH, TZ, ...) may be overridden by the user.
inline constexpr auto kReservedEnvironmentKeys =
    std::to_array<std::string_view>({"_HANDLER",
                                     "_X_AMZN_TRACE_ID",
                                     "AWS_DEFAULT_REGION",
                                     "AWS_REGION",
                                     "AWS_EXECUTION_ENV",
                                     "AWS_LAMBDA_FUNCTION_NAME",
                                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                     "AWS_LAMBDA_FUNCTION_VERSION",
                                     "AWS_LAMBDA_INITIALIZATION_TYPE",
                                     "AWS_LAMBDA_LOG_GROUP_NAME",
                                     "AWS_LAMBDA_LOG_STREAM_NAME",
                                     "AWS_ACCESS_KEY",
                                     "AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN",
                                     "AWS_LAMBDA_RUNTIME_API",
                                     "LAMBDA_TASK_ROOT",
                                     "LAMBDA_RUNTIME_DIR"});

bool is_supported_runtime(std::string_view runtime);
bool is_deprecated_runtime(std::string_view runtime);
bool is_reserved_environment_key(std::string_view key);

}  // namespace lambdahost::model
