// SPDX-License-Identifier: Apache-2.0
// Database: round trips, durability across reopen, atomic batches, group commit under concurrent
// submitters, schema versioning. Each test uses its own temp dir.
#include "store/database.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.hpp"

namespace lambdahost::store {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

auto record(const std::string& key, const std::string& document) {
    return AllOf(Field(&Record::key, key), Field(&Record::document, document));
}

Write put(std::string kind, std::string key, std::string document) {
    return Write{std::move(kind), std::move(key), std::move(document)};
}

Write erase(std::string kind, std::string key) {
    return Write{std::move(kind), std::move(key), std::nullopt};
}

// Runs one statement on a connection of its own, as an operator's sqlite3 shell would.
void run_sql(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

std::string query_text(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::string text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return text;
}

TEST(Database, CommittedRecordsLoadOrderedByKey) {
    test::TempDir dir;
    Database db(dir.path() / "lambdahost.db");
    db.commit({put("function", "b", "{\"n\":2}"), put("function", "a", "{\"n\":1}")});
    db.commit({put("alias", "a", "other kind")});

    EXPECT_THAT(db.load("function"),
                ElementsAre(record("a", "{\"n\":1}"), record("b", "{\"n\":2}")));
    EXPECT_THAT(db.load("alias"), ElementsAre(record("a", "other kind")));
    EXPECT_THAT(db.load("version"), ElementsAre());
    EXPECT_EQ(db.get("function", "b"), "{\"n\":2}");
    EXPECT_EQ(db.get("function", "c"), std::nullopt);
}

TEST(Database, UpsertReplacesDocument) {
    test::TempDir dir;
    Database db(dir.path() / "lambdahost.db");
    db.commit({put("function", "a", "old")});
    db.commit({put("function", "a", "new")});

    EXPECT_THAT(db.load("function"), ElementsAre(record("a", "new")));
}

TEST(Database, ReopenKeepsCommittedData) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    {
        Database db(file);
        db.commit({put("function", "a", "doc")});
    }
    Database db(file);
    EXPECT_THAT(db.load("function"), ElementsAre(record("a", "doc")));
}

TEST(Database, EraseRemovesRecord) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    {
        Database db(file);
        db.commit({put("function", "a", "doc"), put("function", "b", "doc")});
        db.commit({erase("function", "a"), erase("function", "never-existed")});
        EXPECT_THAT(db.load("function"), ElementsAre(record("b", "doc")));
    }
    Database db(file);
    EXPECT_THAT(db.load("function"), ElementsAre(record("b", "doc")));
}

TEST(Database, FailedBatchAppliesNothing) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    Database db(file);
    db.commit({put("function", "kept", "v1")});

    // An empty kind violates the schema's CHECK: the whole batch, first write included, fails.
    auto failed = db.submit({put("function", "kept", "v2"), put("", "k", "doc")});
    EXPECT_THAT([&] { failed.get(); },
                ThrowsMessage<std::runtime_error>(
                    AllOf(HasSubstr(file.string()), HasSubstr("CHECK constraint failed"))));

    EXPECT_THAT(db.load("function"), ElementsAre(record("kept", "v1")));
    db.commit({put("function", "after", "ok")});  // the writer keeps going
    EXPECT_THAT(db.load("function"), ElementsAre(record("after", "ok"), record("kept", "v1")));
}

TEST(Database, ConcurrentSubmittersAreAllDurableInSubmissionOrder) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    constexpr int kThreads = 8;
    constexpr int kBatchesPerThread = 100;
    {
        Database db(file);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&db, t] {
                std::vector<std::future<void>> durable;
                for (int i = 0; i < kBatchesPerThread; ++i) {
                    // The shared key ends with this thread's last value only if its batches
                    // commit in the order it submitted them.
                    durable.push_back(db.submit(
                        {put("counter", std::to_string(t), std::to_string(i)),
                         put("event", std::to_string(t) + "/" + std::to_string(1000 + i), "x")}));
                }
                for (auto& future : durable) {
                    future.get();
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
    }
    Database db(file);
    const auto counters = db.load("counter");
    ASSERT_EQ(counters.size(), static_cast<std::size_t>(kThreads));
    for (const Record& counter : counters) {
        EXPECT_EQ(counter.document, std::to_string(kBatchesPerThread - 1)) << counter.key;
    }
    EXPECT_EQ(db.load("event").size(), static_cast<std::size_t>(kThreads * kBatchesPerThread));
}

TEST(Database, DestructorCommitsQueuedBatches) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    {
        Database db(file);
        for (int i = 0; i < 50; ++i) {
            // Futures dropped unwaited: the destructor must still commit the batches.
            (void)db.submit({put("event", std::to_string(100 + i), "x")});
        }
    }
    Database db(file);
    EXPECT_EQ(db.load("event").size(), 50U);
}

TEST(Database, OpensInWalModeAtCurrentSchemaVersion) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    { Database db(file); }
    EXPECT_EQ(query_text(file, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(query_text(file, "PRAGMA user_version"), "1");
}

TEST(Database, RefusesNewerSchemaNamingTheFile) {
    test::TempDir dir;
    const auto file = dir.path() / "lambdahost.db";
    { Database db(file); }
    run_sql(file, "PRAGMA user_version=99");

    EXPECT_THAT([&] { Database db(file); },
                ThrowsMessage<std::runtime_error>(
                    AllOf(HasSubstr(file.string()), HasSubstr("schema version 99"))));
}

TEST(Database, OpenFailureNamesTheFile) {
    test::TempDir dir;
    const auto file = dir.path() / "missing-dir" / "lambdahost.db";

    EXPECT_THAT([&] { Database db(file); },
                ThrowsMessage<std::runtime_error>(HasSubstr(file.string())));
}

}  // namespace
}  // namespace lambdahost::store
