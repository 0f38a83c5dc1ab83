// SPDX-License-Identifier: Apache-2.0
// The async records in their own SQLite file, <data-dir>/async.db, through store::Database (its
// writer thread and group commit, so many concurrent Event invokes share one fsync): the queue
// (kind "event"), deliveries in progress ("delivery") and the dead-letter store ("dead_letter").
// A separate file from lambdahost.db so a flood of events never queues behind, or bloats the
// WAL of, the function catalog. Also the operations on the dead-letter store that the server
// and the offline `lambdahost dlq` command share, and the lock that keeps them apart.
// Threading: as store::Database; the loaders read committed data only.
#pragma once

#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "async/event.hpp"
#include "store/database.hpp"

namespace lambdahost::async {

/// For Database::submit callbacks nobody waits on: logs a failed commit naming `what`.
void log_if_failed(std::exception_ptr error, std::string_view what);

/// <data-dir>/async.db
std::filesystem::path database_file(const std::filesystem::path& data_dir);

store::Write put(const Event& event);
store::Write put(const Delivery& delivery);
store::Write put(const DeadLetter& dead_letter);
store::Write erase(std::string_view kind, const std::string& id);

/// The queue in enqueue order.
std::vector<Event> load_events(store::Database& db);
std::vector<Delivery> load_deliveries(store::Database& db);
/// The dead-letter store, oldest first.
std::vector<DeadLetter> load_dead_letters(store::Database& db);
std::optional<DeadLetter> find_dead_letter(store::Database& db, const std::string& id);

/// What a redrive makes of a dead letter: its delivery again, or its event as if just
/// enqueued (attempt count kept, age restarted).
struct Redriven {
    std::optional<Delivery> delivery;
    std::optional<Event> event;
};
Redriven redriven(const DeadLetter& dead_letter, EpochMs now);
/// The batch that turns `dead_letter` into `redriven` atomically.
std::vector<store::Write> redrive_batch(const DeadLetter& dead_letter, const Redriven& redriven);

/// An exclusive advisory lock (flock) on <data-dir>/async.lock. The server holds it while it
/// runs; the offline `lambdahost dlq redrive|purge` takes it, so it never writes beside a
/// running server (which it must reach through --endpoint instead).
class DataDirLock {
public:
    /// Throws std::runtime_error when another process holds the lock (`holder_hint` says who
    /// that is expected to be).
    DataDirLock(const std::filesystem::path& data_dir, std::string_view holder_hint);
    ~DataDirLock();
    DataDirLock(const DataDirLock&) = delete;
    DataDirLock& operator=(const DataDirLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace lambdahost::async
