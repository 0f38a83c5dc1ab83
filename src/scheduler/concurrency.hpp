// SPDX-License-Identifier: Apache-2.0
// ConcurrencyLimits: the concurrency leases of every invocation, per scope (an account in a
// region, as AWS counts them). A lease comes from the first source with room, in AWS's order
// (facts §3.6): the provisioned concurrency of the qualifier the caller addressed, then the
// function's reserved concurrency, or else the scope's unreserved pool. Capacities:
//   provisioned(f, q) = the initialised environments of q (0 until READY)
//   on-demand(f)      = reserved(f) - Σ requested provisioned(f)            (reserved functions)
//   unreserved pool   = account limit - Σ reserved - Σ requested provisioned of the functions
//                       without a reservation
// No room in the source that applies is a throttle with AWS's Reason.
// Threading: acquire() takes one short lock (map lookups and one atomic increment); a lease is
// released with one atomic decrement and no lock. configure() is for the control plane.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "model/function.hpp"

namespace lambdahost::scheduler {

/// AWS: the Reasons of a 429 TooManyRequestsException (facts §3.6).
inline constexpr std::string_view kReservedLimitExceeded =
    "ReservedFunctionConcurrentInvocationLimitExceeded";
inline constexpr std::string_view kAccountLimitExceeded = "ConcurrentInvocationLimitExceeded";

/// The concurrency settings of one function as the control plane stores them.
struct FunctionLimits {
    std::optional<unsigned> reserved;
    struct Provisioned {
        unsigned requested = 0;  // taken from the on-demand capacity while configured
        unsigned ready = 0;      // initialised environments: the provisioned leases available
    };
    std::map<std::string, Provisioned, std::less<>> provisioned;  // by qualifier
};

/// What a lease counts against.
enum class LeaseKind { Provisioned, Reserved, Unreserved };

class ConcurrencyLimits {
    using Counter = std::atomic<unsigned>;

public:
    explicit ConcurrencyLimits(unsigned account_limit) : account_limit_(account_limit) {}

    /// One running invocation's slot; released when destroyed (or moved from and reset).
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&& other) noexcept {
            release();
            counter_ = std::move(other.counter_);
            kind_ = other.kind_;
            return *this;
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { release(); }

        explicit operator bool() const { return counter_ != nullptr; }
        LeaseKind kind() const { return kind_; }
        void release() {
            if (counter_) {
                counter_->fetch_sub(1, std::memory_order_relaxed);
                counter_.reset();
            }
        }

    private:
        friend class ConcurrencyLimits;
        Lease(std::shared_ptr<Counter> counter, LeaseKind kind)
            : counter_(std::move(counter)), kind_(kind) {}

        std::shared_ptr<Counter> counter_;
        LeaseKind kind_ = LeaseKind::Unreserved;
    };

    /// A lease, or (when it is empty) the throttle's Reason.
    struct Acquired {
        Lease lease;
        std::string_view throttle_reason;
    };
    /// `qualifier`: the version number or alias the caller addressed ("" for $LATEST).
    Acquired acquire(const model::Scope& scope,
                     std::string_view function,
                     std::string_view qualifier);

    /// Replaces one function's settings (default FunctionLimits: none). Invocations in flight
    /// keep their leases and still count until they end.
    void configure(const model::Scope& scope, const std::string& function, FunctionLimits limits);

    unsigned account_limit() const { return account_limit_; }

private:
    struct ProvisionedEntry {
        unsigned requested = 0;
        unsigned ready = 0;
        std::shared_ptr<Counter> in_flight = std::make_shared<Counter>(0);
    };
    struct FunctionEntry {
        std::optional<unsigned> reserved;
        unsigned on_demand_capacity = 0;  // reserved functions only
        std::shared_ptr<Counter> on_demand = std::make_shared<Counter>(0);
        std::map<std::string, ProvisionedEntry, std::less<>> provisioned;
        unsigned requested_provisioned() const;
    };
    struct ScopeEntry {
        unsigned unreserved_capacity = 0;
        std::shared_ptr<Counter> unreserved = std::make_shared<Counter>(0);
        std::map<std::string, FunctionEntry, std::less<>> functions;
    };

    /// Takes a slot of `counter` if fewer than `capacity` are in use. Caller holds mutex_.
    static Lease take(const std::shared_ptr<Counter>& counter, unsigned capacity, LeaseKind kind);
    /// Caller holds mutex_.
    ScopeEntry& scope_entry(const model::Scope& scope);
    void recompute(ScopeEntry& entry) const;

    const unsigned account_limit_;
    std::mutex mutex_;
    std::map<model::Scope, ScopeEntry> scopes_;  // guarded by mutex_
};

}  // namespace lambdahost::scheduler
