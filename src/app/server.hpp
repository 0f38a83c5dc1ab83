// SPDX-License-Identifier: Apache-2.0
// app::Server: builds the parts of a running lambdahost (data directory, Database, CodeStore,
// Catalog, the blocking pool, api::Context, the HTTP listener, the scheduler that runs
// functions), wires them, runs the io threads and owns shutdown: on SIGINT/SIGTERM it stops
// accepting, lets in-flight requests finish (bounded), stops every function environment, stops
// the pools and closes the store last.
// Threading: construct and run() from the main thread; run() blocks until shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "async/deliverer.hpp"
#include "async/dispatcher.hpp"

namespace lambdahost::app {

/// The runtimes/ directory of the source tree this binary was built from (runtimes.json and the
/// shipped runtime clients): the default of --runtimes-dir.
std::filesystem::path default_runtimes_dir();

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 3001;  // 0: an ephemeral port, announced on stdout
    std::filesystem::path data_dir = ".lambdahost";
    unsigned io_threads = 1;
    unsigned blocking_threads = 4;
    std::chrono::milliseconds state_transition_delay{0};
    /// runtimes.json and the shipped runtime clients.
    std::filesystem::path runtimes_dir = default_runtimes_dir();
    /// An environment idle this long is stopped.
    std::chrono::seconds keep_alive{600};
    /// A runtime that has not asked for its first event (GET /next) by then has failed to start.
    std::chrono::seconds env_start_timeout{20};
    /// Concurrent invocations of all functions together.
    unsigned account_concurrency = 1000;
    /// "namespace", "process", or "" for namespace when privileged (sandbox/sandbox.hpp).
    std::string isolation;
    /// Asynchronous invocation (async/service.hpp): the retry base delay and attempts in
    /// flight; the destination endpoints and the credentials deliveries are signed with.
    async::DispatcherSettings async_dispatch;
    async::DeliverySettings async_delivery;
};

class Server {
public:
    /// Opens the data directory and the store, resumes interrupted state transitions and binds
    /// the listener. Throws std::runtime_error with a message for the operator (unwritable data
    /// directory, port in use, ...).
    explicit Server(Options options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully. Once accepting, prints
    /// exactly one line to stdout: "lambdahost listening on http://<host>:<port>".
    void run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::app
