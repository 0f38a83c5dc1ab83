// SPDX-License-Identifier: Apache-2.0
#include "logs/lines.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "logs/utc_date.hpp"
#include "util/hex.hpp"
#include "util/ids.hpp"

namespace lambdahost::logs {

std::string start_line(std::string_view request_id, std::string_view version) {
    return fmt::format(FMT_COMPILE("START RequestId: {} Version: {}\n"), request_id, version);
}

std::string end_line(std::string_view request_id) {
    return fmt::format(FMT_COMPILE("END RequestId: {}\n"), request_id);
}

std::string report_line(const ReportFields& fields, std::string_view error_type) {
    // AWS: billing rounds each invoke up to the next whole millisecond, at least 1 (facts §3.5).
    const auto billed_ms =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(fields.duration_ms)));
    // Compiled formats: these lines are written on every invoke.
    std::string line = fmt::format(
        FMT_COMPILE("REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\t"
                    "Memory Size: {} MB\tMax Memory Used: {} MB\t"),
        fields.request_id,
        fields.duration_ms,
        billed_ms,
        fields.memory_size_mb,
        fields.max_memory_used_mb);
    if (fields.init_duration_ms) {
        line += fmt::format(FMT_COMPILE("Init Duration: {:.2f} ms\t"), *fields.init_duration_ms);
    }
    if (!error_type.empty()) {
        // AWS: "Status: error ErrorType: Runtime.OutOfMemory" (facts §3.5).
        line += fmt::format("Status: error\tErrorType: {}\t", error_type);
    }
    line += '\n';
    return line;
}

std::string log_stream_name(util::SystemTime when, std::string_view version) {
    std::array<std::uint8_t, 16> bytes{};
    util::random_bytes(bytes);
    // AWS: "YYYY/MM/DD/[$LATEST]<32 hex>" (facts §3.5).
    std::string name = fmt::format("{}/[{}]", utc_date(when, '/'), version);
    util::append_hex(name, bytes);
    return name;
}

std::string_view tail(std::string_view log, std::size_t n) {
    if (log.size() <= n) {
        return log;
    }
    std::string_view cut = log.substr(log.size() - n);
    // Not from the middle of a UTF-8 character: drop the continuation bytes (at most 3) of
    // one the cut went through, so the tail decodes.
    std::size_t skip = 0;
    while (skip < 3 && skip < cut.size() &&
           (static_cast<unsigned char>(cut[skip]) & 0xC0) == 0x80) {
        ++skip;
    }
    return cut.substr(skip);
}

}  // namespace lambdahost::logs
