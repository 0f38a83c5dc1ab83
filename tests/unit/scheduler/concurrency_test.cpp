// SPDX-License-Identifier: Apache-2.0
// ConcurrencyLimits: which source a lease comes from (provisioned -> reserved -> unreserved),
// the capacities of each, the throttle Reasons, and that released leases make room again.
#include "scheduler/concurrency.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace lambdahost::scheduler {
namespace {

using Lease = ConcurrencyLimits::Lease;

const model::Scope kScope{"111111111111", "us-east-1"};
const model::Scope kOtherScope{"222222222222", "us-east-1"};

/// Takes leases until one is refused; returns them (their kinds are what the test checks)
/// and the Reason of the refusal.
std::pair<std::vector<Lease>, std::string> drain(ConcurrencyLimits& limits,
                                                 const model::Scope& scope,
                                                 const std::string& function,
                                                 const std::string& qualifier = "") {
    std::vector<Lease> leases;
    for (;;) {
        auto acquired = limits.acquire(scope, function, qualifier);
        if (!acquired.lease) {
            return {std::move(leases), std::string(acquired.throttle_reason)};
        }
        leases.push_back(std::move(acquired.lease));
    }
}

std::size_t count_kind(const std::vector<Lease>& leases, LeaseKind kind) {
    std::size_t count = 0;
    for (const Lease& lease : leases) {
        count += lease.kind() == kind ? 1 : 0;
    }
    return count;
}

FunctionLimits reserved(unsigned count) {
    FunctionLimits limits;
    limits.reserved = count;
    return limits;
}

TEST(ConcurrencyLimits, UnconfiguredFunctionsShareTheAccountLimit) {
    ConcurrencyLimits limits(3);
    auto [leases, reason] = drain(limits, kScope, "a");
    EXPECT_EQ(leases.size(), 3U);
    EXPECT_EQ(count_kind(leases, LeaseKind::Unreserved), 3U);
    EXPECT_EQ(reason, kAccountLimitExceeded);
    // Another function of the same scope finds the pool exhausted; another scope does not.
    EXPECT_FALSE(limits.acquire(kScope, "b", "").lease);
    EXPECT_TRUE(limits.acquire(kOtherScope, "b", "").lease);
}

TEST(ConcurrencyLimits, ReleasedLeasesMakeRoom) {
    ConcurrencyLimits limits(1);
    auto first = limits.acquire(kScope, "a", "");
    ASSERT_TRUE(first.lease);
    EXPECT_FALSE(limits.acquire(kScope, "a", "").lease);
    first.lease.release();
    EXPECT_FALSE(first.lease);
    auto second = limits.acquire(kScope, "a", "");
    EXPECT_TRUE(second.lease);
    {
        // Destroying a lease releases it too; moving one does not release twice.
        Lease moved = std::move(second.lease);
        EXPECT_FALSE(limits.acquire(kScope, "a", "").lease);
    }
    EXPECT_TRUE(limits.acquire(kScope, "a", "").lease);
}

TEST(ConcurrencyLimits, ReservedConcurrencyIsTheFunctionsOwnAndLeavesTheRest) {
    ConcurrencyLimits limits(10);
    limits.configure(kScope, "reserved", reserved(4));
    auto [own, own_reason] = drain(limits, kScope, "reserved");
    EXPECT_EQ(own.size(), 4U);
    EXPECT_EQ(count_kind(own, LeaseKind::Reserved), 4U);
    EXPECT_EQ(own_reason, kReservedLimitExceeded);
    // The other functions share what is not reserved: 10 - 4.
    auto [others, others_reason] = drain(limits, kScope, "other");
    EXPECT_EQ(others.size(), 6U);
    EXPECT_EQ(others_reason, kAccountLimitExceeded);
}

TEST(ConcurrencyLimits, ReservedZeroThrottlesEveryInvocation) {
    ConcurrencyLimits limits(10);
    limits.configure(kScope, "off", reserved(0));
    const auto acquired = limits.acquire(kScope, "off", "");
    EXPECT_FALSE(acquired.lease);
    EXPECT_EQ(acquired.throttle_reason, kReservedLimitExceeded);
}

TEST(ConcurrencyLimits, ProvisionedFirstThenReservedThenThrottled) {
    ConcurrencyLimits limits(10);
    FunctionLimits settings = reserved(5);
    settings.provisioned["live"] = {2, 2};
    limits.configure(kScope, "f", settings);
    // Through the alias: 2 provisioned, then the on-demand rest of the reservation (5 - 2).
    auto [leases, reason] = drain(limits, kScope, "f", "live");
    EXPECT_EQ(count_kind(leases, LeaseKind::Provisioned), 2U);
    EXPECT_EQ(count_kind(leases, LeaseKind::Reserved), 3U);
    EXPECT_EQ(leases.front().kind(), LeaseKind::Provisioned);
    EXPECT_EQ(reason, kReservedLimitExceeded);
    // $LATEST never uses provisioned concurrency.
    leases.clear();
    auto [latest, latest_reason] = drain(limits, kScope, "f");
    EXPECT_EQ(latest.size(), 3U);
    EXPECT_EQ(count_kind(latest, LeaseKind::Reserved), 3U);
}

TEST(ConcurrencyLimits, ReservationEqualToProvisionedLeavesNoOnDemandCapacity) {
    // AWS: reserved == provisioned on version 1: $LATEST throttles, version 1 works (§3.6).
    ConcurrencyLimits limits(10);
    FunctionLimits settings = reserved(1);
    settings.provisioned["1"] = {1, 1};
    limits.configure(kScope, "f", settings);
    EXPECT_EQ(limits.acquire(kScope, "f", "").throttle_reason, kReservedLimitExceeded);
    const auto version = limits.acquire(kScope, "f", "1");
    ASSERT_TRUE(version.lease);
    EXPECT_EQ(version.lease.kind(), LeaseKind::Provisioned);
}

TEST(ConcurrencyLimits, ProvisionedOfAnUnreservedFunctionComesFromTheAccount) {
    ConcurrencyLimits limits(10);
    FunctionLimits settings;
    settings.provisioned["2"] = {3, 3};
    limits.configure(kScope, "f", settings);
    auto [provisioned, provisioned_reason] = drain(limits, kScope, "f", "2");
    // 3 provisioned, then the unreserved pool, which is 10 - 3.
    EXPECT_EQ(count_kind(provisioned, LeaseKind::Provisioned), 3U);
    EXPECT_EQ(count_kind(provisioned, LeaseKind::Unreserved), 7U);
    EXPECT_EQ(provisioned_reason, kAccountLimitExceeded);
}

TEST(ConcurrencyLimits, ProvisionedNotReadyServesNothingButIsSetAside) {
    ConcurrencyLimits limits(10);
    FunctionLimits settings;
    settings.provisioned["live"] = {4, 0};  // IN_PROGRESS
    limits.configure(kScope, "f", settings);
    auto [leases, reason] = drain(limits, kScope, "f", "live");
    EXPECT_EQ(count_kind(leases, LeaseKind::Provisioned), 0U);
    EXPECT_EQ(leases.size(), 6U);
}

TEST(ConcurrencyLimits, ReconfiguringKeepsLeasesInFlightCounted) {
    ConcurrencyLimits limits(10);
    FunctionLimits settings = reserved(3);
    settings.provisioned["live"] = {1, 1};
    limits.configure(kScope, "f", settings);
    auto held = limits.acquire(kScope, "f", "live");
    ASSERT_EQ(held.lease.kind(), LeaseKind::Provisioned);
    settings.reserved = 2;
    limits.configure(kScope, "f", settings);
    // The provisioned slot is still taken: the next one through the alias is on demand.
    const auto next = limits.acquire(kScope, "f", "live");
    ASSERT_TRUE(next.lease);
    EXPECT_EQ(next.lease.kind(), LeaseKind::Reserved);
    // Removing every setting returns the function to the unreserved pool.
    limits.configure(kScope, "f", {});
    const auto plain = limits.acquire(kScope, "f", "live");
    ASSERT_TRUE(plain.lease);
    EXPECT_EQ(plain.lease.kind(), LeaseKind::Unreserved);
}

}  // namespace
}  // namespace lambdahost::scheduler
