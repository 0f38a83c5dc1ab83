// SPDX-License-Identifier: Apache-2.0
// The retry arithmetic of asynchronous invocation (facts §3.7), pure so it is unit-tested on its
// own: function errors are retried MaximumRetryAttempts times, the n-th retry after n × the base
// delay (AWS: 60 s then 120 s); throttles and system errors back off exponentially from 1 s to
// 5 min without counting as retries; and an event whose next attempt would come after its
// MaximumEventAgeInSeconds fails now (AWS's look-ahead) instead of waiting to expire.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "async/event.hpp"

namespace lambdahost::async {

/// The effective settings of one event (EventInvokeConfig with AWS's defaults filled in).
struct RetryPolicy {
    int maximum_retry_attempts = 2;                                  // AWS default (facts §3.7)
    std::chrono::seconds maximum_event_age{21600};                   // AWS default: 6 h
    std::chrono::milliseconds base_delay{std::chrono::seconds(60)};  // --async-retry-base-delay
};

/// requestContext.condition of a destination record (facts §3.7).
enum class Condition { Success, RetriesExhausted, EventAgeExceeded, ZeroReservedConcurrency };
std::string_view condition_name(Condition condition);

/// After an attempt: either the event is finished (`condition`) or it runs again at `due_at`.
struct Decision {
    std::optional<Condition> condition;
    EpochMs due_at = 0;
};

/// Wait after `failures` (≥ 1) consecutive throttles or system errors: 1 s, 2 s, 4 s, ... ≤ 5 min.
std::chrono::milliseconds system_backoff(int failures);
/// Wait before retry number `retry` (1-based) after a function error: retry × base.
std::chrono::milliseconds retry_delay(int retry, std::chrono::milliseconds base);

/// After a function error; `event.attempts` already counts the attempt that failed.
Decision after_function_error(const Event& event, const RetryPolicy& policy, EpochMs now);
/// After a throttle or system error; `event.system_failures` already counts it.
Decision after_system_error(const Event& event, const RetryPolicy& policy, EpochMs now);
/// Whether the event is older than its maximum age at `now` (checked before each attempt: a
/// server that was down may find events expired).
bool expired(const Event& event, const RetryPolicy& policy, EpochMs now);

}  // namespace lambdahost::async
