// SPDX-License-Identifier: Apache-2.0
// ConcurrencyLimits: see concurrency.hpp. Capacities are recomputed by configure() (rare), so
// acquire() only compares a counter with a stored number. A counter is only incremented under
// mutex_ and only decremented without it, so a check-then-increment never overshoots.
#include "scheduler/concurrency.hpp"

#include <algorithm>

namespace lambdahost::scheduler {

unsigned ConcurrencyLimits::FunctionEntry::requested_provisioned() const {
    unsigned total = 0;
    for (const auto& [qualifier, entry] : provisioned) {
        total += entry.requested;
    }
    return total;
}

ConcurrencyLimits::Lease ConcurrencyLimits::take(const std::shared_ptr<Counter>& counter,
                                                 unsigned capacity,
                                                 LeaseKind kind) {
    if (counter->load(std::memory_order_relaxed) >= capacity) {
        return {};
    }
    counter->fetch_add(1, std::memory_order_relaxed);
    return {counter, kind};
}

ConcurrencyLimits::ScopeEntry& ConcurrencyLimits::scope_entry(const model::Scope& scope) {
    auto [it, inserted] = scopes_.try_emplace(scope);
    if (inserted) {
        recompute(it->second);
    }
    return it->second;
}

void ConcurrencyLimits::recompute(ScopeEntry& entry) const {
    // Signed: settings checked by the control plane never exceed the limit, but a lowered
    // --account-concurrency may leave older reservations above it.
    long long unreserved = account_limit_;
    for (auto& [name, function] : entry.functions) {
        const unsigned provisioned = function.requested_provisioned();
        if (function.reserved) {
            unreserved -= *function.reserved;
            function.on_demand_capacity =
                *function.reserved - std::min(*function.reserved, provisioned);
        } else {
            unreserved -= provisioned;
        }
    }
    entry.unreserved_capacity = static_cast<unsigned>(std::max(0LL, unreserved));
}

ConcurrencyLimits::Acquired ConcurrencyLimits::acquire(const model::Scope& scope,
                                                       std::string_view function,
                                                       std::string_view qualifier) {
    const auto lease_or = [](Lease lease, std::string_view reason) {
        const bool taken = static_cast<bool>(lease);
        return Acquired{std::move(lease), taken ? std::string_view() : reason};
    };
    std::lock_guard lock(mutex_);
    ScopeEntry& entry = scope_entry(scope);
    const auto found = entry.functions.find(function);
    if (found == entry.functions.end()) {
        return lease_or(take(entry.unreserved, entry.unreserved_capacity, LeaseKind::Unreserved),
                        kAccountLimitExceeded);
    }
    const FunctionEntry& settings = found->second;
    if (const auto provisioned = settings.provisioned.find(qualifier);
        !qualifier.empty() && provisioned != settings.provisioned.end()) {
        if (Lease lease = take(
                provisioned->second.in_flight, provisioned->second.ready, LeaseKind::Provisioned)) {
            return {std::move(lease), {}};
        }
    }
    if (settings.reserved) {
        return lease_or(take(settings.on_demand, settings.on_demand_capacity, LeaseKind::Reserved),
                        kReservedLimitExceeded);
    }
    return lease_or(take(entry.unreserved, entry.unreserved_capacity, LeaseKind::Unreserved),
                    kAccountLimitExceeded);
}

void ConcurrencyLimits::configure(const model::Scope& scope,
                                  const std::string& function,
                                  FunctionLimits limits) {
    std::lock_guard lock(mutex_);
    ScopeEntry& entry = scope_entry(scope);
    if (!limits.reserved && limits.provisioned.empty()) {
        entry.functions.erase(function);
    } else {
        FunctionEntry& settings = entry.functions[function];
        settings.reserved = limits.reserved;
        std::map<std::string, ProvisionedEntry, std::less<>> provisioned;
        for (const auto& [qualifier, values] : limits.provisioned) {
            ProvisionedEntry& target = provisioned[qualifier];
            // Keep the in-flight counter of a qualifier that stays configured.
            if (const auto old = settings.provisioned.find(qualifier);
                old != settings.provisioned.end()) {
                target.in_flight = old->second.in_flight;
            }
            target.requested = values.requested;
            target.ready = values.ready;
        }
        settings.provisioned = std::move(provisioned);
    }
    recompute(entry);
}

}  // namespace lambdahost::scheduler
