// SPDX-License-Identifier: Apache-2.0
// Hashes and encodings the wire format needs (CodeSha256, ZipFile blobs), on OpenSSL.
// Pure functions; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambdahost::util {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
std::string to_hex(const Sha256Digest& digest);

/// Standard base64 (RFC 4648, with padding), as AWS renders CodeSha256.
std::string base64_encode(std::string_view data);
/// Decodes standard base64; whitespace is not allowed. nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace lambdahost::util
