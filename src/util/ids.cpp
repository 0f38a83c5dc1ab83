// SPDX-License-Identifier: Apache-2.0
#include "util/ids.hpp"

#include <array>
#include <cstring>
#include <random>
#include <stdexcept>

#include <openssl/rand.h>

#include "util/hex.hpp"

namespace lambdahost::util {
namespace {

std::mt19937_64 seeded_generator() {
    std::array<std::uint32_t, 8> seed{};  // 256 bits: collisions across threads and restarts
                                          // are as unlikely as for RAND_bytes UUIDs
    if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), static_cast<int>(sizeof(seed))) !=
        1) {
        throw std::runtime_error("RAND_bytes failed while seeding the id generator");
    }
    std::seed_seq sequence(seed.begin(), seed.end());
    return std::mt19937_64(sequence);
}

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
    thread_local std::mt19937_64 generator = seeded_generator();
    while (!out.empty()) {
        const std::uint64_t word = generator();
        const std::size_t n = std::min(out.size(), sizeof(word));
        std::memcpy(out.data(), &word, n);
        out = out.subspan(n);
    }
}

std::string uuid4() {
    std::array<std::uint8_t, 16> bytes{};
    random_bytes(bytes);
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    const std::span<const std::uint8_t> all(bytes);
    std::string out;
    out.reserve(36);
    append_hex(out, all.subspan(0, 4));
    for (const std::size_t group : {4, 6, 8, 10}) {
        out.push_back('-');
        append_hex(out, all.subspan(group, group == 10 ? 6 : 2));
    }
    return out;
}

}  // namespace lambdahost::util
