// SPDX-License-Identifier: Apache-2.0
#include "util/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/hex.hpp"

namespace lambdahost::util {

Sha256Digest sha256(std::string_view data) {
    Sha256Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
    return digest;
}

std::string to_hex(const Sha256Digest& digest) {
    std::string out;
    out.reserve(digest.size() * 2);
    append_hex(out, digest);
    return out;
}

std::string base64_encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(data.data()),
                                        static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(3 * (text.size() / 4), '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts padding as zero bytes; drop them.
    std::size_t size = static_cast<std::size_t>(written);
    if (!text.empty() && text.back() == '=') {
        --size;
        if (text.size() >= 2 && text[text.size() - 2] == '=') {
            --size;
        }
    }
    out.resize(size);
    return out;
}

}  // namespace lambdahost::util
