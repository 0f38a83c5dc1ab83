// SPDX-License-Identifier: Apache-2.0
// Scheduler: runs invocations in warm execution environments, pooled per function version and
// revision. It takes a concurrency slot (account limit), picks an idle environment or starts one
// (sandbox::Process running the runtime from runtimes/runtimes.json, with its own Runtime API
// listener), hands the event to the runtime's parked GET /next, arms the deadline, and completes
// with the runtime's /response or /error — or with the engine's own error on timeout, crash or
// oversize response. Idle environments are evicted after the keep-alive.
// Threading: invoke() may be called from any thread; `done` is called exactly once, on an io
// thread, and must not block.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "scheduler/invocation.hpp"

namespace lambdahost::scheduler {

struct Settings {
    std::filesystem::path runtimes_dir;  // holds runtimes.json and the shipped runtime clients
    std::filesystem::path data_dir;      // environments' private tmp dirs live in <data-dir>/envs/
    std::string endpoint_url;            // this server, for AWS_ENDPOINT_URL inside functions
    std::chrono::milliseconds keep_alive{std::chrono::minutes(10)};
    std::chrono::milliseconds start_timeout{std::chrono::seconds(20)};
    unsigned account_concurrency = 1000;
};

class Scheduler {
public:
    Scheduler(boost::asio::io_context& io, Settings settings);
    /// Kills every environment (and its process group) and waits for them.
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    using Done = std::function<void(InvocationOutcome)>;
    void invoke(std::shared_ptr<const FunctionVersionSpec> spec, Invocation invocation, Done done);

    /// Stops every environment now (server shutdown).
    void shutdown();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::scheduler
