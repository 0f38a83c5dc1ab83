// SPDX-License-Identifier: Apache-2.0
// The UTC calendar date of a time point, shared by the stream name ("2025/11/24") and the log
// file names ("2025-11-24"). Internal to the logs module; pure.
#pragma once

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "util/time.hpp"

namespace lambdahost::logs {

inline std::string utc_date(util::SystemTime when, char separator) {
    // system_clock counts UTC (leap seconds aside), so whole days since the epoch are UTC days.
    const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(when)};
    return fmt::format("{:04}{}{:02}{}{:02}",
                       static_cast<int>(date.year()),
                       separator,
                       static_cast<unsigned>(date.month()),
                       separator,
                       static_cast<unsigned>(date.day()));
}

}  // namespace lambdahost::logs
