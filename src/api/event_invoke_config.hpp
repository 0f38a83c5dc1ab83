// SPDX-License-Identifier: Apache-2.0
// The asynchronous-invocation configuration operations (facts §2.4, §3.7): Put (overwrites),
// Update (POST, merges), Get, Delete and ListFunctionEventInvokeConfigs, one configuration per
// qualifier, stored in model::Function::event_invoke_configs. Validation and texts as AWS
// (LocalStack's AWS-recorded snapshots where facts are silent); DestinationConfig is always
// rendered with both sides, empty objects for unset ones.
// Threading: synchronous handlers (blocking pool).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/request.hpp"
#include "model/function.hpp"

namespace lambdahost::api {

Response put_function_event_invoke_config(Context& context, const Request& request);
Response update_function_event_invoke_config(Context& context, const Request& request);
Response get_function_event_invoke_config(Context& context, const Request& request);
Response delete_function_event_invoke_config(Context& context, const Request& request);
Response list_function_event_invoke_configs(Context& context, const Request& request);

/// FunctionEventInvokeConfig as AWS renders it, for the configuration of `qualifier`.
nlohmann::ordered_json render_event_invoke_config(const model::Scope& scope,
                                                  std::string_view function_name,
                                                  std::string_view qualifier,
                                                  const model::EventInvokeConfig& config);

}  // namespace lambdahost::api
