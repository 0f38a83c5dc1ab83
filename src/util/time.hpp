// SPDX-License-Identifier: Apache-2.0
// Wall-clock formats used on the wire. Pure functions of their argument.
#pragma once

#include <chrono>
#include <string>

namespace lambdahost::util {

using SystemTime = std::chrono::system_clock::time_point;

/// FunctionConfiguration.LastModified: "2025-11-24T23:08:11.123+0000" (milliseconds, UTC).
std::string format_last_modified(SystemTime when);

/// ISO 8601 with milliseconds and "Z": "2025-11-24T23:11:08.123Z" (destination records).
std::string format_iso8601_z(SystemTime when);

}  // namespace lambdahost::util
