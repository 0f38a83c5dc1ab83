// SPDX-License-Identifier: Apache-2.0
// Database on the SQLite 3 C API. Two connections: the writer thread's (the only one that writes,
// so transactions never contend inside the process) and a read connection for load()/get(),
// serialised by a mutex. The writer takes every queued batch at once and applies them in one
// BEGIN IMMEDIATE ... COMMIT (group commit); with synchronous=FULL in WAL mode the COMMIT returns
// only once the WAL is fsync'd, so fulfilled futures mean durable data.
// Schema (user_version 1):
//   records(kind TEXT, key TEXT, document TEXT, PRIMARY KEY(kind, key)) WITHOUT ROWID
#include "store/database.hpp"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

namespace lambdahost::store {
namespace {

// Each entry upgrades the schema from user_version i to i + 1. Append only: never edit a
// migration that has shipped.
constexpr std::string_view kMigrations[] = {
    R"sql(
    CREATE TABLE records (
        kind TEXT NOT NULL CHECK (kind <> ''),
        key TEXT NOT NULL CHECK (key <> ''),
        document TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// Another process (an operator's sqlite3 shell, a backup) may briefly hold the file lock.
constexpr int kBusyTimeoutMs = 5000;

struct ConnectionCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& file, std::string_view what) {
    throw std::runtime_error(
        fmt::format("{}: {} failed: {}", file.string(), what, sqlite3_errmsg(db)));
}

void exec(sqlite3* db, const std::filesystem::path& file, std::string_view sql) {
    if (sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        fail(db, file, sql);
    }
}

Statement prepare(sqlite3* db, const std::filesystem::path& file, std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db,
                           sql.data(),
                           static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT,
                           &stmt,
                           nullptr) != SQLITE_OK) {
        fail(db, file, sql);
    }
    return Statement(stmt);
}

void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
    // SQLITE_STATIC: the caller keeps `text` alive until the statement is reset.
    sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

std::string column_text(sqlite3_stmt* stmt, int index) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
    return std::string(text ? text : "",
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)));
}

// Resets the statement (and drops its bindings) when leaving scope, error or not, so the next
// use starts clean and no read transaction stays open.
class ResetGuard {
public:
    explicit ResetGuard(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~ResetGuard() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    ResetGuard(const ResetGuard&) = delete;
    ResetGuard& operator=(const ResetGuard&) = delete;

private:
    sqlite3_stmt* stmt_;
};

// Runs a statement that yields at least one row and returns it positioned on the first row.
Statement query_row(sqlite3* db, const std::filesystem::path& file, std::string_view sql) {
    Statement stmt = prepare(db, file, sql);
    if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
        fail(db, file, sql);
    }
    return stmt;
}

