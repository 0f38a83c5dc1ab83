// SPDX-License-Identifier: Apache-2.0
// async::Service: asynchronous invocation as the rest of the server sees it. Owns the async
// database (<data-dir>/async.db and its lock), the Deliverer and the Dispatcher; enqueue() is
// the durable half of an Event invoke (the 202 is sent from its callback, after the fsync), and
// the dead-letter store operations back the /_lambdahost/dlq admin routes.
// Threading: enqueue() never blocks (io threads); the dead-letter operations wait for the
// database and run on the blocking pool. start() once, stop() before the scheduler stops.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "async/deliverer.hpp"
#include "async/dispatcher.hpp"
#include "async/event.hpp"
#include "scheduler/scheduler.hpp"

namespace lambdahost::async {

struct Settings {
    std::filesystem::path data_dir;
    DispatcherSettings dispatch;
    DeliverySettings delivery;
};

class Service {
public:
    /// Opens <data-dir>/async.db and takes the data directory's async lock. Throws
    /// std::runtime_error when either fails.
    explicit Service(Settings settings);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// Starts dispatching: loads the queue and the deliveries left by the last run.
    void start(boost::asio::io_context& io, scheduler::Scheduler& scheduler, Resolver resolver);
    /// Stops dispatching and delivering; what is left stays in the database for the next start.
    void stop();

    /// Makes `event` durable, then calls `settled` on the database writer thread (nullptr on
    /// success, else the commit's exception) and dispatches it. `settled` must not block.
    using Settled = std::function<void(std::exception_ptr error)>;
    void enqueue(Event event, Settled settled);

    // Dead-letter store (blocking: for the blocking pool).
    std::vector<DeadLetter> dead_letters();
    std::optional<DeadLetter> dead_letter(const std::string& id);
    /// Sends one dead letter on again (its delivery, or its event to the dispatcher); false if
    /// there is no such entry.
    bool redrive(const std::string& id);
    std::size_t redrive_all();
    bool purge(const std::string& id);
    std::size_t purge_all();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::async
