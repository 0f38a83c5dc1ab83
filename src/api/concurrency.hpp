// SPDX-License-Identifier: Apache-2.0
// Reserved and provisioned concurrency (facts §2.3, §3.6): the Put/Get/Delete operations with
// AWS's limits and texts, and the glue between the stored settings (model::Function) and the
// scheduler, which holds the leases (scheduler::ConcurrencyLimits) and the provisioned
// environments. Every change is made durable first and then applied to the scheduler; when the
// scheduler reports a provisioning done, the outcome (READY / FAILED) is stored the same way.
// Handlers and the glue run on the blocking pool.
#pragma once

#include <string>
#include <vector>

#include "api/context.hpp"
#include "api/request.hpp"
#include "model/function.hpp"

namespace lambdahost::api {

Response put_function_concurrency(Context& context, const Request& request);
Response get_function_concurrency(Context& context, const Request& request);
Response delete_function_concurrency(Context& context, const Request& request);
Response put_provisioned_concurrency_config(Context& context, const Request& request);
Response get_provisioned_concurrency_config(Context& context, const Request& request);
Response delete_provisioned_concurrency_config(Context& context, const Request& request);
Response list_provisioned_concurrency_configs(Context& context, const Request& request);

/// GetAccountSettings' UnreservedConcurrentExecutions of a scope: the account limit less every
/// reservation and the provisioned concurrency of functions without one.
long long unreserved_concurrency(const Context& context, const model::Scope& scope);

/// Marks a provisioned configuration as being (re)allocated: IN_PROGRESS, 0 allocated, a new
/// LastModified (which identifies this allocation). Inside a catalog mutation.
void restart_provisioned(model::ProvisionedConcurrency& config);

/// Hands the function's current settings to the scheduler's leases (no-op without one).
void apply_limits(Context& context, const model::Scope& scope, const std::string& name);
/// Starts the environments of the stored IN_PROGRESS configuration of `qualifier`; the outcome
/// is stored as READY or FAILED when the scheduler reports it.
void start_provisioning(Context& context,
                        const model::Scope& scope,
                        const std::string& name,
                        const std::string& qualifier);
/// Stops the provisioned environments of `qualifiers` (configurations just deleted) and hands
/// the function's remaining settings (none, if it is gone) to the scheduler.
void release_provisioned(Context& context,
                         const model::Scope& scope,
                         const std::string& name,
                         const std::vector<std::string>& qualifiers);

/// At start-up, once the scheduler exists: every function's limits, and every provisioned
/// configuration that is not FAILED allocated again (facts §3.6: restart re-provisions).
void resume_concurrency(Context& context);

}  // namespace lambdahost::api
