// SPDX-License-Identifier: Apache-2.0
// JSON mapping of functions: the wire form of FunctionConfiguration with AWS's field-presence
// rules (facts §3.2), and the internal document form the store persists. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/function.hpp"

namespace lambdahost::model {

struct RenderOptions {
    /// FunctionArn suffix: nullopt -> unqualified ARN; "$LATEST", "1", "<alias>" -> qualified.
    std::optional<std::string> arn_qualifier;
    /// List operations (ListFunctions, ListVersionsByFunction) strip State*, LastUpdateStatus*
    /// and RuntimeVersionConfig.
    bool list_item = false;
};

/// FunctionConfiguration as AWS renders it (GetFunctionConfiguration, Create/Update responses,
/// list items, GetFunction.Configuration). An ordered_json, so members keep AWS's order (the
/// service model's, as in facts §3.2); embed it in ordered_json envelopes to keep that order.
nlohmann::ordered_json to_wire(const Scope& scope,
                               const FunctionConfig& config,
                               const RenderOptions& options);

/// "Pending", "Active", "Inactive", "Failed": State on the wire.
std::string state_name(FunctionState state);
/// "IN_PROGRESS", "READY", "FAILED": a provisioned-concurrency Status on the wire.
std::string provisioned_status_name(ProvisionedStatus status);

/// "arn:aws:lambda:<region>::runtime:<64 hex>": AWS's RuntimeVersionArn, here derived
/// deterministically from the runtime id (sha256 hex) so it is stable across restarts.
std::string runtime_version_arn(const Scope& scope, std::string_view runtime);

/// Internal persistence form of a whole Function (every field, versions and tags included).
/// Not the wire form: it is versioned by the store's schema, not by AWS.
std::string to_document(const Function& function);
/// Inverse of to_document. Throws std::runtime_error on a document it cannot read.
Function from_document(std::string_view document);

}  // namespace lambdahost::model
