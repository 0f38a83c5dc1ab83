// SPDX-License-Identifier: Apache-2.0
// Process-wide logging set-up: spdlog's default logger writes to stderr (stdout carries only the
// "listening" line), as text or as one JSON object per line. Call once, before any thread starts.
#pragma once

#include <string_view>

namespace lambdahost::app {

enum class LogFormat { Text, Json };

/// `level`: trace|debug|info|warn|error. Throws std::invalid_argument for an unknown level.
void configure_logging(std::string_view level, LogFormat format);

}  // namespace lambdahost::app
