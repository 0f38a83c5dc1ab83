// SPDX-License-Identifier: Apache-2.0
// IoLoops: at least one loop, current() names the loop of the calling thread, next() takes the
// loops in turn.
#include "util/io_loops.hpp"

#include <thread>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

namespace lambdahost::util {
namespace {

TEST(IoLoops, HasAtLeastOneLoop) {
    IoLoops loops(0);
    EXPECT_EQ(loops.size(), 1U);
    EXPECT_EQ(&loops.main(), &loops.at(0));
}

TEST(IoLoops, CurrentIsTheLoopOfTheCallingThread) {
    IoLoops loops(2);
    EXPECT_EQ(loops.current(), nullptr);  // not an io thread
    boost::asio::io_context* seen = nullptr;
    boost::asio::post(loops.at(1), [&] { seen = loops.current(); });
    std::thread runner([&] { loops.at(1).run(); });
    runner.join();
    EXPECT_EQ(seen, &loops.at(1));
}

TEST(IoLoops, NextTakesTheLoopsInTurn) {
    IoLoops loops(3);
    EXPECT_EQ(&loops.next(), &loops.at(0));
    EXPECT_EQ(&loops.next(), &loops.at(1));
    EXPECT_EQ(&loops.next(), &loops.at(2));
    EXPECT_EQ(&loops.next(), &loops.at(0));
    EXPECT_EQ(&loops.current_or_next(), &loops.at(1));  // off the io threads: next()
}

}  // namespace
}  // namespace lambdahost::util
