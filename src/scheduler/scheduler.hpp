// SPDX-License-Identifier: Apache-2.0
// Scheduler: runs invocations in warm execution environments, pooled per function version and
// revision. It takes a concurrency slot (account limit), picks an idle environment or starts one
// (sandbox::Process running the runtime from runtimes/runtimes.json, with its own Runtime API
// listener), hands the event to the runtime's parked GET /next, arms the deadline, and completes
// with the runtime's /response or /error — or with the engine's own error on timeout, crash or
// oversize response. Idle environments are evicted after the keep-alive.
// Threading: invoke() may be called from any thread; `done` is called exactly once, on an io
// thread (the loop of the environment that ran the invocation, which is the caller's own loop
// whenever an environment there was free), and must not block.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "sandbox/sandbox.hpp"
#include "scheduler/concurrency.hpp"
#include "scheduler/invocation.hpp"
#include "util/io_loops.hpp"

namespace lambdahost::scheduler {

struct Settings {
    std::filesystem::path runtimes_dir;  // holds runtimes.json and the shipped runtime clients
    std::filesystem::path data_dir;      // environments' private tmp dirs live in <data-dir>/envs/
    std::string endpoint_url;            // this server, for AWS_ENDPOINT_URL inside functions
    std::chrono::milliseconds keep_alive{std::chrono::minutes(10)};
    std::chrono::milliseconds start_timeout{std::chrono::seconds(20)};
    unsigned account_concurrency = 1000;
    /// Confines every environment; null: unconfined (sandbox::Sandbox::unconfined).
    std::shared_ptr<const sandbox::Sandbox> sandboxing;
};

class Scheduler {
public:
    /// Environments live on `loops` (each on the loop of the invocation that started it).
    Scheduler(util::IoLoops& loops, Settings settings);
    /// Kills every environment (and its process group) and waits for them.
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    using Done = std::function<void(InvocationOutcome)>;
    /// Takes a concurrency lease (limits()) or answers 429 TooManyRequestsException, then runs
    /// the invocation.
    void invoke(std::shared_ptr<const FunctionVersionSpec> spec, Invocation invocation, Done done);

    /// The leases of every invocation; the control plane configures each function's limits.
    ConcurrencyLimits& limits();

    /// Provisioned concurrency (facts §3.6): starts `count` environments of `spec` that run
    /// their init without an invocation, carry AWS_LAMBDA_INITIALIZATION_TYPE=
    /// provisioned-concurrency, are never evicted for idleness and serve the invocations that
    /// hold a provisioned lease of `qualifier` first. Replaces an earlier provisioning of the
    /// same (scope, function, qualifier). `done(true)` once all are initialised; `done(false)`
    /// when one fails its init, and the others are stopped. Called at most once, on an io
    /// thread; not called when the provisioning is replaced or removed first.
    using Provisioned = std::function<void(bool ready)>;
    void provision(std::shared_ptr<const FunctionVersionSpec> spec,
                   const std::string& qualifier,
                   unsigned count,
                   Provisioned done);
    /// Stops the provisioned environments of (scope, function, qualifier): idle ones now, busy
    /// ones when their invocation ends.
    void deprovision(const model::Scope& scope,
                     const std::string& function,
                     const std::string& qualifier);

    /// The environments of `spec`'s revision are no longer wanted (its version was deleted, or
    /// an update superseded it): idle ones stop now, busy ones when their invocation ends.
    /// Then the pool lets go of the spec (and of its code_pin).
    void retire(const std::shared_ptr<const FunctionVersionSpec>& spec);

    /// Stops every environment now (server shutdown).
    void shutdown();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::scheduler
