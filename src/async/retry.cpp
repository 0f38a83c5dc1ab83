// SPDX-License-Identifier: Apache-2.0
// Retry arithmetic (see retry.hpp).
#include "async/retry.hpp"

#include <algorithm>

namespace lambdahost::async {
namespace {

using std::chrono::milliseconds;

// AWS: throttles and system errors back off from 1 s up to 5 min (facts §3.7).
constexpr milliseconds kFirstBackoff{1000};
constexpr milliseconds kMaxBackoff{5 * 60 * 1000};

constexpr std::string_view kConditionNames[] = {
    "Success", "RetriesExhausted", "EventAgeExceeded", "ZeroReservedConcurrency"};

/// A retry at `due_at`, or EventAgeExceeded now when that is past the event's maximum age.
Decision retry_at(const Event& event, const RetryPolicy& policy, EpochMs due_at) {
    const EpochMs deadline =
        event.enqueued_at +
        std::chrono::duration_cast<milliseconds>(policy.maximum_event_age).count();
    if (due_at > deadline) {
        return {Condition::EventAgeExceeded, 0};  // AWS's look-ahead (facts §3.7)
    }
    return {std::nullopt, due_at};
}

}  // namespace

std::string_view condition_name(Condition condition) {
    return kConditionNames[static_cast<std::size_t>(condition)];
}

milliseconds system_backoff(int failures) {
    milliseconds delay = kFirstBackoff;
    for (int i = 1; i < failures && delay < kMaxBackoff; ++i) {
        delay *= 2;
    }
    return std::min(delay, kMaxBackoff);
}

milliseconds retry_delay(int retry, milliseconds base) {
    return base * retry;
}

Decision after_function_error(const Event& event, const RetryPolicy& policy, EpochMs now) {
    const int retries_done = event.attempts - 1;
    if (retries_done >= policy.maximum_retry_attempts) {
        return {Condition::RetriesExhausted, 0};
    }
    return retry_at(event, policy, now + retry_delay(retries_done + 1, policy.base_delay).count());
}

Decision after_system_error(const Event& event, const RetryPolicy& policy, EpochMs now) {
    return retry_at(event, policy, now + system_backoff(event.system_failures).count());
}

bool expired(const Event& event, const RetryPolicy& policy, EpochMs now) {
    return now - event.enqueued_at >
           std::chrono::duration_cast<milliseconds>(policy.maximum_event_age).count();
}

}  // namespace lambdahost::async
