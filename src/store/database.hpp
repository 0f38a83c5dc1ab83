// SPDX-License-Identifier: Apache-2.0
// Database: the durable metadata store, SQLite in WAL mode at <data-dir>/lambdahost.db.
//
// Records are (kind, key) -> document in one table, `records`; the schema version is SQLite's
// `PRAGMA user_version` and migrations run at open. One writer thread owns the write connection and
// group-commits: every batch queued while a transaction is in flight goes into the next one, and
// each batch's future completes only once its transaction is durable (synchronous=FULL). Batches
// commit in submission order. Reads use a second connection (WAL lets them run beside the
// writer) and see only committed data. Threading: submit() and load() are safe from any thread;
// callers that wait on the future must not be io threads.
#pragma once

#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambdahost::store {

struct Record {
    std::string kind;  // "function", ...
    std::string key;   // unique within kind, e.g. "000000000000/us-east-1/my-fn"
    std::string document;
};

struct Write {
    std::string kind;
    std::string key;
    std::optional<std::string> document;  // nullopt erases the record
};

class Database {
public:
    /// Opens (creating if needed) the database file, applies schema migrations and starts the
    /// writer thread. Throws std::runtime_error naming the file on failure.
    explicit Database(const std::filesystem::path& file);
    /// Commits everything already submitted, then stops the writer.
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Every record of one kind, ordered by key. Meant for start-up loading.
    std::vector<Record> load(const std::string& kind);
    /// The durable document of one record, nullopt when absent (re-syncing after a failed
    /// commit).
    std::optional<std::string> get(const std::string& kind, const std::string& key);

    /// Queues a batch to be applied atomically. The future is ready when it is durable, or holds
    /// the exception if the transaction failed (then nothing of the batch was applied).
    std::future<void> submit(std::vector<Write> batch);

    /// submit() and wait.
    void commit(std::vector<Write> batch) { submit(std::move(batch)).get(); }

    /// submit() for callers that must not wait (io threads): `on_settled` runs on the writer
    /// thread once the batch is durable (with nullptr) or failed (with the exception), in the
    /// same group commit as any other batch. It must be short and must not throw or block.
    using Settled = std::function<void(std::exception_ptr error)>;
    void submit(std::vector<Write> batch, Settled on_settled);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::store
