// SPDX-License-Identifier: Apache-2.0
// InvocationLog: one invocation's log text (START, the function's output, END, REPORT) on its
// way to the LogStore, in bounded memory whatever the function prints. It holds what has not
// been handed to the LogStore yet (passed on in chunks once over kPendingBytes, so a small
// invocation's lines still reach the file together) and the last kTailBytes for
// X-Amz-Log-Result. Not thread-safe: one owner (the environment's strand).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lambdahost::logs {

class InvocationLog {
public:
    /// Pending text beyond this goes to the LogStore before the invocation ends.
    static constexpr std::size_t kPendingBytes = 64 * 1024;

    void append(std::string_view text);

    /// Everything pending once it is over kPendingBytes (the caller appends it to the
    /// LogStore), else nullopt.
    std::optional<std::string> take_if_full();
    /// Everything pending; empty when nothing is.
    std::string take();
    /// Forgets everything (the invocation starts over elsewhere).
    void clear();

    /// The log's last kTailBytes at most (logs::tail()), for X-Amz-Log-Result.
    std::string tail() const;

private:
    std::string pending_;
    std::string recent_;  // the last kTailBytes..2*kTailBytes appended
};

}  // namespace lambdahost::logs
