// SPDX-License-Identifier: Apache-2.0
// CodePins: keeps a stored package alive between CodeStore::put and the catalog mutation that
// makes a function refer to it, and deletes packages nothing refers to any more. Without pins, a
// request dropping its last reference to a digest could delete the package another request has
// just stored but not yet recorded. Removal happens only under the pins' lock, when no request
// pins the digest and no function of any scope refers to it. Running environments hold a pin
// too (hold()), so a package replaced or deleted under them stays until they are gone.
// Thread-safe; put() and remove_if_unused() block on disk I/O (blocking pool only); hold() and
// dropping its token never do I/O (any thread).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/catalog.hpp"
#include "store/code_store.hpp"

namespace lambdahost::api {

class Executor;

class CodePins {
public:
    /// `executor`: the blocking pool, where released hold() pins delete unused packages.
    CodePins(const store::Catalog& catalog, store::CodeStore& code_store, Executor& executor)
        : catalog_(catalog), code_store_(code_store), executor_(executor) {}

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

    /// A pin on `sha256_hex` for as long as the returned token lives (the spec its
    /// environments run, scheduler::FunctionVersionSpec::code_pin). The token may be dropped
    /// on any thread: the release, and the deletion if the package is then unused, run on the
    /// executor. Dropped, or still queued, once this CodePins is destroyed, it does nothing.
    std::shared_ptr<const void> hold(const std::string& sha256_hex);

private:
    /// Drops one pin; the last one deletes the package if no function refers to it.
    void release(const std::string& sha256_hex);
    /// Caller holds mutex_.
    void remove_if_unused_locked(const std::string& sha256_hex);

    const store::Catalog& catalog_;
    store::CodeStore& code_store_;
    Executor& executor_;
    std::mutex mutex_;
    std::map<std::string, int, std::less<>> pins_;
    /// Expires with this object: queued releases check it.
    const std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
};

}  // namespace lambdahost::api
