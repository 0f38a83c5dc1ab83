// SPDX-License-Identifier: Apache-2.0
// Renders AwsError to the wire (facts §1.1, §3.1). One table keyed by error code says which
// message key the body uses ("Message" or "message") and which "Type" member it carries; the
// modelled rows copy botocore's error shapes, the unmodelled ones (ValidationException,
// RequestEntityTooLargeException, and lambdahost's own UnknownOperationException and
// NotImplementedException) follow recordings or are documented choices. Pure; thread-safe.
#include "api/errors.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lambdahost::api {
namespace {

struct ErrorShape {
    std::string_view code;
    std::string_view message_key;          // "Message" or "message"
    std::optional<std::string_view> type;  // the "Type" member's value; nullopt: no member
};

constexpr std::string_view kUpper = "Message";
constexpr std::string_view kLower = "message";
constexpr std::string_view kUser = "User";
constexpr std::string_view kService = "Service";

// Modelled rows: the member casing of botocore's error shapes (lambda/2015-03-31/service-2.json).
// Type is "Service" for server faults and "User" for everything else.
constexpr std::array kShapes{
    ErrorShape{"CodeSigningConfigNotFoundException", kUpper, kUser},
    ErrorShape{"CodeStorageExceededException", kLower, kUser},
    ErrorShape{"CodeVerificationFailedException", kUpper, kUser},
    ErrorShape{"EC2AccessDeniedException", kUpper, kUser},
    ErrorShape{"EC2ThrottledException", kUpper, kUser},
    ErrorShape{"EC2UnexpectedException", kUpper, kUser},
    ErrorShape{"EFSIOException", kUpper, kUser},
    ErrorShape{"EFSMountConnectivityException", kUpper, kUser},
    ErrorShape{"EFSMountFailureException", kUpper, kUser},
    ErrorShape{"EFSMountTimeoutException", kUpper, kUser},
    ErrorShape{"ENILimitReachedException", kUpper, kUser},
    ErrorShape{"InvalidCodeSignatureException", kUpper, kUser},
    ErrorShape{"InvalidParameterValueException", kLower, kUser},
    ErrorShape{"InvalidRequestContentException", kLower, kUser},
    ErrorShape{"InvalidRuntimeException", kUpper, kUser},
    ErrorShape{"InvalidSecurityGroupIDException", kUpper, kUser},
    ErrorShape{"InvalidSubnetIDException", kUpper, kUser},
    ErrorShape{"InvalidZipFileException", kUpper, kUser},
    ErrorShape{"KMSAccessDeniedException", kUpper, kUser},
    ErrorShape{"KMSDisabledException", kUpper, kUser},
    ErrorShape{"KMSInvalidStateException", kUpper, kUser},
    ErrorShape{"KMSNotFoundException", kUpper, kUser},
    ErrorShape{"PolicyLengthExceededException", kLower, kUser},
    ErrorShape{"PreconditionFailedException", kLower, kUser},
    ErrorShape{"ProvisionedConcurrencyConfigNotFoundException", kLower, kUser},
    ErrorShape{"RequestTooLargeException", kLower, kUser},
    ErrorShape{"ResourceConflictException", kLower, kUser},
    ErrorShape{"ResourceInUseException", kUpper, kUser},
    ErrorShape{"ResourceNotFoundException", kUpper, kUser},
    ErrorShape{"ResourceNotReadyException", kLower, kUser},
    ErrorShape{"ServiceException", kUpper, kService},
    ErrorShape{"SnapStartException", kUpper, kUser},
    ErrorShape{"SnapStartNotReadyException", kUpper, kUser},
    ErrorShape{"SnapStartTimeoutException", kUpper, kUser},
    ErrorShape{"SubnetIPAddressLimitReachedException", kUpper, kUser},
    ErrorShape{"TooManyRequestsException", kLower, kUser},
    ErrorShape{"UnsupportedMediaTypeException", kLower, kUser},
    // Unmodelled. AWS: ValidationException bodies carry "message" and no Type (facts §1.1).
    ErrorShape{"ValidationException", kLower, std::nullopt},
    // AWS: the one 413 body recorded is {"Message":"..."} without Type, although the header
    // names this unmodelled code rather than the modelled RequestTooLargeException (facts §3.1).
    ErrorShape{"RequestEntityTooLargeException", kUpper, std::nullopt},
    // lambdahost's own codes, shaped like the modelled client (User) and server (Service) faults.
    ErrorShape{"UnknownOperationException", kLower, kUser},
    ErrorShape{"NotImplementedException", kLower, kService},
};

ErrorShape shape_of(const model::AwsError& error) {
    const auto* found = std::find_if(kShapes.begin(), kShapes.end(), [&](const ErrorShape& s) {
        return s.code == error.code();
    });
    if (found != kShapes.end()) {
        return *found;
    }
    // A code missing from the table still gets a well-formed body, shaped by its status.
    return {error.code(), kLower, error.status() >= 500 ? kService : kUser};
}

}  // namespace

Response render_error(const model::AwsError& error) {
    const ErrorShape shape = shape_of(error);
    // ordered_json keeps AWS's member order (Type first) so recorded bodies compare verbatim.
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    const bool with_type = error.type_member().value_or(shape.type.has_value());
    if (with_type) {
        body["Type"] = std::string(shape.type.value_or(kUser));
    }
    body[std::string(shape.message_key)] = error.message();
    for (const auto& [key, value] : error.extra()) {
        body[key] = value;
    }
    Response response;
    response.status = error.status();
    response.headers.emplace_back("X-Amzn-ErrorType", error.code());
    // Messages may quote client input (a path segment) that is not UTF-8: replace, never throw.
    response.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return response;
}

}  // namespace lambdahost::api
