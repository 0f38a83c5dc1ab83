// SPDX-License-Identifier: Apache-2.0
// Function references as clients write them (a name, a partial ARN "123456789012:function:f",
// a full ARN, each optionally with ":qualifier") and the ARNs the server renders. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/aws_error.hpp"
#include "model/function.hpp"

namespace lambdahost::model {

/// Which of AWS's two function-name grammars applies (facts §3.8): Create/Update forbid '.' and
/// "$LATEST.PUBLISHED"; Get/Invoke/Delete and the rest ("namespaced") allow them.
enum class NameGrammar { Create, Namespaced };

/// A parsed {FunctionName} path segment or FunctionName body member.
struct FunctionRef {
    std::string name;                      // the bare function name
    std::optional<std::string> qualifier;  // ":qualifier" embedded in the reference
    std::optional<std::string> account;    // from a partial or full ARN
    std::optional<std::string> region;     // from a full ARN
};

/// Parses and validates a function reference. Throws AwsError with AWS's texts:
/// ValidationException quoting the grammar's pattern / length (member "functionName"), or, for a
/// plain name over 64 chars under NameGrammar::Create, InvalidParameterValueException.
FunctionRef parse_function_ref(std::string_view text, NameGrammar grammar);

/// The validation half of parse_function_ref for request bodies that report all member
/// violations at once: appends the "functionName" violations (length, then pattern) to
/// `violations`. Still throws the InvalidParameterValueException of an over-long plain name
/// under NameGrammar::Create, which AWS does not merge with other violations.
void collect_function_name_violations(std::string_view text,
                                      NameGrammar grammar,
                                      std::vector<errors::Violation>& violations);

/// The function a request addresses, in the caller's scope.
struct ResolvedRef {
    Scope scope;
    std::string name;
    std::optional<std::string> qualifier;  // nullopt: unqualified
};

/// Combines a parsed reference with the request's scope and its `Qualifier` query parameter:
///  - a qualifier both embedded and passed that differ -> IPVE "The derived qualifier from the
///    function name does not match the specified qualifier.";
///  - a qualifier over 128 chars or off the pattern -> ValidationException (member "qualifier");
///  - an ARN of another region -> ResourceNotFoundException "Functions from '<r>' are not
///    reachable in this region ('<caller region>')";
///  - an ARN of another account -> ResourceNotFoundException "Function not found: <arn>".
ResolvedRef resolve(const FunctionRef& ref,
                    const Scope& caller,
                    const std::optional<std::string>& qualifier_param);

/// parse_function_ref + resolve in one step, for path segments: an invalid name and an invalid
/// qualifier are reported together, as AWS does ("2 validation errors detected: ... at
/// 'functionName' ...; ... at 'qualifier' ...", facts §3.8).
ResolvedRef resolve_function_ref(std::string_view text,
                                 NameGrammar grammar,
                                 const Scope& caller,
                                 const std::optional<std::string>& qualifier_param);

/// Whether `text` is an AWS region name, `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`
/// (the eusc prefix only with `allow_eusc`: function names allow it, TaggableResource not).
bool is_region(std::string_view text, bool allow_eusc);

/// "arn:aws:lambda:<region>:<account>:function:<name>"
std::string function_arn(const Scope& scope, std::string_view name);
/// function_arn + ":<qualifier>"
std::string qualified_function_arn(const Scope& scope,
                                   std::string_view name,
                                   std::string_view qualifier);

/// A parsed resource ARN of the tagging API ("arn:aws:lambda:<region>:<account>:function:<name>"
/// possibly with ":<qualifier>"; also code-signing-config, event-source-mapping and
/// capacity-provider ARNs). Throws ValidationException (member "resource", length 1-256 and
/// the TaggableResource pattern) for anything else.
struct ResourceArn {
    Scope scope;
    std::string resource_type;  // "function", "code-signing-config", "event-source-mapping", ...
    std::string name;           // function name, or the id of the other resource types
    std::optional<std::string> qualifier;  // functions only
};
ResourceArn parse_resource_arn(std::string_view arn);

}  // namespace lambdahost::model
