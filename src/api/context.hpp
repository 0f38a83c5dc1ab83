// SPDX-License-Identifier: Apache-2.0
// What handlers act on: the catalog, the code store, background work, settings and, for
// Invoke, the scheduler. Built once by app::Server; handlers get it by reference.
#pragma once

#include <chrono>
#include <functional>

#include "api/code_pins.hpp"
#include "api/version_specs.hpp"
#include "async/service.hpp"
#include "scheduler/scheduler.hpp"
#include "store/catalog.hpp"
#include "store/code_store.hpp"

namespace lambdahost::api {

/// Runs work off the io threads. Provided by app (an Asio thread pool with timers).
class Executor {
public:
    virtual ~Executor() = default;
    /// Runs `task` on the blocking pool.
    virtual void post(std::function<void()> task) = 0;
    /// Runs `task` on the blocking pool after `delay`.
    virtual void post_after(std::chrono::milliseconds delay, std::function<void()> task) = 0;
};

struct Settings {
    /// Minimum time a function spends in Pending (create) or InProgress (update) before the
    /// transition to Active/Successful. 0: as soon as the code is ready.
    std::chrono::milliseconds state_transition_delay{0};
    /// ConcurrentExecutions of every account (--account-concurrency; AWS's default, facts §3.6).
    unsigned account_concurrency = 1000;
};

struct Context {
    store::Catalog& catalog;
    store::CodeStore& code_store;
    Executor& executor;
    Settings settings;
    /// Guards packages between CodeStore::put and the catalog mutation (code_pins.hpp).
    CodePins code_pins{catalog, code_store, executor};
    /// Runs invocations. Set by app::Server once it is built; null where nothing is invoked
    /// (control-plane tests), and Invoke then answers ServiceException.
    lambdahost::scheduler::Scheduler* scheduler = nullptr;  // qualified: the member hides it
    /// What Invoke hands the scheduler, per function version (version_specs.hpp).
    VersionSpecs version_specs{&code_pins};
    /// The durable queue of Event invokes and the dead-letter store. Set by app::Server; null
    /// where nothing is invoked, and Event invokes then answer ServiceException.
    async::Service* events = nullptr;
};

}  // namespace lambdahost::api
