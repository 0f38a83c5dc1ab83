// SPDX-License-Identifier: Apache-2.0
#include "util/io_loops.hpp"

#include <algorithm>

namespace lambdahost::util {

IoLoops::IoLoops(unsigned count) {
    for (unsigned i = 0; i < std::max(1U, count); ++i) {
        // Hint 1: one thread runs each loop, so Asio can skip the locking meant for several.
        loops_.emplace_back(1);
    }
}

boost::asio::io_context* IoLoops::current() {
    for (auto& loop : loops_) {
        if (loop.get_executor().running_in_this_thread()) {
            return &loop;
        }
    }
    return nullptr;
}

boost::asio::io_context& IoLoops::current_or_next() {
    if (auto* loop = current()) {
        return *loop;
    }
    return next();
}

boost::asio::io_context& IoLoops::next() {
    return loops_[turn_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void IoLoops::stop() {
    for (auto& loop : loops_) {
        loop.stop();
    }
}

}  // namespace lambdahost::util
