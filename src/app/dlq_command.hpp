// SPDX-License-Identifier: Apache-2.0
// `lambdahost dlq list|show|redrive|purge`: the built-in dead-letter store of asynchronous
// invocation. With --endpoint it talks to a running server's /_lambdahost/dlq routes (the only
// safe way to redrive while a server runs: the server hands the entry on at once). Without it,
// it opens <data-dir>/async.db directly: list and show always work; redrive and purge take the
// data directory's async lock, so they refuse to run beside a server, and a redriven entry is
// sent on by the next server start.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lambdahost::app {

struct DlqOptions {
    std::string action;            // list | show | redrive | purge
    std::vector<std::string> ids;  // show: exactly one; redrive/purge: some, or --all
    bool all = false;
    std::string endpoint;  // "http://127.0.0.1:3001": use the server's admin routes
    std::filesystem::path data_dir = ".lambdahost";
};

/// Prints the result as JSON on stdout (the admin routes' bodies). Throws std::runtime_error
/// with a message for the operator (unknown id, server locked, endpoint unreachable, ...).
void run_dlq(const DlqOptions& options);

}  // namespace lambdahost::app
