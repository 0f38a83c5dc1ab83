// SPDX-License-Identifier: Apache-2.0
// LogFollower: the first read returns every file in order; later reads return what was appended,
// across a rotation and a new day's file; wait() wakes on inotify and times out when nothing
// changes. Waits are bounded and driven by inotify events, never sleeps.
#include "logs/log_follower.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "logs/log_store.hpp"
#include "support/temp_dir.hpp"

namespace lambdahost::logs {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono;

constexpr milliseconds kWait{10'000};
const LogScope kScope{"123456789012", "us-east-1", "hello"};
const util::SystemTime kDay1 = sys_days{2025y / March / 1} + 10h;
const util::SystemTime kDay2 = sys_days{2025y / March / 2} + 1h;

void append_to(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

TEST(LogFollower, FirstReadReturnsEverythingThenOnlyWhatIsNew) {
    test::TempDir dir;
    LogStore store(dir.path());
    store.append(kScope, "old\n", kDay1);
    store.append(kScope, "newer\n", kDay2);
    store.flush();
    LogFollower follower(store.function_dir(kScope));
    EXPECT_EQ(follower.read_new(), "old\nnewer\n");
    EXPECT_EQ(follower.read_new(), "");
    EXPECT_FALSE(follower.wait(milliseconds(0)));

    store.append(kScope, "live\n", kDay2);
    store.flush();
    ASSERT_TRUE(follower.wait(kWait));
    EXPECT_EQ(follower.read_new(), "live\n");
}

TEST(LogFollower, CreatesAMissingDirectoryAndSeesTheFirstFile) {
    test::TempDir dir;
    LogStore store(dir.path());
    LogFollower follower(store.function_dir(kScope));
    EXPECT_TRUE(fs::is_directory(store.function_dir(kScope)));
    EXPECT_EQ(follower.read_new(), "");

    store.append(kScope, "first\n", kDay1);
    store.flush();
    ASSERT_TRUE(follower.wait(kWait));
    EXPECT_EQ(follower.read_new(), "first\n");
}

TEST(LogFollower, FollowsRotationsMadeByTheStore) {
    test::TempDir dir;
    LogStore store(dir.path(), {.max_file_bytes = 10, .keep_rotated = 2});
    LogFollower follower(store.function_dir(kScope));
    std::string seen = follower.read_new();
    for (const char* record : {"record1\n", "record2\n", "record3\n"}) {
        store.append(kScope, record, kDay1);
        store.flush();
        ASSERT_TRUE(follower.wait(kWait));
        seen += follower.read_new();
    }
    EXPECT_EQ(seen, "record1\nrecord2\nrecord3\n");
}

TEST(LogFollower, ReadsTheHeldFileToItsEndBeforeMovingOn) {
    test::TempDir dir;
    const fs::path log = dir.path() / "2025-03-01.log";
    append_to(log, "a");
    LogFollower follower(dir.path());
    EXPECT_EQ(follower.read_new(), "a");

    // Appended, then rotated, then a new file, all before the follower looks again.
    append_to(log, "b");
    fs::rename(log, dir.path() / "2025-03-01.log.1");
    append_to(log, "c");
    ASSERT_TRUE(follower.wait(kWait));
    EXPECT_EQ(follower.read_new(), "bc");

    append_to(dir.path() / "2025-03-02.log", "d");  // a new day
    ASSERT_TRUE(follower.wait(kWait));
    EXPECT_EQ(follower.read_new(), "d");
    append_to(dir.path() / "2025-03-02.log", "e");
    ASSERT_TRUE(follower.wait(kWait));
    EXPECT_EQ(follower.read_new(), "e");
}

}  // namespace
}  // namespace lambdahost::logs
