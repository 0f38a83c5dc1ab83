// SPDX-License-Identifier: Apache-2.0
// InvocationLog: pending text is passed on in chunks and the tail is kept, whatever the size of
// the output, so an invocation's log costs bounded memory.
#include "logs/invocation_log.hpp"

#include <string>

#include <gtest/gtest.h>

#include "logs/lines.hpp"

namespace lambdahost::logs {
namespace {

TEST(InvocationLog, SmallLogIsTakenWholeAtTheEnd) {
    InvocationLog log;
    log.append("START\n");
    log.append("hello\n");
    EXPECT_EQ(log.take_if_full(), std::nullopt);
    log.append("END\n");
    EXPECT_EQ(log.tail(), "START\nhello\nEND\n");
    EXPECT_EQ(log.take(), "START\nhello\nEND\n");
    EXPECT_EQ(log.take(), "");
    EXPECT_EQ(log.tail(), "START\nhello\nEND\n");  // the tail outlives take()
}

TEST(InvocationLog, LargeOutputIsPassedOnInChunksAndOnlyTheTailIsKept) {
    InvocationLog log;
    std::string everything;
    std::string handed_on;
    const std::string chunk(16384, 'x');
    for (int i = 0; i < 1000; ++i) {  // 16 MB of output
        const std::string text = chunk + std::to_string(i) + "\n";
        log.append(text);
        everything += text;
        if (auto full = log.take_if_full()) {
            EXPECT_GE(full->size(), InvocationLog::kPendingBytes);
            EXPECT_LT(full->size(), InvocationLog::kPendingBytes + text.size());
            handed_on += *full;
        }
    }
    log.append("REPORT\n");
    everything += "REPORT\n";
    handed_on += log.take();
    EXPECT_EQ(handed_on, everything);  // nothing lost, nothing repeated, in order
    EXPECT_EQ(log.tail(), std::string(tail(everything)));
    EXPECT_EQ(log.tail().size(), kTailBytes);
}

TEST(InvocationLog, TailAcrossManySmallAppends) {
    InvocationLog log;
    std::string everything;
    for (int i = 0; i < 5000; ++i) {
        const std::string line = "line " + std::to_string(i) + "\n";
        log.append(line);
        everything += line;
        EXPECT_EQ(log.tail(), std::string(tail(everything)));
    }
}

TEST(InvocationLog, ClearForgetsEverything) {
    InvocationLog log;
    log.append("init output\n");
    log.clear();
    EXPECT_EQ(log.take(), "");
    EXPECT_EQ(log.tail(), "");
}

}  // namespace
}  // namespace lambdahost::logs
