// SPDX-License-Identifier: Apache-2.0
// Dispatcher (see dispatcher.hpp). Every handler runs on `strand`; scheduler completions and
// database callbacks are posted back to it. Impl is shared with those handlers, so it outlives
// an attempt whose outcome arrives during shutdown (then ignored).
#include "async/dispatcher.hpp"

#include <atomic>
#include <future>
#include <map>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/system_timer.hpp>
#include <spdlog/spdlog.h>

#include "async/destination.hpp"
#include "async/fair_queue.hpp"
#include "async/record.hpp"
#include "async/store.hpp"
#include "util/ids.hpp"

namespace lambdahost::async {
namespace {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;

/// Fairness is per function, whatever the qualifier.
std::string function_key(const Event& event) {
    return event.scope.account + '/' + event.scope.region + '/' + event.function_name;
}

/// The event a lambda destination receives: an Event invoke of the target with `record`.
Event destination_event(const Event& source,
                        const std::string& target_arn,
                        const TargetArn& arn,
                        const FunctionTarget& target,
                        std::string record,
                        EpochMs now) {
    Event event;
    event.id = util::uuid4();
    event.scope = {arn.account.empty() ? source.scope.account : arn.account,
                   arn.region.empty() ? source.scope.region : arn.region};
    event.function_name = target.name;
    event.qualifier = target.qualifier;
    event.invoked_arn = target_arn;
    event.payload = std::move(record);
    event.trace_id = source.trace_id;
    event.enqueued_at = now;
    event.due_at = now;
    return event;
}

}  // namespace

struct Dispatcher::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io,
         scheduler::Scheduler& engine,
         store::Database& database,
         Deliverer& delivery,
         Resolver resolve,
         DispatcherSettings dispatcher_settings)
        : strand(asio::make_strand(io)),
          timer(std::make_unique<asio::system_timer>(strand)),
          scheduler(engine),
          db(database),
          deliverer(delivery),
          resolver(std::move(resolve)),
          settings(dispatcher_settings) {}

    // --- queueing -----------------------------------------------------------------------

    void enqueue(Event event) {
        if (stopped) {
            return;
        }
        if (event.due_at <= now_ms()) {
            const std::string key = function_key(event);
            ready.push(key, std::move(event));
        } else {
            const EpochMs due = event.due_at;
            delayed.emplace(due, std::move(event));
            arm();
        }
        pump();
    }

    /// Sets the timer to the earliest delayed event unless it already wakes up before that.
    void arm() {
        if (delayed.empty() || !timer) {
            return;
        }
        const EpochMs first = delayed.begin()->first;
        if (armed_for && *armed_for <= first) {
            return;
        }
        armed_for = first;
        timer->expires_at(std::chrono::system_clock::time_point(std::chrono::milliseconds(first)));
        timer->async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) {  // operation_aborted: replaced by an earlier wake-up, or stopping
                self->armed_for.reset();
                self->on_timer();
            }
        });
    }

    void on_timer() {
        if (stopped) {
            return;
        }
        const EpochMs now = now_ms();
        while (!delayed.empty() && delayed.begin()->first <= now) {
            Event event = std::move(delayed.begin()->second);
            delayed.erase(delayed.begin());
            const std::string key = function_key(event);
            ready.push(key, std::move(event));
        }
        arm();
        pump();
    }

    void pump() {
        while (!stopped && in_flight < settings.max_in_flight && !ready.empty()) {
            start(std::move(*ready.pop()));
        }
    }

    // --- attempts -----------------------------------------------------------------------

    void start(Event event) {
        Target target;
        try {
            target = resolver(event);
        } catch (const model::AwsError& error) {
            if (error.status() == 404) {
                to_dead_letter(std::move(event), error.message());
                return;
            }
            target.unavailable = error;
        } catch (const std::exception& error) {
            spdlog::error("async: resolving {} failed: {}", event.invoked_arn, error.what());
            target.unavailable = model::errors::service(error.what());
        }
        if (target.function_arn.empty()) {
            target.function_arn = event.invoked_arn;
        }
        target.policy.base_delay = settings.retry_base_delay;

        if (expired(event, target.policy, now_ms())) {
            const std::optional<AttemptResult> last = event.last_result;
            finish(std::move(event), Condition::EventAgeExceeded, target, last);
            return;
        }
        if (target.zero_reserved_concurrency) {
            // AWS: straight to the failure destination, invokeCount 0 (facts §3.6).
            finish(std::move(event), Condition::ZeroReservedConcurrency, target, std::nullopt);
            return;
        }
        if (!target.spec) {
            system_failure(std::move(event),
                           target.unavailable.value_or(model::errors::service("not runnable")),
                           target);
            return;
        }

        scheduler::Invocation invocation;
        invocation.request_id = event.id;  // AWS: one request id for every attempt (facts §3.7)
        invocation.payload = event.payload;
        invocation.invoked_function_arn = event.invoked_arn;
        invocation.client_context = event.client_context;
        invocation.trace_id = event.trace_id;
        invocation.qualifier = target.provisioned_qualifier;
        ++in_flight;
        auto spec = target.spec;
        scheduler.invoke(
            std::move(spec),
            std::move(invocation),
            [self = shared_from_this(), event = std::move(event), target = std::move(target)](
                scheduler::InvocationOutcome outcome) mutable {
                asio::post(self->strand,
                           [self,
                            event = std::move(event),
                            target = std::move(target),
                            outcome = std::move(outcome)]() mutable {
                               self->on_outcome(std::move(event), target, std::move(outcome));
                           });
            });
    }

    void on_outcome(Event event, const Target& target, scheduler::InvocationOutcome outcome) {
        --in_flight;
        if (stopped) {
            return;
        }
        if (outcome.result) {
            scheduler::InvocationResult& result = *outcome.result;
            ++event.attempts;
            event.system_failures = 0;
            AttemptResult ran{200,
                              std::move(result.function_error),
                              std::move(result.executed_version),
                              std::move(result.payload)};
            if (!ran.function_error) {
                finish(std::move(event), Condition::Success, target, std::move(ran));
            } else {
                event.last_result = std::move(ran);
                const Decision decision = after_function_error(event, target.policy, now_ms());
                conclude(std::move(event), decision, target);
            }
        } else {
            system_failure(
                std::move(event),
                outcome.error.value_or(model::errors::service("the invocation ended without a "
                                                              "result")),
                target);
        }
        pump();
    }

    /// A throttle (429, e.g. reserved concurrency in use) or a system error: back off without
    /// counting a retry.
    void system_failure(Event event, const model::AwsError& error, const Target& target) {
        ++event.system_failures;
        spdlog::debug("async: {} for {}: {} {} (backing off, #{})",
                      event.id,
                      event.invoked_arn,
                      error.status(),
                      error.message(),
                      event.system_failures);
        if (!function_response(event.last_result)) {
            event.last_result = AttemptResult{error.status(), std::nullopt, "", error.message()};
        }
        const Decision decision = after_system_error(event, target.policy, now_ms());
        conclude(std::move(event), decision, target);
    }

    void conclude(Event event, const Decision& decision, const Target& target) {
        if (decision.condition) {
            const std::optional<AttemptResult> last = event.last_result;
            finish(std::move(event), *decision.condition, target, last);
            return;
        }
        event.due_at = decision.due_at;
        db.submit({put(event)},
                  [](std::exception_ptr error) { log_if_failed(error, "rescheduling an event"); });
        spdlog::debug("async: {} for {}: retry scheduled in {} ms (attempts {})",
                      event.id,
                      event.invoked_arn,
                      event.due_at - now_ms(),
                      event.attempts);
        const EpochMs due = event.due_at;
        delayed.emplace(due, std::move(event));
        arm();
    }

    // --- endings ------------------------------------------------------------------------

    /// Deletes the event and adds its follow-ups in one transaction, then hands them on.
    void finish(Event event,
                Condition condition,
                const Target& target,
                const std::optional<AttemptResult>& response) {
        const EpochMs now = now_ms();
        spdlog::debug("async: {} for {} finished: {} after {} attempt(s)",
                      event.id,
                      event.invoked_arn,
                      condition_name(condition),
                      event.attempts);
        std::vector<store::Write> batch{erase(kEventKind, event.id)};
        std::vector<Event> events;
        std::vector<Delivery> deliveries;
        const bool success = condition == Condition::Success;
        const std::optional<std::string>& destination =
            success ? target.on_success : target.on_failure;
        if (destination) {
            std::string record =
                destination_record(event, target.function_arn, condition, response, now);
            const std::optional<TargetArn> arn = parse_target_arn(*destination);
            const std::optional<FunctionTarget> function =
                arn ? function_target(*arn) : std::nullopt;
            if (function) {
                events.push_back(destination_event(
                    event, *destination, *arn, *function, std::move(record), now));
            } else {
                deliveries.push_back(Delivery{util::uuid4(),
                                              *destination,
                                              success ? "OnSuccess" : "OnFailure",
                                              std::move(record),
                                              {},
                                              target.function_arn,
                                              event.id});
            }
        }
        if (!success && target.dead_letter_arn) {
            deliveries.push_back(
                dead_letter_message(event, *target.dead_letter_arn, target.function_arn));
        }
        for (const Event& next : events) {
            batch.push_back(put(next));
        }
        for (const Delivery& delivery : deliveries) {
            batch.push_back(put(delivery));
        }
        db.submit(std::move(batch),
                  [self = shared_from_this(),
                   events = std::move(events),
                   deliveries = std::move(deliveries)](std::exception_ptr error) mutable {
                      if (error) {
                          log_if_failed(error, "finishing an event");
                          return;
                      }
                      self->hand_on(std::move(events), std::move(deliveries));
                  });
    }

    /// The function is gone: keep the event in the dead-letter store.
    void to_dead_letter(Event event, std::string error) {
        spdlog::warn("async: moving {} for {} to the dead-letter store: {}",
                     event.id,
                     event.invoked_arn,
                     error);
        const std::string id = event.id;
        const DeadLetter entry{util::uuid4(), now_ms(), std::move(error), {}, std::move(event)};
        db.submit({erase(kEventKind, id), put(entry)}, [](std::exception_ptr failure) {
            log_if_failed(failure, "moving an event to the dead-letter store");
        });
    }

    /// Durable follow-ups go on (called on the database writer thread).
    void hand_on(std::vector<Event> events, std::vector<Delivery> deliveries) {
        if (stopped) {
            return;  // all of it is in the database: the next start picks it up
        }
        for (Delivery& delivery : deliveries) {
            deliverer.deliver(std::move(delivery));
        }
        for (Event& event : events) {
            asio::post(strand, [self = shared_from_this(), event = std::move(event)]() mutable {
                self->enqueue(std::move(event));
            });
        }
    }

    Strand strand;
    std::unique_ptr<asio::system_timer> timer;  // on the strand; reset by stop()
    scheduler::Scheduler& scheduler;
    store::Database& db;
    Deliverer& deliverer;
    const Resolver resolver;
    const DispatcherSettings settings;
    std::atomic<bool> stopped{false};

    // On the strand only.
    FairQueue<Event> ready;
    std::multimap<EpochMs, Event> delayed;  // by due time
    std::optional<EpochMs> armed_for;       // when the timer wakes up, if it is waiting
    unsigned in_flight = 0;
};

Dispatcher::Dispatcher(boost::asio::io_context& io,
                       scheduler::Scheduler& scheduler,
                       store::Database& db,
                       Deliverer& deliverer,
                       Resolver resolver,
                       DispatcherSettings settings)
    : impl_(std::make_shared<Impl>(io, scheduler, db, deliverer, std::move(resolver), settings)) {}

Dispatcher::~Dispatcher() {
    stop();
}

void Dispatcher::add(Event event) {
    asio::post(impl_->strand, [impl = impl_, event = std::move(event)]() mutable {
        impl->enqueue(std::move(event));
    });
}

void Dispatcher::stop() {
    if (impl_->stopped.exchange(true)) {
        return;
    }
    // The timer must go while its io_context runs: on the strand, waited for (bounded, in case
    // the io threads are already gone; then it goes with Impl).
    auto done = std::make_shared<std::promise<void>>();
    asio::post(impl_->strand, [impl = impl_, done] {
        impl->timer.reset();
        done->set_value();
    });
    if (done->get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        spdlog::warn("async: the dispatcher's timer was not released (io threads stopped?)");
    }
}

}  // namespace lambdahost::async
