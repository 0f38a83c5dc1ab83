// SPDX-License-Identifier: Apache-2.0
// _X_AMZN_TRACE_ID, set for each invocation (facts §3.10), without the leak setenv() has.
// Internal to the runtime client; its unit tests include it.
#pragma once

#include <string>

namespace lambdahost::runtime::detail {

/// Sets or clears _X_AMZN_TRACE_ID. Not setenv(): glibc keeps every value setenv() was ever
/// given (so that old getenv() results stay valid), and a trace id is new on every invoke, so
/// that leaked ~200 bytes per invoke. putenv() keeps our own string instead: one entry,
/// rewritten in place while the new value fits it (POSIX lets a set invalidate earlier getenv()
/// results).
void set_trace_id_variable(const std::string& trace_id);

}  // namespace lambdahost::runtime::detail
