// SPDX-License-Identifier: Apache-2.0
// LazyDeadline: a deadline that moves on every request and is seldom reached, such as an
// invocation's timeout or a connection's idle timeout. A steady_timer re-armed per request
// costs a timerfd_settime syscall whenever it becomes the earliest timer, and one more on each
// cancel; on the invoke path that was a syscall per invocation for nothing. Here moving the
// deadline later, or disarming it, only stores a time point: the pending wait, when it wakes,
// sleeps again until the current deadline, or does nothing. A real timer operation happens when
// there is no wait yet, when the deadline moves earlier, and about once per timeout period.
// Threading: not thread-safe; use it on one executor (the one given to the constructor), where
// on_expiry runs too.
#pragma once

#include <chrono>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

namespace lambdahost::util {

class LazyDeadline {
public:
    using Clock = std::chrono::steady_clock;

    template <typename Executor>
    explicit LazyDeadline(const Executor& executor) : timer_(executor) {}

    /// Runs `on_expiry()` once `at` has passed, unless disarm(), cancel() or another arm()
    /// comes first. `on_expiry` must keep the owner of this LazyDeadline alive (capture a
    /// shared_ptr): the pending wait outlives arm() and may run after the owner let go.
    template <typename OnExpiry>
    void arm(Clock::time_point at, OnExpiry on_expiry) {
        at_ = at;
        armed_ = true;
        if (!waiting_ || wait_until_ > at) {
            wait(at, std::move(on_expiry));
        }  // else the pending wait wakes first and sleeps again until `at`
    }

    /// Nothing happens at the deadline; no timer operation.
    void disarm() { armed_ = false; }

    /// Disarms and ends the pending wait now, which releases what on_expiry holds.
    void cancel() {
        armed_ = false;
        waiting_ = false;
        timer_.cancel();
    }

    bool armed() const { return armed_; }

private:
    template <typename OnExpiry>
    void wait(Clock::time_point until, OnExpiry on_expiry) {
        waiting_ = true;
        wait_until_ = until;
        timer_.expires_at(until);  // also ends an earlier wait (operation_aborted)
        timer_.async_wait(
            [this, on_expiry = std::move(on_expiry)](const boost::system::error_code& ec) mutable {
                if (ec == boost::asio::error::operation_aborted) {
                    return;  // replaced by a newer wait, or cancelled: that one decides
                }
                waiting_ = false;
                if (!armed_) {
                    return;
                }
                if (Clock::now() < at_) {
                    wait(at_, std::move(on_expiry));
                    return;
                }
                armed_ = false;
                on_expiry();
            });
    }

    boost::asio::steady_timer timer_;
    Clock::time_point at_{};          // the deadline, while armed_
    Clock::time_point wait_until_{};  // the pending wait's expiry, while waiting_
    bool armed_ = false;
    bool waiting_ = false;
};

}  // namespace lambdahost::util
