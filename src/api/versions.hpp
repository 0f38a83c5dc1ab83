// SPDX-License-Identifier: Apache-2.0
// Published versions (facts §2.1, §3.3): PublishVersion, ListVersionsByFunction, and the pieces
// CreateFunction / UpdateFunctionCode (Publish: true) and DeleteFunction (Qualifier=<n>) share.
// A version is a frozen copy of $LATEST with its own number (never reused), ARN, RevisionId and
// pool of environments. Handlers run on the blocking pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/context.hpp"
#include "api/request.hpp"
#include "model/function.hpp"

namespace lambdahost::api {

Response publish_version(Context& context, const Request& request);
Response list_versions_by_function(Context& context, const Request& request);

/// Publishes $LATEST as the next version, inside a catalog mutation: the version copies its
/// configuration (Description replaced when given) with its own number, RevisionId and
/// LastModified; $LATEST gets a new RevisionId (facts §3.3). Returns the number.
std::uint64_t publish_latest(model::Function& function,
                             const std::optional<std::string>& description);

/// Removes published version `number` and its provisioned-concurrency configuration, inside a
/// catalog mutation. Throws ResourceConflictException "Unable to delete version because the
/// following aliases reference it: [a, b]" when aliases route to it.
void erase_version(model::Function& function, std::uint64_t number);

}  // namespace lambdahost::api
