// SPDX-License-Identifier: Apache-2.0
// CodePins: keeps a stored package alive between CodeStore::put and the catalog mutation that
// makes a function refer to it, and deletes packages nothing refers to any more. Without pins, a
// request dropping its last reference to a digest could delete the package another request has
// just stored but not yet recorded. Removal happens only under the pins' lock, when no request
// pins the digest and no function of any scope refers to it. Thread-safe; put and removal block
// on disk I/O (blocking pool only).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/catalog.hpp"
#include "store/code_store.hpp"

namespace lambdahost::api {

class CodePins {
public:
    CodePins(const store::Catalog& catalog, store::CodeStore& code_store)
        : catalog_(catalog), code_store_(code_store) {}

    /// Holds one pin on a digest. Dropping the last pin deletes the package unless a function
    /// refers to it by then, so a failed request cleans up after itself.
    class Pin {
    public:
        Pin(CodePins& pins, std::string sha256_hex);
        ~Pin();
        Pin(const Pin&) = delete;
        Pin& operator=(const Pin&) = delete;

    private:
        CodePins& pins_;
        std::string sha256_hex_;
    };

    /// A stored package and the pin that keeps it until the catalog refers to it.
    struct PinnedCode {
        store::StoredCode code;
        std::unique_ptr<Pin> pin;
    };
    /// CodeStore::put, then pins the digest. Throws put's AwsErrors.
    PinnedCode put(std::string_view zip);

    /// Deletes the package of `sha256_hex` if nothing pins it and no function refers to it.
    void remove_if_unused(const std::string& sha256_hex);

private:
    /// Caller holds mutex_.
    void remove_if_unused_locked(const std::string& sha256_hex);

    const store::Catalog& catalog_;
    store::CodeStore& code_store_;
    std::mutex mutex_;
    std::map<std::string, int, std::less<>> pins_;
};

}  // namespace lambdahost::api
