// SPDX-License-Identifier: Apache-2.0
// Aliases (facts §2.2, §3.4): Create/Get/Update/Delete/ListAliases, and how an invocation of an
// alias picks its version. Handlers run on the blocking pool; select_invoke_target() and
// routing_draw() run on io threads (no lock, no allocation).
#pragma once

#include <optional>
#include <string>

#include "api/context.hpp"
#include "api/request.hpp"
#include "model/function.hpp"

namespace lambdahost::api {

Response create_alias(Context& context, const Request& request);
Response get_alias(Context& context, const Request& request);
Response update_alias(Context& context, const Request& request);
Response delete_alias(Context& context, const Request& request);
Response list_aliases(Context& context, const Request& request);

/// The version one invocation of `alias` runs: the additional version when `draw` (uniform in
/// [0, 1)) falls below its weight, else the primary version (as LocalStack does, facts §3.4).
const std::string& route(const model::Alias& alias, double draw);

/// A uniform draw in [0, 1) from a per-thread xorshift generator: no lock, no system call.
double routing_draw();

/// What an Invoke of `qualifier` runs.
struct InvokeTarget {
    const model::FunctionConfig* config = nullptr;  // nullptr: no such version or alias
    /// The qualifier whose provisioned concurrency the invocation may use: the version number
    /// or alias addressed; nullopt for $LATEST and for the additional version of an alias.
    std::optional<std::string> provisioned_qualifier;
};
/// $LATEST for none or "$LATEST", a published version, or an alias routed by weight.
InvokeTarget select_invoke_target(const model::Function& function,
                                  const std::optional<std::string>& qualifier);

}  // namespace lambdahost::api
