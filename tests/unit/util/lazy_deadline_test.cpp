// SPDX-License-Identifier: Apache-2.0
// LazyDeadline: fires once its deadline has passed and never before; moving it later, or
// disarming it, is honoured by the pending wait. The io_context runs in the test thread.
#include "util/lazy_deadline.hpp"

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace lambdahost::util {
namespace {

using Clock = LazyDeadline::Clock;
using std::chrono::milliseconds;

/// The owner the on_expiry callbacks keep alive, as LazyDeadline requires.
struct Owner : std::enable_shared_from_this<Owner> {
    explicit Owner(boost::asio::io_context& io) : deadline(io.get_executor()) {}

    void arm(Clock::time_point at) {
        deadline.arm(at, [self = shared_from_this()] {
            ++self->fired;
            self->fired_at = Clock::now();
        });
    }

    LazyDeadline deadline;
    int fired = 0;
    Clock::time_point fired_at{};
};

TEST(LazyDeadline, FiresOnceTheDeadlineHasPassed) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    const auto at = Clock::now() + milliseconds(20);
    owner->arm(at);
    io.run();
    EXPECT_EQ(owner->fired, 1);
    EXPECT_GE(owner->fired_at, at);
    EXPECT_FALSE(owner->deadline.armed());
}

TEST(LazyDeadline, MovedLaterFiresAtTheLaterDeadlineOnly) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    owner->arm(Clock::now() + milliseconds(10));
    const auto later = Clock::now() + milliseconds(60);
    owner->arm(later);  // no new timer: the pending wait sleeps again until `later`
    io.run();
    EXPECT_EQ(owner->fired, 1);
    EXPECT_GE(owner->fired_at, later);
}

TEST(LazyDeadline, MovedEarlierFiresAtTheEarlierDeadline) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    owner->arm(Clock::now() + std::chrono::hours(1));
    const auto earlier = Clock::now() + milliseconds(10);
    owner->arm(earlier);
    io.run();  // returns: the hour-long wait was replaced, not left pending
    EXPECT_EQ(owner->fired, 1);
    EXPECT_GE(owner->fired_at, earlier);
}

TEST(LazyDeadline, DisarmedDoesNotFire) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    owner->arm(Clock::now() + milliseconds(10));
    owner->deadline.disarm();
    io.run();
    EXPECT_EQ(owner->fired, 0);
}

TEST(LazyDeadline, CancelEndsThePendingWaitAndReleasesTheOwner) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    owner->arm(Clock::now() + std::chrono::hours(1));
    std::weak_ptr<Owner> watch = owner;
    owner->deadline.cancel();
    owner.reset();
    io.run();  // returns at once: nothing waits an hour
    EXPECT_TRUE(watch.expired());
}

TEST(LazyDeadline, RearmedAfterFiringFiresAgain) {
    boost::asio::io_context io;
    auto owner = std::make_shared<Owner>(io);
    owner->arm(Clock::now() + milliseconds(5));
    io.run();
    io.restart();
    owner->arm(Clock::now() + milliseconds(5));
    io.run();
    EXPECT_EQ(owner->fired, 2);
}

}  // namespace
}  // namespace lambdahost::util
