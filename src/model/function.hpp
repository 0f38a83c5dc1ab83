// SPDX-License-Identifier: Apache-2.0
// Plain data for a function and its configuration, in Lambda's vocabulary. No I/O, no locking:
// the store owns instances and hands out immutable snapshots (shared_ptr<const Function>).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lambdahost::model {

/// The account and region a request acts in (from its SigV4 credential scope). Resources of
/// different scopes never see each other.
struct Scope {
    std::string account = "000000000000";
    std::string region = "us-east-1";
    auto operator<=>(const Scope&) const = default;
};

enum class FunctionState { Pending, Active, Inactive, Failed };
enum class LastUpdateStatus { InProgress, Successful, Failed };

struct LoggingConfig {
    std::string log_format = "Text";                   // Text | JSON
    std::optional<std::string> application_log_level;  // only with JSON
    std::optional<std::string> system_log_level;       // only with JSON
    std::string log_group;                             // default "/aws/lambda/<name>"
    bool operator==(const LoggingConfig&) const = default;
};

/// One version's configuration ($LATEST or a published number): everything
/// GetFunctionConfiguration renders, plus what the execution engine needs.
struct FunctionConfig {
    std::string function_name;
    std::string version = "$LATEST";
    std::string runtime;
    std::string role;
    std::string handler;
    std::string description;
    int timeout = 3;
    int memory_size = 128;
    /// Present only if the request carried Environment (it may be empty).
    std::optional<std::map<std::string, std::string>> environment;
    std::string architecture = "x86_64";
    int ephemeral_storage = 512;
    std::string tracing_mode = "PassThrough";
    std::optional<std::string> dead_letter_target_arn;
    std::optional<std::string> kms_key_arn;
    std::vector<std::string> layers;  // layer version ARNs
    LoggingConfig logging;
    std::string package_type = "Zip";

    std::string code_sha256;      // base64 of the zip's SHA-256 (wire form)
    std::string code_sha256_hex;  // the same digest in hex: the code store's key
    std::int64_t code_size = 0;

    std::string last_modified;  // "YYYY-MM-DDThh:mm:ss.sss+0000"
    std::string revision_id;    // UUID4, new on every observable change

    FunctionState state = FunctionState::Pending;
    std::optional<std::string> state_reason;
    std::optional<std::string> state_reason_code;
    std::optional<LastUpdateStatus> last_update_status;  // absent until the first transition
    std::optional<std::string> last_update_status_reason;
    std::optional<std::string> last_update_status_reason_code;

    bool operator==(const FunctionConfig&) const = default;
};

/// An alias: a name for a published version (or $LATEST), optionally routing a share of the
/// invocations to one additional version (facts §3.4).
struct Alias {
    std::string name;
    std::string function_version;  // "$LATEST" or "<n>"
    std::string description;
    std::string revision_id;  // UUID4, new on every update
    /// RoutingConfig.AdditionalVersionWeights: at most one version -> weight in [0, 1].
    std::map<std::string, double> additional_version_weights;
    bool operator==(const Alias&) const = default;
};

enum class ProvisionedStatus { InProgress, Ready, Failed };

/// A provisioned-concurrency configuration of one version or alias (facts §3.6).
struct ProvisionedConcurrency {
    int requested = 0;
    /// Initialised environments: 0 until READY, then `requested` (Allocated = Available).
    int allocated = 0;
    ProvisionedStatus status = ProvisionedStatus::InProgress;
    std::optional<std::string> status_reason;  // FAILED: "FUNCTION_ERROR_INIT_FAILURE"
    std::string last_modified;
    bool operator==(const ProvisionedConcurrency&) const = default;
};

/// Asynchronous-invocation settings of one qualifier (facts §2.4, §3.7); unset members take
/// AWS's defaults (2 retries, 21600 s) when events run.
struct EventInvokeConfig {
    std::optional<int> maximum_retry_attempts;
    std::optional<int> maximum_event_age_in_seconds;
    std::optional<std::string> on_success;  // destination ARNs
    std::optional<std::string> on_failure;
    std::int64_t last_modified_ms = 0;  // LastModified, epoch milliseconds
    bool operator==(const EventInvokeConfig&) const = default;
};

/// A function: $LATEST, its published versions and function-level settings.
struct Function {
    FunctionConfig latest;
    std::map<std::string, std::string> tags;
    /// Published versions by number ("1", "2", ...).
    std::map<std::uint64_t, FunctionConfig> versions;
    /// Highest version number ever published; numbers are never reused.
    std::uint64_t last_version_number = 0;
    /// $LATEST's RevisionId right after the last publish: while it is unchanged, PublishVersion
    /// answers the last version again (facts §3.3).
    std::optional<std::string> published_revision_id;
    std::map<std::string, Alias> aliases;  // by name
    /// ReservedConcurrentExecutions; nullopt: the function draws on the unreserved pool.
    std::optional<int> reserved_concurrency;
    /// By qualifier (a version number or an alias name).
    std::map<std::string, ProvisionedConcurrency> provisioned_concurrency;
    /// By qualifier ("$LATEST", a version number or an alias name).
    std::map<std::string, EventInvokeConfig> event_invoke_configs;
    bool operator==(const Function&) const = default;
};

}  // namespace lambdahost::model
