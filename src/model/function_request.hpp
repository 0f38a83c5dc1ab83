// SPDX-License-Identifier: Apache-2.0
// Decoding and validation of the function-management request bodies (CreateFunction,
// UpdateFunctionCode, UpdateFunctionConfiguration), with AWS's texts and exception types
// (facts §3.8, botocore service-2.json). Pure: every decoder throws AwsError and is a fuzz target.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/arn.hpp"
#include "model/function.hpp"

namespace lambdahost::model {

/// Inline zip limit (Code.ZipFile after base64 decoding) -> 413 "Zipped size must be smaller
/// than 52428800 bytes".
inline constexpr std::size_t kMaxZippedCodeBytes = 52428800;
/// Unzipped limit -> IPVE "Unzipped size must be smaller than 262144000 bytes".
inline constexpr std::uint64_t kMaxUnzippedCodeBytes = 262144000;
/// Request body limit of CreateFunction and UpdateFunctionCode.
inline constexpr std::size_t kMaxCreateFunctionRequestBytes = 70167211;

struct CreateFunctionRequest {
    /// FunctionName as parsed (a name or an ARN); the handler resolves it in the caller's scope.
    FunctionRef function_ref;
    /// Every configuration member validated and defaulted (Timeout 3, MemorySize 128, ...);
    /// the code, revision, time and state members are left for the handler to fill.
    FunctionConfig config;
    std::string zip_file;  // decoded Code.ZipFile bytes
    std::map<std::string, std::string> tags;
    bool publish = false;
};

/// Throws: ValidationException (all member constraint violations, joined), IPVE (runtime enum /
/// deprecated runtime, PackageType Image not supported, Code without ZipFile, environment over
/// 4 KB, > 5 layers, > 50 tags, missing Runtime/Handler), 413 for a zip over
/// kMaxZippedCodeBytes, InvalidRequestContentException for a body that is not a JSON object.
CreateFunctionRequest parse_create_function(std::string_view body);

struct UpdateFunctionCodeRequest {
    std::string zip_file;  // decoded ZipFile bytes
    bool publish = false;
    bool dry_run = false;
    std::optional<std::string> revision_id;
    std::optional<std::string> architecture;
};
UpdateFunctionCodeRequest parse_update_function_code(std::string_view body);

struct UpdateFunctionConfigurationRequest {
    std::optional<std::string> revision_id;
    /// The request merged into a copy of the current configuration: members absent from the
    /// request keep their value; LoggingConfig merges member-wise (JSON adds INFO levels, Text
    /// removes them).
    FunctionConfig merged;
};
UpdateFunctionConfigurationRequest parse_update_function_configuration(
    std::string_view body, const FunctionConfig& current);

/// Tag map validation shared by CreateFunction and TagResource: ≤ 50 tags ("Number of tags
/// exceeds resource tag limit." IPVE), key 1-128 chars, value ≤ 256 chars.
void validate_tags(const std::map<std::string, std::string>& tags);

}  // namespace lambdahost::model
