// SPDX-License-Identifier: Apache-2.0
// AwsError: the one type for every failure a client is told about. It is raised where the
// problem is detected (model validators and api handlers throw it) and rendered to the wire in
// exactly one place, api/errors. The factories below hold AWS's exact texts
// (../shared/aws-lambda-facts.md §3.1); add a factory rather than spelling a text at a call site.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lambdahost::model {

class AwsError : public std::runtime_error {
public:
    AwsError(int status, std::string code, std::string message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}

    int status() const { return status_; }
    /// The wire name, e.g. "ResourceNotFoundException"; sent as X-Amzn-ErrorType.
    const std::string& code() const { return code_; }
    std::string message() const { return what(); }

    /// Extra top-level body members, e.g. {"Reason": "..."} for throttles.
    const std::map<std::string, std::string>& extra() const { return extra_; }
    AwsError& with(std::string key, std::string value) {
        extra_[std::move(key)] = std::move(value);
        return *this;
    }

    /// Some AWS texts come without the "Type":"User" member although their code usually has it
    /// (facts §3.1, §3.6). nullopt: follow the code's default in api/errors.
    std::optional<bool> type_member() const { return type_member_; }
    AwsError& without_type() {
        type_member_ = false;
        return *this;
    }

private:
    int status_;
    std::string code_;
    std::map<std::string, std::string> extra_;
    std::optional<bool> type_member_;
};

namespace errors {

// 400
AwsError invalid_parameter(std::string message);        // InvalidParameterValueException
AwsError invalid_request_content(std::string message);  // InvalidRequestContentException
/// How a violation shows the offending value: quoted ("Value 'x' at"), as a missing member
/// ("Value null at") or not at all for sensitive members ("Value at", e.g. environment variables).
enum class ValueForm { Quoted, Null, Omitted };
/// One constraint violation, as AWS words it in a ValidationException:
/// "Value '<value>' at '<member>' failed to satisfy constraint: <constraint>".
struct Violation {
    std::string value;
    std::string member;
    std::string constraint;
    ValueForm form = ValueForm::Quoted;
};
/// "1 validation error detected: ..." / "N validation errors detected: a; b" (ValidationException).
AwsError validation(const std::vector<Violation>& violations);
/// InvalidParameterValueException worded like a ValidationException; AWS answers so for a
/// CreateFunction plain name over 64 chars (facts §3.1).
AwsError invalid_parameter_violations(const std::vector<Violation>& violations);
/// ValidationException with a ready-made message.
AwsError validation_message(std::string message);
/// Invoke/Create request bodies that are not JSON (InvalidRequestContentException).
AwsError unparsable_body(std::string_view detail);

// 404
AwsError resource_not_found(std::string message);  // ResourceNotFoundException
/// "Function not found: <arn>".
AwsError function_not_found(std::string_view arn);
/// Unknown path or method: not an operation of the Lambda API.
AwsError unknown_operation(std::string_view method, std::string_view path);
/// "No Provisioned Concurrency Config found for this function"
/// (ProvisionedConcurrencyConfigNotFoundException, facts §3.1).
AwsError provisioned_config_not_found();

// 409 / 412
AwsError resource_conflict(std::string message);  // ResourceConflictException
/// "The operation cannot be performed at this time. An update is in progress for resource: <arn>"
AwsError update_in_progress(std::string_view unqualified_arn);
/// "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias
/// API to retrieve the latest Revision Id" (PreconditionFailedException).
AwsError revision_id_mismatch();

// 413
AwsError request_too_large(std::string message);  // RequestEntityTooLargeException
/// "Request must be smaller than <limit> bytes for the <operation> operation".
AwsError request_too_large_for(std::size_t limit, std::string_view operation);

// 429
AwsError too_many_requests(std::string reason);  // "Rate Exceeded." + Reason

// 500 / 501
AwsError service(std::string message);  // ServiceException
/// A routed operation this server does not implement yet; names the operation.
AwsError not_implemented(std::string_view operation);

}  // namespace errors
}  // namespace lambdahost::model