Connection open_connection(const std::filesystem::path& file) {
    sqlite3* raw = nullptr;
    // NOMUTEX: each connection is used by one thread at a time (the writer, or under read_mutex).
    const int rc = sqlite3_open_v2(file.c_str(),
                                   &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK) {
        if (!db) {
            throw std::runtime_error(fmt::format(
                "{}: opening the database failed: {}", file.string(), sqlite3_errstr(rc)));
        }
        fail(db.get(), file, "opening the database");
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    exec(db.get(), file, "PRAGMA synchronous=FULL");
    return db;
}

// Runs the migrations still missing, each with its user_version bump in one transaction, so a
// crash mid-migration leaves the previous version intact.
void migrate(sqlite3* db, const std::filesystem::path& file) {
    for (;;) {
        exec(db, file, "BEGIN IMMEDIATE");
        try {
            const int version =
                sqlite3_column_int(query_row(db, file, "PRAGMA user_version").get(), 0);
            if (version > kSchemaVersion) {
                throw std::runtime_error(
                    fmt::format("{}: schema version {} is newer than this lambdahost supports ({})",
                                file.string(),
                                version,
                                kSchemaVersion));
            }
            if (version == kSchemaVersion) {
                exec(db, file, "COMMIT");
                return;
            }
            exec(db, file, kMigrations[version]);
            exec(db, file, fmt::format("PRAGMA user_version={}", version + 1));
            exec(db, file, "COMMIT");
        } catch (...) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

}  // namespace

struct Database::Impl {
    struct Pending {
        std::vector<Write> batch;
        std::promise<void> durable;
        Settled on_settled;  // set instead of using `durable` (submit with a callback)

        void settle(std::exception_ptr error) {
            if (on_settled) {
                on_settled(error);
            } else if (error) {
                durable.set_exception(error);
            } else {
                durable.set_value();
            }
        }
    };

    explicit Impl(std::filesystem::path path) : file(std::move(path)) {
        writer_db = open_connection(file);
        // WAL: readers never block the writer and a commit is one sequential fsync.
        const std::string mode =
            column_text(query_row(writer_db.get(), file, "PRAGMA journal_mode=WAL").get(), 0);
        if (mode != "wal") {
            throw std::runtime_error(
                fmt::format("{}: PRAGMA journal_mode=WAL failed: the journal mode stayed '{}'",
                            file.string(),
                            mode));
        }
        migrate(writer_db.get(), file);
        upsert = prepare(writer_db.get(),
                         file,
                         "INSERT INTO records(kind, key, document) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT(kind, key) DO UPDATE SET document = excluded.document");
        erase = prepare(writer_db.get(), file, "DELETE FROM records WHERE kind = ?1 AND key = ?2");

        reader_db = open_connection(file);
        select_kind = prepare(reader_db.get(),
                              file,
                              "SELECT key, document FROM records WHERE kind = ?1 ORDER BY key");
        select_one = prepare(
            reader_db.get(), file, "SELECT document FROM records WHERE kind = ?1 AND key = ?2");

        writer = std::thread([this] { run_writer(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(queue_mutex);
            stopping = true;
        }
        queue_ready.notify_one();
        writer.join();
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    // Exits only once the queue is empty after stop, so everything submitted before the
    // destructor is committed.
    void run_writer() {
        for (;;) {
            std::vector<Pending> group;
            {
                std::unique_lock lock(queue_mutex);
                queue_ready.wait(lock, [this] { return stopping || !queue.empty(); });
                if (queue.empty()) {
                    return;
                }
                group.swap(queue);
            }
            commit_group(group);
        }
    }

    void commit_group(std::vector<Pending>& group) {
        try {
            exec(writer_db.get(), file, "BEGIN IMMEDIATE");
            for (const Pending& pending : group) {
                for (const Write& write : pending.batch) {
                    apply(write);
                }
            }
            exec(writer_db.get(), file, "COMMIT");
        } catch (...) {
            // A failed COMMIT may already have rolled back; ROLLBACK only an open transaction.
            if (sqlite3_get_autocommit(writer_db.get()) == 0) {
                sqlite3_exec(writer_db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            }
            // The group shared one transaction, so every batch in it failed.
            for (Pending& pending : group) {
                pending.settle(std::current_exception());
            }
            return;
        }
        for (Pending& pending : group) {
            pending.settle(nullptr);
        }
    }

    void apply(const Write& write) {
        sqlite3_stmt* stmt = write.document ? upsert.get() : erase.get();
        const ResetGuard reset(stmt);
        bind_text(stmt, 1, write.kind);
        bind_text(stmt, 2, write.key);
        if (write.document) {
            bind_text(stmt, 3, *write.document);
        }
        if (sqlite3_step(stmt) != SQLITE_DONE) {
            fail(writer_db.get(),
                 file,
                 fmt::format(
                     "{} of {} '{}'", write.document ? "upsert" : "delete", write.kind, write.key));
        }
    }

    const std::filesystem::path file;

    // Writer thread only (after construction).
    Connection writer_db;
    Statement upsert;
    Statement erase;

    std::mutex read_mutex;  // guards reader_db and its statements
    Connection reader_db;
    Statement select_kind;
    Statement select_one;

    std::mutex queue_mutex;
    std::condition_variable queue_ready;
    std::vector<Pending> queue;  // guarded by queue_mutex
    bool stopping = false;       // guarded by queue_mutex

    std::thread writer;  // last: started once everything above exists
};

Database::Database(const std::filesystem::path& file) : impl_(std::make_unique<Impl>(file)) {}

Database::~Database() = default;

std::vector<Record> Database::load(const std::string& kind) {
    std::lock_guard lock(impl_->read_mutex);
    sqlite3_stmt* stmt = impl_->select_kind.get();
    const ResetGuard reset(stmt);
    bind_text(stmt, 1, kind);
    std::vector<Record> records;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        records.push_back(Record{kind, column_text(stmt, 0), column_text(stmt, 1)});
    }
    if (rc != SQLITE_DONE) {
        fail(impl_->reader_db.get(), impl_->file, fmt::format("loading records of kind {}", kind));
    }
    return records;
}

std::optional<std::string> Database::get(const std::string& kind, const std::string& key) {
    std::lock_guard lock(impl_->read_mutex);
    sqlite3_stmt* stmt = impl_->select_one.get();
    const ResetGuard reset(stmt);
    bind_text(stmt, 1, kind);
    bind_text(stmt, 2, key);
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        return column_text(stmt, 0);
    }
    if (rc != SQLITE_DONE) {
        fail(impl_->reader_db.get(), impl_->file, fmt::format("reading {} '{}'", kind, key));
    }
    return std::nullopt;
}

std::future<void> Database::submit(std::vector<Write> batch) {
    Impl::Pending pending{std::move(batch), {}, nullptr};
    auto future = pending.durable.get_future();
    {
        std::lock_guard lock(impl_->queue_mutex);
        impl_->queue.push_back(std::move(pending));
    }
    impl_->queue_ready.notify_one();
    return future;
}

void Database::submit(std::vector<Write> batch, Settled on_settled) {
    {
        std::lock_guard lock(impl_->queue_mutex);
        impl_->queue.push_back(Impl::Pending{std::move(batch), {}, std::move(on_settled)});
    }
    impl_->queue_ready.notify_one();
}

}  // namespace lambdahost::store
