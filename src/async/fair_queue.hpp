// SPDX-License-Identifier: Apache-2.0
// FairQueue: FIFO queues per key (per function), served round-robin, so one function's backlog
// never starves another's: with 1000 events of function A queued before one event of B, B's
// event is the second to come out. Not thread-safe: the dispatcher uses it on its strand.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace lambdahost::async {

template <typename T>
class FairQueue {
public:
    void push(const std::string& key, T item) {
        auto [it, inserted] = queues_.try_emplace(key);
        if (it->second.empty()) {
            turns_.push_back(key);  // the key was not waiting for a turn
        }
        it->second.push_back(std::move(item));
        ++size_;
    }

    /// The oldest item of the key whose turn it is; that key then goes to the back of the line.
    std::optional<T> pop() {
        if (turns_.empty()) {
            return std::nullopt;
        }
        std::string key = std::move(turns_.front());
        turns_.pop_front();
        const auto it = queues_.find(key);
        T item = std::move(it->second.front());
        it->second.pop_front();
        --size_;
        if (it->second.empty()) {
            queues_.erase(it);
        } else {
            turns_.push_back(std::move(key));
        }
        return item;
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

private:
    std::map<std::string, std::deque<T>> queues_;  // only keys with items
    std::deque<std::string> turns_;                // each key of queues_ once
    std::size_t size_ = 0;
};

}  // namespace lambdahost::async
