// SPDX-License-Identifier: Apache-2.0
// Random identifiers: RevisionId and request ids are UUID4s as on AWS; trace ids and log
// stream names take random bytes. Thread-safe.
// Identifiers need to be unique, not secret: each thread draws from its own generator, seeded
// once from OpenSSL's RAND_bytes, so an invoke costs no lock and no syscall (RAND_bytes checks
// getpid() on every call to detect a fork).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace lambdahost::util {

/// Fills `out` with random bytes from this thread's generator.
void random_bytes(std::span<std::uint8_t> out);

/// A random UUID version 4 in canonical lower-case form (36 chars).
std::string uuid4();

}  // namespace lambdahost::util
