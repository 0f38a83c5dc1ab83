// SPDX-License-Identifier: Apache-2.0
// Catalog: create/find/list/erase per scope, reload from the Database, refused mutations and
// failed commits leave no trace, usage and code references. Failed commits are injected with a
// SQLite trigger installed from a second connection.
#include "store/catalog.hpp"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "model/aws_error.hpp"
#include "support/temp_dir.hpp"

namespace lambdahost::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointee;
using ::testing::ThrowsMessage;

const model::Scope kScope{"123456789012", "us-east-1"};
const model::Scope kOtherRegion{"123456789012", "eu-west-1"};

std::shared_ptr<model::Function> make_function(const std::string& name,
                                               std::int64_t code_size = 100,
                                               const std::string& sha_hex = "aa") {
    auto function = std::make_shared<model::Function>();
    function->latest.function_name = name;
    function->latest.runtime = "python3.12";
    function->latest.role = "arn:aws:iam::123456789012:role/r";
    function->latest.handler = "index.handler";
    function->latest.code_size = code_size;
    function->latest.code_sha256_hex = sha_hex;
    function->latest.revision_id = "rev-1";
    return function;
}

FunctionPtr create(Catalog& catalog,
                   const model::Scope& scope,
                   const std::string& name,
                   std::int64_t code_size = 100,
                   const std::string& sha_hex = "aa") {
    return catalog.update(scope, name, [&](const model::Function* current) {
        EXPECT_EQ(current, nullptr);
        return make_function(name, code_size, sha_hex);
    });
}

FunctionPtr erase(Catalog& catalog, const model::Scope& scope, const std::string& name) {
    return catalog.update(
        scope, name, [](const model::Function*) { return std::shared_ptr<model::Function>(); });
}

std::vector<std::string> names(const std::vector<FunctionPtr>& functions) {
    std::vector<std::string> result;
    for (const auto& function : functions) {
        result.push_back(function->latest.function_name);
    }
    return result;
}

// Makes every later commit touching function `name` fail, as a full disk would.
void fail_commits_of(const std::filesystem::path& file, const std::string& name) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
        const std::string row = std::string(event) == "DELETE" ? "OLD" : "NEW";
        const std::string sql = "CREATE TRIGGER fail_" + std::string(event) + " BEFORE " + event +
                                " ON records WHEN " + row + ".key LIKE '%/" + name +
                                "' BEGIN SELECT RAISE(ABORT, 'injected failure'); END";
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
    }
    sqlite3_close(db);
}

class CatalogTest : public ::testing::Test {
protected:
    test::TempDir dir_;
    std::filesystem::path file_ = dir_.path() / "lambdahost.db";
};

TEST_F(CatalogTest, CreatedFunctionIsFoundInItsScopeOnly) {
    Database db(file_);
    Catalog catalog(db);

    const FunctionPtr created = create(catalog, kScope, "fn");

    EXPECT_THAT(created, Pointee(*make_function("fn")));
    EXPECT_EQ(catalog.find(kScope, "fn"), created);
    EXPECT_EQ(catalog.find(kOtherRegion, "fn"), nullptr);
    EXPECT_EQ(catalog.find(kScope, "other"), nullptr);
}

TEST_F(CatalogTest, ListIsOrderedByNameWithinOneScope) {
    Database db(file_);
    Catalog catalog(db);
    for (const char* name : {"b", "C", "a", "a-1"}) {
        create(catalog, kScope, name);
    }
    create(catalog, kOtherRegion, "z");

    EXPECT_THAT(names(catalog.list(kScope)), ElementsAre("C", "a", "a-1", "b"));
    EXPECT_THAT(names(catalog.list(kOtherRegion)), ElementsAre("z"));
    EXPECT_THAT(catalog.list(model::Scope{"999999999999", "us-east-1"}), ElementsAre());
    EXPECT_EQ(catalog.all().size(), 5U);
}

TEST_F(CatalogTest, UpdateSeesCurrentValueAndReplacesIt) {
    Database db(file_);
    Catalog catalog(db);
    create(catalog, kScope, "fn");

    const FunctionPtr updated = catalog.update(kScope, "fn", [](const model::Function* current) {
        EXPECT_NE(current, nullptr);
        auto next = std::make_shared<model::Function>(*current);
        next->latest.timeout = 30;
        return next;
    });

    EXPECT_EQ(updated->latest.timeout, 30);
    EXPECT_EQ(catalog.find(kScope, "fn"), updated);
}

TEST_F(CatalogTest, EraseRemovesFunction) {
    Database db(file_);
    Catalog catalog(db);
    create(catalog, kScope, "fn");

    EXPECT_EQ(erase(catalog, kScope, "fn"), nullptr);

    EXPECT_EQ(catalog.find(kScope, "fn"), nullptr);
    EXPECT_THAT(catalog.list(kScope), ElementsAre());
    EXPECT_THAT(db.load("function"), ElementsAre());
    EXPECT_EQ(erase(catalog, kScope, "fn"), nullptr);  // erasing an absent function is a no-op
}

