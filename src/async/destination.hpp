// SPDX-License-Identifier: Apache-2.0
// Destination ARNs (facts §3.7): AWS's DestinationArn pattern, the services a destination or
// dead-letter target may be (lambda, sqs, sns, events), and the pieces the delivery needs (the
// region to sign for, the SQS queue URL, the function a lambda target names). Regex-free
// matchers, like model/constraints. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambdahost::async {

/// AWS: the DestinationArn pattern quoted in ValidationExceptions (facts §3.7).
inline constexpr std::string_view kDestinationArnPattern =
    R"(^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*))";

/// "arn:<partition>:<service>:<region>:<account>:<resource>" (the resource may contain ':').
struct TargetArn {
    std::string partition;
    std::string service;  // "lambda", "sqs", "sns", "events", ...
    std::string region;   // may be empty
    std::string account;  // may be empty
    std::string resource;
};

/// Whether `text` matches kDestinationArnPattern (the empty string does).
bool matches_destination_pattern(std::string_view text);

/// The pieces of an ARN that matches the pattern; nullopt otherwise (and for "").
std::optional<TargetArn> parse_target_arn(std::string_view text);

/// The services lambdahost delivers to: lambda (an internal Event invoke), sqs, sns, events.
bool is_supported_service(std::string_view service);

/// The function a lambda target names: "function:<name>[:<qualifier>]".
struct FunctionTarget {
    std::string name;
    std::optional<std::string> qualifier;
};
std::optional<FunctionTarget> function_target(const TargetArn& arn);

/// The queue URL of an SQS ARN at `endpoint`: "<endpoint>/<account>/<queue name>".
std::string queue_url(std::string_view endpoint, const TargetArn& arn);

}  // namespace lambdahost::async
