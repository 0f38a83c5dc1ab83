// SPDX-License-Identifier: Apache-2.0
// IoLoops: the server's event loops, one io_context per io thread. A connection, and an
// execution environment, lives on one loop for its whole life, so its handlers need no strand
// and an invocation whose client connection and environment share a loop never changes thread:
// no queue hop, no futex, no wakeup of another thread (on a VM each of those costs more than
// the rest of the invoke path). Loop 0 also hosts the server-wide services (signals, the
// acceptor, the async dispatcher).
// Threading: the loops are fixed at construction; every member is safe from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>

#include <boost/asio/io_context.hpp>

namespace lambdahost::util {

class IoLoops {
public:
    /// `count` loops (at least one). Each must then be run by exactly one thread (run(i)).
    explicit IoLoops(unsigned count);
    IoLoops(const IoLoops&) = delete;
    IoLoops& operator=(const IoLoops&) = delete;

    std::size_t size() const { return loops_.size(); }
    boost::asio::io_context& at(std::size_t index) { return loops_[index]; }
    boost::asio::io_context& main() { return loops_.front(); }

    /// The loop whose thread is calling, or nullptr off the io threads.
    boost::asio::io_context* current();
    /// current() when called on an io thread, else next().
    boost::asio::io_context& current_or_next();
    /// The loops in turn (spreads new connections).
    boost::asio::io_context& next();

    /// Stops every loop.
    void stop();

private:
    std::deque<boost::asio::io_context> loops_;  // deque: io_context is not movable
    std::atomic<std::size_t> turn_{0};
};

}  // namespace lambdahost::util
