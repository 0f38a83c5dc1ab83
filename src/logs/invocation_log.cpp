// SPDX-License-Identifier: Apache-2.0
// InvocationLog: see invocation_log.hpp.
#include "logs/invocation_log.hpp"

#include <utility>

#include "logs/lines.hpp"

namespace lambdahost::logs {

void InvocationLog::append(std::string_view text) {
    pending_.append(text);
    if (text.size() >= kTailBytes) {
        recent_.assign(text.substr(text.size() - kTailBytes));
        return;
    }
    recent_.append(text);
    // Trimmed at twice the tail, so trimming costs O(1) per appended byte.
    if (recent_.size() > 2 * kTailBytes) {
        recent_.erase(0, recent_.size() - kTailBytes);
    }
}

std::optional<std::string> InvocationLog::take_if_full() {
    if (pending_.size() < kPendingBytes) {
        return std::nullopt;
    }
    return take();
}

std::string InvocationLog::take() {
    return std::exchange(pending_, std::string());
}

void InvocationLog::clear() {
    pending_.clear();
    recent_.clear();
}

std::string InvocationLog::tail() const {
    return std::string(logs::tail(recent_));
}

}  // namespace lambdahost::logs
