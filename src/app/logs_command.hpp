// SPDX-License-Identifier: Apache-2.0
// `lambdahost logs FUNCTION [--follow]`: prints a function's logs (START/END/REPORT lines and
// its output) from the data directory, and with --follow keeps printing what is appended.
// Reads the files directly, so it works whether or not a server is running.
#pragma once

#include <filesystem>
#include <string>

namespace lambdahost::app {

struct LogsOptions {
    std::string function;  // a name, or a partial or full ARN (its account and region win)
    std::filesystem::path data_dir = ".lambdahost";
    std::string account = "000000000000";
    std::string region = "us-east-1";
    bool follow = false;
};

/// Writes the logs to stdout; with `follow`, never returns until the process is stopped.
/// Throws AwsError for a malformed function reference, std::system_error for I/O failures.
void print_logs(const LogsOptions& options);

}  // namespace lambdahost::app
