// SPDX-License-Identifier: Apache-2.0
// Retry arithmetic (facts §3.7): function-error delays base then 2 × base, MaximumRetryAttempts,
// the 1 s .. 5 min backoff of throttles and system errors, and the age look-ahead.
#include "async/retry.hpp"

#include <gtest/gtest.h>

namespace lambdahost::async {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr EpochMs kStart = 1'700'000'000'000;

Event queued_at(EpochMs when) {
    Event event;
    event.enqueued_at = when;
    event.due_at = when;
    return event;
}

TEST(Retry, FunctionErrorsWaitBaseThenTwiceBase) {
    const RetryPolicy policy;  // AWS defaults: 2 retries, 6 h, 60 s
    Event event = queued_at(kStart);
    event.attempts = 1;
    Decision first = after_function_error(event, policy, kStart + 100);
    ASSERT_FALSE(first.condition);
    EXPECT_EQ(first.due_at, kStart + 100 + 60'000);
    event.attempts = 2;
    Decision second = after_function_error(event, policy, kStart + 70'000);
    ASSERT_FALSE(second.condition);
    EXPECT_EQ(second.due_at, kStart + 70'000 + 120'000);
    event.attempts = 3;
    EXPECT_EQ(after_function_error(event, policy, kStart + 200'000).condition,
              Condition::RetriesExhausted);
}

TEST(Retry, BaseDelayIsConfigurable) {
    RetryPolicy policy;
    policy.base_delay = seconds(1);
    Event event = queued_at(kStart);
    event.attempts = 2;
    EXPECT_EQ(after_function_error(event, policy, kStart).due_at, kStart + 2000);
    EXPECT_EQ(retry_delay(1, milliseconds(1500)), milliseconds(1500));
    EXPECT_EQ(retry_delay(2, milliseconds(1500)), milliseconds(3000));
}

TEST(Retry, ZeroRetriesFailAfterTheFirstAttempt) {
    RetryPolicy policy;
    policy.maximum_retry_attempts = 0;
    Event event = queued_at(kStart);
    event.attempts = 1;
    EXPECT_EQ(after_function_error(event, policy, kStart).condition, Condition::RetriesExhausted);
}

TEST(Retry, AgeLookAheadFailsWhenTheNextRetryWouldBeTooLate) {
    // AWS: 60 s maximum age, failing function -> failure record after 1 or 2 attempts.
    RetryPolicy policy;
    policy.maximum_event_age = seconds(60);
    Event event = queued_at(kStart);
    event.attempts = 1;
    EXPECT_EQ(after_function_error(event, policy, kStart + 1).condition,
              Condition::EventAgeExceeded);  // the retry would be due at 60.001 s
    policy.base_delay = seconds(20);
    const Decision retry = after_function_error(event, policy, kStart);
    EXPECT_FALSE(retry.condition);  // due at 20 s
    event.attempts = 2;
    EXPECT_EQ(after_function_error(event, policy, kStart + 21'000).condition,
              Condition::EventAgeExceeded);  // due at 61 s
}

TEST(Retry, RetryExactlyAtTheMaximumAgeIsStillAllowed) {
    RetryPolicy policy;
    policy.maximum_event_age = seconds(60);
    Event event = queued_at(kStart);
    event.attempts = 1;
    EXPECT_FALSE(after_function_error(event, policy, kStart).condition);  // due at exactly 60 s
}

TEST(Retry, SystemBackoffDoublesFromOneSecondUpToFiveMinutes) {
    EXPECT_EQ(system_backoff(1), seconds(1));
    EXPECT_EQ(system_backoff(2), seconds(2));
    EXPECT_EQ(system_backoff(3), seconds(4));
    EXPECT_EQ(system_backoff(9), seconds(256));
    EXPECT_EQ(system_backoff(10), seconds(300));
    EXPECT_EQ(system_backoff(1000), seconds(300));
}

TEST(Retry, SystemErrorsDoNotCountAsRetries) {
    const RetryPolicy policy;
    Event event = queued_at(kStart);
    event.attempts = 0;
    event.system_failures = 5;
    const Decision decision = after_system_error(event, policy, kStart + 10);
    ASSERT_FALSE(decision.condition);
    EXPECT_EQ(decision.due_at, kStart + 10 + 16'000);
}

TEST(Retry, SystemBackoffStopsAtTheMaximumAge) {
    RetryPolicy policy;
    policy.maximum_event_age = seconds(60);
    Event event = queued_at(kStart);
    event.system_failures = 6;  // 32 s backoff
    EXPECT_EQ(after_system_error(event, policy, kStart + 30'000).condition,
              Condition::EventAgeExceeded);
}

TEST(Retry, ExpiredComparesTheAgeWithTheMaximum) {
    RetryPolicy policy;
    policy.maximum_event_age = seconds(60);
    const Event event = queued_at(kStart);
    EXPECT_FALSE(expired(event, policy, kStart + 60'000));
    EXPECT_TRUE(expired(event, policy, kStart + 60'001));
}

TEST(Retry, ConditionNamesAreAwsWords) {
    EXPECT_EQ(condition_name(Condition::Success), "Success");
    EXPECT_EQ(condition_name(Condition::RetriesExhausted), "RetriesExhausted");
    EXPECT_EQ(condition_name(Condition::EventAgeExceeded), "EventAgeExceeded");
    EXPECT_EQ(condition_name(Condition::ZeroReservedConcurrency), "ZeroReservedConcurrency");
}

}  // namespace
}  // namespace lambdahost::async
