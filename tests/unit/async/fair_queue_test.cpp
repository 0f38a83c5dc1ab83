// SPDX-License-Identifier: Apache-2.0
// FairQueue: FIFO within a function, round-robin across functions, so a backlog never starves
// another function.
#include "async/fair_queue.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lambdahost::async {
namespace {

std::vector<std::string> drain(FairQueue<std::string>& queue) {
    std::vector<std::string> out;
    while (auto item = queue.pop()) {
        out.push_back(*item);
    }
    return out;
}

TEST(FairQueue, EmptyQueuePopsNothing) {
    FairQueue<std::string> queue;
    EXPECT_TRUE(queue.empty());
    EXPECT_FALSE(queue.pop());
}

TEST(FairQueue, OneKeyIsFifo) {
    FairQueue<std::string> queue;
    queue.push("a", "a1");
    queue.push("a", "a2");
    queue.push("a", "a3");
    EXPECT_EQ(queue.size(), 3U);
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "a2", "a3"}));
}

TEST(FairQueue, ABacklogDoesNotStarveAnotherKey) {
    FairQueue<std::string> queue;
    for (int i = 0; i < 1000; ++i) {
        queue.push("busy", "busy" + std::to_string(i));
    }
    queue.push("quiet", "quiet0");
    const std::vector<std::string> order = drain(queue);
    ASSERT_EQ(order.size(), 1001U);
    EXPECT_EQ(order[0], "busy0");
    EXPECT_EQ(order[1], "quiet0");
}

TEST(FairQueue, KeysTakeTurns) {
    FairQueue<std::string> queue;
    queue.push("a", "a1");
    queue.push("a", "a2");
    queue.push("b", "b1");
    queue.push("b", "b2");
    queue.push("c", "c1");
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "b1", "c1", "a2", "b2"}));
}

TEST(FairQueue, AKeyThatEmptiedRejoinsAtTheBack) {
    FairQueue<std::string> queue;
    queue.push("a", "a1");
    queue.push("b", "b1");
    queue.push("b", "b2");
    EXPECT_EQ(*queue.pop(), "a1");
    queue.push("a", "a2");  // "a" waits behind "b", which still has b2 after b1
    EXPECT_EQ(drain(queue), (std::vector<std::string>{"b1", "a2", "b2"}));
}

}  // namespace
}  // namespace lambdahost::async
