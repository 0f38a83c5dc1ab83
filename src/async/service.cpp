// SPDX-License-Identifier: Apache-2.0
// async::Service (see service.hpp). Shutdown order: the dispatcher stops taking outcomes, an
// empty commit flushes the database writer (so no callback of an earlier batch still runs),
// then the deliverer's threads finish their calls.
#include "async/service.hpp"

#include <mutex>

#include <spdlog/spdlog.h>

#include "async/store.hpp"
#include "store/database.hpp"

namespace lambdahost::async {

struct Service::Impl {
    explicit Impl(Settings service_settings)
        : settings(std::move(service_settings)),
          lock(settings.data_dir, "another lambdahost server uses this data directory"),
          db(database_file(settings.data_dir)) {}

    /// Hands a redriven entry on, once its batch is durable.
    void hand_on(Redriven redriven) {
        if (redriven.delivery && deliverer) {
            deliverer->deliver(std::move(*redriven.delivery));
        }
        if (redriven.event && dispatcher) {
            dispatcher->add(std::move(*redriven.event));
        }
    }

    void redrive(const DeadLetter& entry) {
        Redriven next = redriven(entry, now_ms());
        db.commit(redrive_batch(entry, next));
        spdlog::info("async: redrove dead letter {} to {}", entry.id, entry.target());
        hand_on(std::move(next));
    }

    Settings settings;
    DataDirLock lock;
    store::Database db;
    std::optional<Deliverer> deliverer;
    std::optional<Dispatcher> dispatcher;
    std::mutex dead_letter_mutex;  // one redrive/purge at a time: no entry is handed on twice
};

Service::Service(Settings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

Service::~Service() {
    stop();
}

void Service::start(boost::asio::io_context& io,
                    scheduler::Scheduler& scheduler,
                    Resolver resolver) {
    impl_->deliverer.emplace(impl_->db, impl_->settings.delivery);
    impl_->dispatcher.emplace(
        io, scheduler, impl_->db, *impl_->deliverer, std::move(resolver), impl_->settings.dispatch);
    const std::vector<Event> events = load_events(impl_->db);
    const std::vector<Delivery> deliveries = load_deliveries(impl_->db);
    if (!events.empty() || !deliveries.empty()) {
        spdlog::info("async: resuming {} queued event(s) and {} delivery(ies)",
                     events.size(),
                     deliveries.size());
    }
    for (const Event& event : events) {
        impl_->dispatcher->add(event);
    }
    for (const Delivery& delivery : deliveries) {
        impl_->deliverer->deliver(delivery);
    }
}

void Service::stop() {
    if (impl_->dispatcher) {
        impl_->dispatcher->stop();
    }
    impl_->db.commit({});  // every earlier batch's callback has run once this returns
    if (impl_->deliverer) {
        impl_->deliverer->stop();
    }
}

void Service::enqueue(Event event, Settled settled) {
    std::vector<store::Write> batch{put(event)};
    impl_->db.submit(std::move(batch),
                     [impl = impl_.get(), event = std::move(event), settled = std::move(settled)](
                         std::exception_ptr error) mutable {
                         settled(error);
                         if (!error && impl->dispatcher) {
                             impl->dispatcher->add(std::move(event));
                         }
                     });
}

std::vector<DeadLetter> Service::dead_letters() {
    return load_dead_letters(impl_->db);
}

std::optional<DeadLetter> Service::dead_letter(const std::string& id) {
    return find_dead_letter(impl_->db, id);
}

bool Service::redrive(const std::string& id) {
    std::lock_guard lock(impl_->dead_letter_mutex);
    const std::optional<DeadLetter> entry = find_dead_letter(impl_->db, id);
    if (!entry) {
        return false;
    }
    impl_->redrive(*entry);
    return true;
}

std::size_t Service::redrive_all() {
    std::lock_guard lock(impl_->dead_letter_mutex);
    const std::vector<DeadLetter> entries = load_dead_letters(impl_->db);
    for (const DeadLetter& entry : entries) {
        impl_->redrive(entry);
    }
    return entries.size();
}

bool Service::purge(const std::string& id) {
    std::lock_guard lock(impl_->dead_letter_mutex);
    if (!find_dead_letter(impl_->db, id)) {
        return false;
    }
    impl_->db.commit({erase(kDeadLetterKind, id)});
    return true;
}

std::size_t Service::purge_all() {
    std::lock_guard lock(impl_->dead_letter_mutex);
    std::vector<store::Write> batch;
    for (const DeadLetter& entry : load_dead_letters(impl_->db)) {
        batch.push_back(erase(kDeadLetterKind, entry.id));
    }
    const std::size_t count = batch.size();
    impl_->db.commit(std::move(batch));
    return count;
}

}  // namespace lambdahost::async
