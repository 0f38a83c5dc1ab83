// SPDX-License-Identifier: Apache-2.0
// Random identifiers: UUID4 form, and no repeats across threads (each seeds its own generator).
#include "util/ids.hpp"

#include <array>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lambdahost::util {
namespace {

TEST(Ids, Uuid4IsCanonicalVersion4) {
    const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(std::regex_match(uuid4(), form));
    }
}

TEST(Ids, ThreadsDrawDifferentIds) {
    std::mutex mutex;
    std::set<std::string> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            std::vector<std::string> mine;
            for (int i = 0; i < 1000; ++i) {
                mine.push_back(uuid4());
            }
            std::lock_guard lock(mutex);
            seen.insert(mine.begin(), mine.end());
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(seen.size(), 4000U);
}

TEST(Ids, RandomBytesFillsOddLengths) {
    std::array<std::uint8_t, 13> a{};
    std::array<std::uint8_t, 13> b{};
    random_bytes(a);
    random_bytes(b);
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace lambdahost::util
