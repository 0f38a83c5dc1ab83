// SPDX-License-Identifier: Apache-2.0
#include "util/time.hpp"

#include <ctime>

#include <fmt/format.h>

namespace lambdahost::util {
namespace {

std::string format_utc(SystemTime when, const char* zone_suffix) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}",
                       tm.tm_year + 1900,
                       tm.tm_mon + 1,
                       tm.tm_mday,
                       tm.tm_hour,
                       tm.tm_min,
                       tm.tm_sec,
                       ms % 1000,
                       zone_suffix);
}

}  // namespace

std::string format_last_modified(SystemTime when) {
    return format_utc(when, "+0000");
}

std::string format_iso8601_z(SystemTime when) {
    return format_utc(when, "Z");
}

}  // namespace lambdahost::util
