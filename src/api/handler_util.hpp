// SPDX-License-Identifier: Apache-2.0
// Pieces every control-plane handler shares: resolving the {FunctionName} path parameter,
// finding the function (or version) it names with AWS's "Function not found" text, and
// writing JSON responses. Internal to api/; pure apart from catalog reads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request.hpp"
#include "model/arn.hpp"
#include "model/function.hpp"
#include "store/catalog.hpp"

namespace lambdahost::api {

/// Parses the {FunctionName} path parameter under `grammar` and resolves it in the request's
/// scope together with the Qualifier query parameter.
model::ResolvedRef resolve_function_param(const Request& request, model::NameGrammar grammar);

/// For operations that change $LATEST or the function as a whole: refuses a reference qualified
/// with anything but "$LATEST" (IPVE, the text AWS uses for PutFunctionConcurrency, facts §2.3).
void require_unqualified(const model::ResolvedRef& ref);

/// The ARN AWS quotes in "Function not found": qualified exactly when the reference is.
std::string reference_arn(const model::ResolvedRef& ref);

/// The function `ref` names (its qualifier is not looked at); throws
/// ResourceNotFoundException "Function not found: <reference_arn>".
store::FunctionPtr find_function(const store::Catalog& catalog, const model::ResolvedRef& ref);
/// The same check on a catalog mutation's current value.
const model::Function& require_function(const model::Function* current,
                                        const model::ResolvedRef& ref);

/// A published version number ("1", "42"); nullopt for anything else.
std::optional<std::uint64_t> version_number(std::string_view qualifier);

/// The configuration a qualifier selects: $LATEST for none or "$LATEST", a published version
/// for its number, an alias's (primary) version for its name; nullptr for anything else.
const model::FunctionConfig* find_version(const model::Function& function,
                                          const std::optional<std::string>& qualifier);
/// The alias a qualifier names; nullptr for none, $LATEST, a number or an unknown name.
const model::Alias* find_alias(const model::Function& function,
                               const std::optional<std::string>& qualifier);
/// find_function + find_version; throws "Function not found: <reference_arn>" for either.
const model::FunctionConfig& require_version(const model::Function& function,
                                             const model::ResolvedRef& ref);

/// Page sizes of the list operations (botocore MaxListItems: 1-10000; AWS's default 50).
inline constexpr std::size_t kDefaultListItems = 50;
inline constexpr std::size_t kMaxListItems = 10000;

/// The MaxItems query parameter of a list operation: `fallback` when absent; a violation of
/// member "maxItems" (and 0) when it is not a number in [1, max].
std::size_t parse_max_items(const std::optional<std::string>& text,
                            std::size_t fallback,
                            std::size_t max,
                            std::vector<model::errors::Violation>& violations);

/// Copies the function, applies `change` under the catalog lock (after require_function) and
/// stores the result. AwsErrors thrown by `change` leave the function untouched.
store::FunctionPtr modify_function(store::Catalog& catalog,
                                   const model::ResolvedRef& ref,
                                   const std::function<void(model::Function&)>& change);

/// A JSON response (ordered_json: to_wire's member order survives); strings that are not UTF-8 are
/// replaced rather than thrown on.
Response json_response(int status, const nlohmann::ordered_json& body);
/// A response with no body (204 for deletes and tagging).
Response empty_response(int status);

}  // namespace lambdahost::api
