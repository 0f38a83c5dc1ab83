// SPDX-License-Identifier: Apache-2.0
// The platform's log lines around each invocation (START / END / REPORT), the log stream name an
// environment reports, and the tail returned by `X-Amz-Log-Type: Tail`. Pure functions apart
// from the randomness in log_stream_name(); all thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace lambdahost::logs {

/// AWS: X-Amz-Log-Result carries base64 of the last 4096 bytes of the invocation's log (facts
/// §3.5).
inline constexpr std::size_t kTailBytes = 4096;

struct ReportFields {
    std::string request_id;
    double duration_ms = 0;                  // invoke start to response, milliseconds
    int memory_size_mb = 128;                // the function's configured MemorySize
    int max_memory_used_mb = 0;              // see max_memory_used_mb() in logs/memory.hpp
    std::optional<double> init_duration_ms;  // only on a cold start's first invoke
};

/// "START RequestId: <id> Version: <version>\n"
std::string start_line(std::string_view request_id, std::string_view version);

/// "END RequestId: <id>\n"
std::string end_line(std::string_view request_id);

/// "REPORT RequestId: <id>\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\t
/// Max Memory Used: 36 MB\t[Init Duration: 110.10 ms\t][Status: error\tErrorType: <type>\t]\n"
/// (one line; facts §3.5). `error_type`: the platform's error for the invocation
/// (Runtime.OutOfMemory), after "Status: error"; empty for none.
std::string report_line(const ReportFields& fields, std::string_view error_type = {});

/// AWS_LAMBDA_LOG_STREAM_NAME: "YYYY/MM/DD/[<version>]<32 random lower-case hex>", UTC date.
std::string log_stream_name(util::SystemTime when, std::string_view version);

/// The last `n` bytes of `log` (all of it when shorter), less the up to 3 leading bytes of a
/// UTF-8 character the cut went through; a view into `log`.
std::string_view tail(std::string_view log, std::size_t n = kTailBytes);

}  // namespace lambdahost::logs
