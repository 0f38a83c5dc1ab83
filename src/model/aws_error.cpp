// SPDX-License-Identifier: Apache-2.0
#include "model/aws_error.hpp"

#include <fmt/format.h>

namespace lambdahost::model::errors {

AwsError invalid_parameter(std::string message) {
    return {400, "InvalidParameterValueException", std::move(message)};
}

AwsError invalid_request_content(std::string message) {
    return {400, "InvalidRequestContentException", std::move(message)};
}

namespace {

std::string describe(const std::vector<Violation>& violations) {
    std::string message = violations.size() == 1
                              ? std::string("1 validation error detected: ")
                              : fmt::format("{} validation errors detected: ", violations.size());
    for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i > 0) {
            message += "; ";
        }
        const auto& v = violations[i];
        switch (v.form) {
            case ValueForm::Quoted:
                message += fmt::format("Value '{}' at ", v.value);
                break;
            case ValueForm::Null:
                message += "Value null at ";
                break;
            case ValueForm::Omitted:
                message += "Value at ";
                break;
        }
        message += fmt::format("'{}' failed to satisfy constraint: {}", v.member, v.constraint);
    }
    return message;
}

}  // namespace

AwsError invalid_parameter_violations(const std::vector<Violation>& violations) {
    return invalid_parameter(describe(violations));
}

AwsError validation(const std::vector<Violation>& violations) {
    return validation_message(describe(violations));
}

AwsError validation_message(std::string message) {
    return {400, "ValidationException", std::move(message)};
}

AwsError unparsable_body(std::string_view detail) {
    return invalid_request_content(
        fmt::format("Could not parse request body into json: {}", detail));
}

AwsError resource_not_found(std::string message) {
    return {404, "ResourceNotFoundException", std::move(message)};
}

AwsError function_not_found(std::string_view arn) {
    return resource_not_found(fmt::format("Function not found: {}", arn));
}

AwsError unknown_operation(std::string_view method, std::string_view path) {
    return {404,
            "UnknownOperationException",
            fmt::format("No Lambda API operation matches {} {}", method, path)};
}

AwsError provisioned_config_not_found() {
    return {404,
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function"};
}

AwsError resource_conflict(std::string message) {
    return {409, "ResourceConflictException", std::move(message)};
}

AwsError update_in_progress(std::string_view unqualified_arn) {
    return resource_conflict(fmt::format(
        "The operation cannot be performed at this time. An update is in progress for resource: {}",
        unqualified_arn));
}

AwsError revision_id_mismatch() {
    return {412,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetFunction/GetAlias API to retrieve the latest Revision Id"};
}

AwsError request_too_large(std::string message) {
    return {413, "RequestEntityTooLargeException", std::move(message)};
}

AwsError request_too_large_for(std::size_t limit, std::string_view operation) {
    return request_too_large(fmt::format(
        "Request must be smaller than {} bytes for the {} operation", limit, operation));
}

AwsError too_many_requests(std::string reason) {
    AwsError error{429, "TooManyRequestsException", "Rate Exceeded."};
    error.with("Reason", std::move(reason));
    return error;
}

AwsError service(std::string message) {
    return {500, "ServiceException", std::move(message)};
}

AwsError not_implemented(std::string_view operation) {
    return {501,
            "NotImplementedException",
            fmt::format("lambdahost does not implement the {} operation yet "
                        "(see docs/api-coverage.md)",
                        operation)};
}

}  // namespace lambdahost::model::errors
