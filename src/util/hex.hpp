// SPDX-License-Identifier: Apache-2.0
// Lower-case hex of bytes, as AWS prints digests, request ids, trace ids and log stream names.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace lambdahost::util {

/// Appends `bytes` to `out`, two lower-case hex digits a byte.
inline void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (const std::uint8_t byte : bytes) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0xf]);
    }
}

}  // namespace lambdahost::util
