// SPDX-License-Identifier: Apache-2.0
// Async records on store::Database (see store.hpp).
#include "async/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

namespace lambdahost::async {
namespace {

template <typename T, typename Read>
std::vector<T> load(store::Database& db, std::string_view kind, Read read) {
    std::vector<T> items;
    for (const store::Record& record : db.load(std::string(kind))) {
        items.push_back(read(record.document));
    }
    return items;
}

}  // namespace

void log_if_failed(std::exception_ptr error, std::string_view what) {
    if (!error) {
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& failure) {
        spdlog::error("async store: {} failed: {}", what, failure.what());
    }
}

std::filesystem::path database_file(const std::filesystem::path& data_dir) {
    return data_dir / "async.db";
}

store::Write put(const Event& event) {
    return {std::string(kEventKind), event.id, to_document(event)};
}

store::Write put(const Delivery& delivery) {
    return {std::string(kDeliveryKind), delivery.id, to_document(delivery)};
}

store::Write put(const DeadLetter& dead_letter) {
    return {std::string(kDeadLetterKind), dead_letter.id, to_document(dead_letter)};
}

store::Write erase(std::string_view kind, const std::string& id) {
    return {std::string(kind), id, std::nullopt};
}

std::vector<Event> load_events(store::Database& db) {
    auto events = load<Event>(db, kEventKind, event_from_document);
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.enqueued_at < b.enqueued_at;
    });
    return events;
}

std::vector<Delivery> load_deliveries(store::Database& db) {
    return load<Delivery>(db, kDeliveryKind, delivery_from_document);
}

std::vector<DeadLetter> load_dead_letters(store::Database& db) {
    auto dead_letters = load<DeadLetter>(db, kDeadLetterKind, dead_letter_from_document);
    std::stable_sort(
        dead_letters.begin(), dead_letters.end(), [](const DeadLetter& a, const DeadLetter& b) {
            return a.failed_at < b.failed_at;
        });
    return dead_letters;
}

std::optional<DeadLetter> find_dead_letter(store::Database& db, const std::string& id) {
    const auto document = db.get(std::string(kDeadLetterKind), id);
    if (!document) {
        return std::nullopt;
    }
    return dead_letter_from_document(*document);
}

Redriven redriven(const DeadLetter& dead_letter, EpochMs now) {
    Redriven result;
    if (dead_letter.delivery) {
        result.delivery = dead_letter.delivery;
    } else {
        Event event = dead_letter.event.value();
        event.enqueued_at = now;
        event.due_at = now;
        event.system_failures = 0;
        result.event = std::move(event);
    }
    return result;
}

std::vector<store::Write> redrive_batch(const DeadLetter& dead_letter, const Redriven& redriven) {
    std::vector<store::Write> batch{erase(kDeadLetterKind, dead_letter.id)};
    if (redriven.delivery) {
        batch.push_back(put(*redriven.delivery));
    }
    if (redriven.event) {
        batch.push_back(put(*redriven.event));
    }
    return batch;
}

DataDirLock::DataDirLock(const std::filesystem::path& data_dir, std::string_view holder_hint) {
    const std::filesystem::path file = data_dir / "async.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        throw std::runtime_error(
            fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd_);
        if (error == EWOULDBLOCK) {
            throw std::runtime_error(
                fmt::format("{} is locked: {}", data_dir.string(), holder_hint));
        }
        throw std::runtime_error(
            fmt::format("cannot lock {}: {}", file.string(), std::strerror(error)));
    }
}

DataDirLock::~DataDirLock() {
    ::close(fd_);  // releases the flock
}

}  // namespace lambdahost::async
