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

/// A function: $LATEST, its published versions and function-level settings.
struct Function {
    FunctionConfig latest;
    std::map<std::string, std::string> tags;
    /// Published versions by number ("1", "2", ...); filled by the versions issue.
    std::map<std::uint64_t, FunctionConfig> versions;
    /// Highest version number ever published; numbers are never reused.
    std::uint64_t last_version_number = 0;
    bool operator==(const Function&) const = default;
};

}  // namespace lambdahost::model
