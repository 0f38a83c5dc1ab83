// SPDX-License-Identifier: Apache-2.0
// Catalog: the authoritative in-memory view of every function of every scope, written through
// to the Database. Reads return immutable snapshots (shared_ptr<const Function>) and never wait
// for I/O. A mutation is applied in memory and queued to the Database under one lock, so memory
// and disk see mutations in the same order; the caller then waits for durability outside the
// lock, which lets concurrent mutations share one group commit.
// Threading: all members are safe from any thread; update()/erase() block until durable, so they
// run on the blocking pool, never on an io thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/function.hpp"
#include "store/database.hpp"

namespace lambdahost::store {

using FunctionPtr = std::shared_ptr<const model::Function>;

class Catalog {
public:
    /// Loads every function from `db`.
    explicit Catalog(Database& db);

    FunctionPtr find(const model::Scope& scope, std::string_view name) const;
    /// Functions of one scope, ordered by name.
    std::vector<FunctionPtr> list(const model::Scope& scope) const;
    /// Every function of every scope (start-up recovery of in-flight state transitions).
    std::vector<std::pair<model::Scope, FunctionPtr>> all() const;

    /// Computes the next value from the current one (nullptr when absent) and makes it durable.
    /// `mutate` runs under the catalog lock: keep it short, no I/O. Returning nullptr erases the
    /// function. An exception from `mutate` (e.g. AwsError) propagates and changes nothing.
    /// Returns the stored value (nullptr when erased). If the commit fails, its exception
    /// propagates and, once no other write of this function is in flight, memory goes back to
    /// what the Database holds.
    using Mutation =
        std::function<std::shared_ptr<model::Function>(const model::Function* current)>;
    FunctionPtr update(const model::Scope& scope, std::string_view name, const Mutation& mutate);

    /// Number of functions and total CodeSize of one scope (GetAccountSettings.AccountUsage).
    struct Usage {
        std::int64_t function_count = 0;
        std::int64_t total_code_size = 0;
    };
    Usage usage(const model::Scope& scope) const;

    /// Whether any function of any scope (any version) still refers to this code digest.
    bool code_in_use(const std::string& sha256_hex) const;

private:
    using Key = std::pair<model::Scope, std::string>;
    /// Writes of one key queued and not yet settled, and whether any of them failed.
    struct InFlight {
        int writes = 0;
        bool failed = false;
    };

    /// After a failed commit, once no write of `key` is in flight: memory takes the durable value.
    void resync(const Key& key);

    Database& db_;
    mutable std::mutex mutex_;
    std::map<Key, FunctionPtr, std::less<>> functions_;  // guarded by mutex_
    std::map<Key, InFlight, std::less<>> in_flight_;     // guarded by mutex_
};

}  // namespace lambdahost::store