TEST_F(CatalogTest, ReloadsEverythingFromTheDatabase) {
    auto with_version = make_function("versioned");
    with_version->tags["team"] = "a";
    with_version->versions.emplace(1, with_version->latest);
    with_version->last_version_number = 1;
    {
        Database db(file_);
        Catalog catalog(db);
        create(catalog, kScope, "fn");
        create(catalog, kOtherRegion, "fn");
        catalog.update(kScope, "versioned", [&](const model::Function*) { return with_version; });
        create(catalog, kScope, "gone");
        erase(catalog, kScope, "gone");
    }
    Database db(file_);
    Catalog catalog(db);

    EXPECT_THAT(names(catalog.list(kScope)), ElementsAre("fn", "versioned"));
    EXPECT_THAT(names(catalog.list(kOtherRegion)), ElementsAre("fn"));
    EXPECT_THAT(catalog.find(kScope, "versioned"), Pointee(*with_version));
}

TEST_F(CatalogTest, RefusedMutationChangesNothing) {
    Database db(file_);
    Catalog catalog(db);
    const FunctionPtr before = create(catalog, kScope, "fn");

    EXPECT_THROW(catalog.update(kScope,
                                "fn",
                                [](const model::Function*) -> std::shared_ptr<model::Function> {
                                    throw model::errors::resource_conflict("exists");
                                }),
                 model::AwsError);

    EXPECT_EQ(catalog.find(kScope, "fn"), before);
    Catalog reloaded(db);
    EXPECT_THAT(reloaded.find(kScope, "fn"), Pointee(*before));
}

TEST_F(CatalogTest, FailedCommitOfNewFunctionLeavesItAbsent) {
    Database db(file_);
    Catalog catalog(db);
    fail_commits_of(file_, "broken");

    EXPECT_THAT([&] { create(catalog, kScope, "broken"); },
                ThrowsMessage<std::runtime_error>(HasSubstr("injected failure")));

    EXPECT_EQ(catalog.find(kScope, "broken"), nullptr);
    create(catalog, kScope, "fine");  // other functions still commit
    EXPECT_THAT(names(catalog.list(kScope)), ElementsAre("fine"));
}

TEST_F(CatalogTest, FailedCommitRestoresDurableValue) {
    Database db(file_);
    Catalog catalog(db);
    const FunctionPtr before = create(catalog, kScope, "broken");
    fail_commits_of(file_, "broken");

    EXPECT_THROW(catalog.update(kScope,
                                "broken",
                                [](const model::Function* current) {
                                    auto next = std::make_shared<model::Function>(*current);
                                    next->latest.timeout = 60;
                                    return next;
                                }),
                 std::runtime_error);
    EXPECT_THROW(erase(catalog, kScope, "broken"), std::runtime_error);

    EXPECT_THAT(catalog.find(kScope, "broken"), Pointee(*before));
}

TEST_F(CatalogTest, ConcurrentUpdatesAreAllDurable) {
    constexpr int kThreads = 8;
    constexpr int kFunctionsPerThread = 25;
    {
        Database db(file_);
        Catalog catalog(db);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&catalog, t] {
                for (int i = 0; i < kFunctionsPerThread; ++i) {
                    create(catalog, kScope, "fn-" + std::to_string(t) + "-" + std::to_string(i));
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
    }
    Database db(file_);
    Catalog catalog(db);
    EXPECT_EQ(catalog.list(kScope).size(),
              static_cast<std::size_t>(kThreads * kFunctionsPerThread));
}

TEST_F(CatalogTest, UsageCountsFunctionsAndCodeOfOneScope) {
    Database db(file_);
    Catalog catalog(db);
    create(catalog, kScope, "a", 100);
    create(catalog, kScope, "b", 250);
    create(catalog, kOtherRegion, "c", 1000);
    catalog.update(kScope, "b", [](const model::Function* current) {
        auto next = std::make_shared<model::Function>(*current);
        next->versions.emplace(1, current->latest);  // a published version stores its own copy
        return next;
    });

    const Catalog::Usage usage = catalog.usage(kScope);

    EXPECT_EQ(usage.function_count, 2);
    EXPECT_EQ(usage.total_code_size, 600);
    EXPECT_EQ(catalog.usage(model::Scope{"999999999999", "us-east-1"}).function_count, 0);
}

TEST_F(CatalogTest, CodeInUseLooksAtEveryScopeAndVersion) {
    Database db(file_);
    Catalog catalog(db);
    create(catalog, kOtherRegion, "a", 1, "digest-latest");
    catalog.update(kScope, "b", [](const model::Function*) {
        auto next = make_function("b", 1, "digest-new");
        auto old = next->latest;
        old.code_sha256_hex = "digest-version";
        next->versions.emplace(1, old);
        return next;
    });

    EXPECT_TRUE(catalog.code_in_use("digest-latest"));
    EXPECT_TRUE(catalog.code_in_use("digest-version"));
    EXPECT_TRUE(catalog.code_in_use("digest-new"));
    EXPECT_FALSE(catalog.code_in_use("digest-other"));
}

}  // namespace
}  // namespace lambdahost::store
