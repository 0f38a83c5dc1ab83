// SPDX-License-Identifier: Apache-2.0
// Dispatcher: runs queued events through the scheduler, like sync invokes (same environments,
// same concurrency leases), and decides what follows each attempt (facts §3.7): success ->
// OnSuccess destination; function error -> retry after n × base delay until
// MaximumRetryAttempts, then OnFailure destination and DeadLetterConfig; throttle or system
// error -> back off 1 s .. 5 min, not counted as a retry; maximum event age with AWS's
// look-ahead; ReservedConcurrentExecutions 0 -> ZeroReservedConcurrency at once. Every step is
// durable before it is acted on: a retry's new due time and attempt count are written, and a
// finished event is deleted in the same transaction that adds its follow-ups (destination
// deliveries, Event invokes of lambda destinations), so a crash at any point re-runs an event
// at least once and never loses one.
// Ready events are served round-robin per function (FairQueue), at most `max_in_flight` at a
// time; delayed ones wait on one timer set to the earliest due time (no polling).
// Threading: all state lives on one strand of the io_context; add() and stop() are safe from any
// thread. The resolver runs on that strand, so it must only read memory.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "async/deliverer.hpp"
#include "async/event.hpp"
#include "async/retry.hpp"
#include "model/aws_error.hpp"
#include "scheduler/scheduler.hpp"
#include "store/database.hpp"

namespace lambdahost::async {

/// What an attempt of an event runs and where its outcome goes, as the control plane has it
/// now (an update between attempts applies to the next one, facts §3.5).
struct Target {
    /// nullptr when the version cannot run now (e.g. an update in progress): `unavailable`
    /// says why and the attempt counts as a system error.
    std::shared_ptr<const scheduler::FunctionVersionSpec> spec;
    std::optional<model::AwsError> unavailable;
    std::optional<std::string> provisioned_qualifier;  // scheduler::Invocation::qualifier
    RetryPolicy policy;                                // base_delay is the dispatcher's
    std::optional<std::string> on_success;             // destination ARNs
    std::optional<std::string> on_failure;
    std::optional<std::string> dead_letter_arn;  // DeadLetterConfig.TargetArn
    std::string function_arn;                    // qualified, as records name it
    bool zero_reserved_concurrency = false;
};

/// Looks the event's function up. Throws AwsError 404 when the function or qualifier no
/// longer exists (the event then goes to the dead-letter store).
using Resolver = std::function<Target(const Event& event)>;

struct DispatcherSettings {
    std::chrono::milliseconds retry_base_delay{std::chrono::seconds(60)};
    unsigned max_in_flight = 16;
};

class Dispatcher {
public:
    Dispatcher(boost::asio::io_context& io,
               scheduler::Scheduler& scheduler,
               store::Database& db,
               Deliverer& deliverer,
               Resolver resolver,
               DispatcherSettings settings);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Takes an event whose record is durable; it runs when due.
    void add(Event event);
    /// Stops starting attempts; outcomes of attempts in flight are ignored (their events stay
    /// in the database as they were and run again after a restart).
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace lambdahost::async
