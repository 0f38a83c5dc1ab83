// SPDX-License-Identifier: Apache-2.0
// LogStore: file layout under the data dir, per-day files, size rotation keeping N files, and
// read_all() order.
#include "logs/log_store.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace lambdahost::logs {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono;

const LogScope kScope{"123456789012", "us-east-1", "hello"};
const util::SystemTime kDay1 = sys_days{2025y / March / 1} + 10h;
const util::SystemTime kDay2 = sys_days{2025y / March / 2} + 1h;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(LogStore, AppendsToTheFunctionsFileOfTheDay) {
    test::TempDir dir;
    LogStore store(dir.path());
    store.append(kScope, "one\n", kDay1);
    store.append(kScope, "two\n", kDay1);
    store.append(kScope, "three\n", kDay2);
    store.flush();
    const fs::path function_dir = dir.path() / "logs/123456789012/us-east-1/hello";
    EXPECT_EQ(store.function_dir(kScope), function_dir);
    EXPECT_EQ(read_file(function_dir / "2025-03-01.log"), "one\ntwo\n");
    EXPECT_EQ(read_file(function_dir / "2025-03-02.log"), "three\n");
    EXPECT_EQ(LogStore::read_all(function_dir), "one\ntwo\nthree\n");
}

TEST(LogStore, FunctionsAreSeparate) {
    test::TempDir dir;
    LogStore store(dir.path());
    const LogScope other{"123456789012", "us-east-1", "other"};
    store.append(kScope, "mine\n", kDay1);
    store.append(other, "theirs\n", kDay1);
    store.flush();
    EXPECT_EQ(LogStore::read_all(store.function_dir(kScope)), "mine\n");
    EXPECT_EQ(LogStore::read_all(store.function_dir(other)), "theirs\n");
}

TEST(LogStore, DestructorWritesEverythingQueued) {
    test::TempDir dir;
    fs::path function_dir;
    {
        LogStore store(dir.path());
        function_dir = store.function_dir(kScope);
        for (int i = 0; i < 100; ++i) {
            store.append(kScope, std::to_string(i) + "\n", kDay1);
        }
    }
    std::string expected;
    for (int i = 0; i < 100; ++i) {
        expected += std::to_string(i) + "\n";
    }
    EXPECT_EQ(LogStore::read_all(function_dir), expected);
}

TEST(LogStore, RotatesBySizeAndKeepsTheNewestFiles) {
    test::TempDir dir;
    LogStore store(dir.path(), {.max_file_bytes = 10, .keep_rotated = 2});
    // Each 8-byte record fills a file: the next one rotates it.
    for (const char* record : {"record1\n", "record2\n", "record3\n", "record4\n"}) {
        store.append(kScope, record, kDay1);
        store.flush();  // one write per record, as appends spread over time would be
    }
    const fs::path function_dir = store.function_dir(kScope);
    EXPECT_EQ(read_file(function_dir / "2025-03-01.log"), "record4\n");
    EXPECT_EQ(read_file(function_dir / "2025-03-01.log.1"), "record3\n");
    EXPECT_EQ(read_file(function_dir / "2025-03-01.log.2"), "record2\n");
    EXPECT_FALSE(fs::exists(function_dir / "2025-03-01.log.3"));
    EXPECT_EQ(LogStore::read_all(function_dir), "record2\nrecord3\nrecord4\n");
}

TEST(LogStore, ReadAllOrdersDatesThenRotationAge) {
    test::TempDir dir;
    const fs::path function_dir = dir.path() / "f";
    fs::create_directories(function_dir);
    const auto write = [&](const char* name, const char* text) {
        std::ofstream(function_dir / name) << text;
    };
    write("2025-03-02.log", "e");
    write("2025-03-01.log.10", "a");
    write("2025-03-01.log.2", "b");
    write("2025-03-01.log", "d");
    write("2025-03-01.log.1", "c");
    write("notes.txt", "x");
    EXPECT_EQ(LogStore::read_all(function_dir), "abcde");
    EXPECT_EQ(LogStore::read_all(dir.path() / "missing"), "");
}

TEST(LogStore, DropsInsteadOfGrowingWithoutBound) {
    test::TempDir dir;
    LogStore store(dir.path(), {.max_queued_bytes = 0});
    store.append(kScope, "lost\n", kDay1);
    store.flush();
    EXPECT_EQ(store.dropped_bytes(), 5u);
    EXPECT_EQ(LogStore::read_all(store.function_dir(kScope)), "");
}

}  // namespace
}  // namespace lambdahost::logs
