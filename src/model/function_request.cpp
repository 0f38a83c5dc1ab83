// SPDX-License-Identifier: Apache-2.0
// Decoding and validation of CreateFunction, UpdateFunctionCode and
// UpdateFunctionConfiguration bodies. Each decoder runs three steps, in AWS's order: read the
// members (a wrong JSON type is an unparsable body), collect every model-constraint violation
// into one ValidationException, then apply the service rules that answer
// InvalidParameterValueException one at a time (facts §3.1, §3.8; service-2.json). Pure.
#include "model/function_request.hpp"

#include <algorithm>
#include <limits>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/constraints.hpp"
#include "model/json_members.hpp"
#include "model/runtimes.hpp"
#include "util/crypto.hpp"

namespace lambdahost::model {

namespace {

namespace c = constraints;
using Json = nlohmann::json;
using Violations = std::vector<errors::Violation>;

// service-2.json limits (facts §3.8 for Timeout's maximum).
constexpr std::size_t kMaxDescriptionLength = 256;
constexpr std::size_t kMaxHandlerLength = 128;
constexpr std::int64_t kMinTimeout = 1;
constexpr std::int64_t kMaxTimeout = 900;
constexpr std::int64_t kMinMemorySize = 128;
constexpr std::int64_t kMaxMemorySize = 10240;
constexpr std::int64_t kMinEphemeralStorage = 512;
constexpr std::int64_t kMaxEphemeralStorage = 10240;
constexpr std::size_t kMinLogGroupLength = 1;
constexpr std::size_t kMaxLogGroupLength = 512;
constexpr std::size_t kMaxLayerArnLength = 140;
constexpr std::size_t kMaxLayers = 5;
constexpr std::size_t kMaxEnvironmentBytes = 4096;
constexpr std::size_t kMaxTags = 50;
constexpr std::size_t kMaxTagKeyLength = 128;
constexpr std::size_t kMaxTagValueLength = 256;

constexpr std::string_view kHandlerPattern = R"([^\s]+)";
constexpr std::string_view kRolePattern =
    R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)";
constexpr std::string_view kResourceArnPattern = R"((arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|())";
constexpr std::string_view kEnvironmentNamePattern = R"([a-zA-Z]([a-zA-Z0-9_])+)";
constexpr std::string_view kLogGroupPattern = R"([\.\-_/#A-Za-z0-9]+)";
constexpr std::string_view kLayerArnPattern =
    R"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)";

constexpr std::string_view kArchitectures[] = {"x86_64", "arm64"};
constexpr std::string_view kTracingModes[] = {"Active", "PassThrough"};
constexpr std::string_view kPackageTypes[] = {"Zip", "Image"};
constexpr std::string_view kLogFormats[] = {"JSON", "Text"};
constexpr std::string_view kApplicationLogLevels[] = {
    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
constexpr std::string_view kSystemLogLevels[] = {"DEBUG", "INFO", "WARN"};

// lambdahost runs zip packages only; these say so instead of pretending to be AWS.
constexpr std::string_view kImagesNotSupported =
    "lambdahost does not support container image functions (PackageType Image, Code.ImageUri); "
    "deploy the function as a .zip package (PackageType Zip, Code.ZipFile).";
constexpr std::string_view kOnlyInlineZip =
    "lambdahost takes function code only inline as ZipFile; S3Bucket, S3Key and "
    "S3ObjectVersion are not supported.";

// --- constraint checks (ValidationException) -------------------------------------------------

void require(bool present, std::string_view member, Violations& violations) {
    if (!present) {
        violations.push_back(
            {"", std::string(member), std::string(c::kNotNull), errors::ValueForm::Null});
    }
}

void check_max_length(const std::string& value,
                      std::size_t max,
                      std::string_view member,
                      Violations& violations) {
    if (c::text_length(value) > max) {
        violations.push_back({value, std::string(member), c::max_length(max)});
    }
}

void check_range(std::int64_t value,
                 std::int64_t min,
                 std::int64_t max,
                 std::string_view member,
                 Violations& violations) {
    if (value < min) {
        violations.push_back({std::to_string(value), std::string(member), c::min_value(min)});
    } else if (value > max) {
        violations.push_back({std::to_string(value), std::string(member), c::max_value(max)});
    }
}

bool is_one_of(std::span<const std::string_view> values, std::string_view value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

void check_enum(const std::string& value,
                std::span<const std::string_view> values,
                std::string_view member,
                Violations& violations) {
    if (!is_one_of(values, value)) {
        violations.push_back({value, std::string(member), c::enum_set(values)});
    }
}

/// Java's \s: space, \t, \n, \x0B, \f, \r.
bool is_java_space(char ch) {
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/// The rest of `text` after `arn:(aws[a-zA-Z-]*)?:`, or nullopt if it does not start so.
std::optional<std::string_view> after_arn_partition(std::string_view text) {
    if (!text.starts_with("arn:")) {
        return std::nullopt;
    }
    text.remove_prefix(4);
    const auto partition_end = text.find(':');
    if (partition_end == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view partition = text.substr(0, partition_end);
    if (!partition.empty() && !c::is_partition(partition)) {
        return std::nullopt;
    }
    return text.substr(partition_end + 1);
}

/// `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`
bool is_role_arn(std::string_view text) {
    const auto rest = after_arn_partition(text);
    constexpr std::string_view kIam = "iam::";
    constexpr std::string_view kRole = ":role";
    if (!rest || !rest->starts_with(kIam)) {
        return false;
    }
    const std::string_view account_and_role = rest->substr(kIam.size());
    if (!c::exactly(account_and_role.substr(0, 12), 12, c::is_ascii_digit) ||
        account_and_role.substr(12, kRole.size()) != kRole) {
        return false;
    }
    // "role/?[class]+" is "role" then one or more class characters, as '/' is in the class.
    return c::all_of(account_and_role.substr(12 + kRole.size()), [](char ch) {
        return c::is_ascii_alnum(ch) ||
               std::string_view("_+=,.@-/").find(ch) != std::string_view::npos;
    });
}

/// `(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()`: KMSKeyArn and DeadLetterConfig.TargetArn.
bool is_resource_arn(std::string_view text) {
    if (text.empty()) {
        return true;
    }
    const auto rest = after_arn_partition(text);
    if (!rest) {
        return false;
    }
    const auto service_end = rest->find(':');
    return service_end != std::string_view::npos &&
           c::all_of(rest->substr(0, service_end), [](char ch) {
               return (ch >= 'a' && ch <= 'z') || c::is_ascii_digit(ch) || ch == '-' || ch == '.';
           });
}

bool is_layer_arn(std::string_view text) {
    // arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+
    const auto parts = c::split(text, ':');
    const auto alnum_dash = [](char ch) { return c::is_ascii_alnum(ch) || ch == '-'; };
    return parts.size() == 8 && parts[0] == "arn" && c::all_of(parts[1], alnum_dash) &&
           parts[2] == "lambda" && c::all_of(parts[3], alnum_dash) &&
           c::exactly(parts[4], 12, c::is_ascii_digit) && parts[5] == "layer" &&
           c::all_of(parts[6], c::is_name_char) && c::all_of(parts[7], c::is_ascii_digit);
}

bool is_environment_name(std::string_view name) {
    return name.size() >= 2 && c::is_ascii_alpha(name[0]) &&
           c::all_of(name.substr(1), [](char ch) { return c::is_ascii_alnum(ch) || ch == '_'; });
}

void check_architectures(const std::vector<std::string>& architectures, Violations& violations) {
    const std::string value = c::list_value(architectures);
    if (architectures.size() > 1) {
        violations.push_back({value, "architectures", c::max_length(1)});
    } else if (architectures.empty()) {
        violations.push_back({value, "architectures", c::min_length(1)});
    }
    for (const auto& architecture : architectures) {
        if (!is_one_of(kArchitectures, architecture)) {
            violations.push_back(
                {value,
                 "architectures",
                 fmt::format("Member must satisfy constraint: [{}]", c::enum_set(kArchitectures))});
            break;
        }
    }
}

void collect_tag_violations(const std::map<std::string, std::string>& tags,
                            Violations& violations) {
    const bool bad_key = std::any_of(tags.begin(), tags.end(), [](const auto& tag) {
        return tag.first.empty() || c::text_length(tag.first) > kMaxTagKeyLength;
    });
    const bool bad_value = std::any_of(tags.begin(), tags.end(), [](const auto& tag) {
        return c::text_length(tag.second) > kMaxTagValueLength;
    });
    if (bad_key) {
        violations.push_back({c::map_value(tags),
                              "tags",
                              fmt::format("Map keys must satisfy constraint: [{}, {}]",
                                          c::max_length(kMaxTagKeyLength),
                                          c::min_length(1))});
    }
    if (bad_value) {
        violations.push_back({c::map_value(tags),
                              "tags",
                              fmt::format("Map value must satisfy constraint: [{}]",
                                          c::max_length(kMaxTagValueLength))});
    }
}

// --- the configuration members shared by CreateFunction and UpdateFunctionConfiguration -----

enum class Operation { CreateFunction, UpdateFunctionConfiguration };

struct LoggingMembers {
    std::optional<std::string> log_format;
    std::optional<std::string> application_log_level;
    std::optional<std::string> system_log_level;
    std::optional<std::string> log_group;
};

struct CodeMembers {
    std::optional<std::string> zip_file;  // base64, as sent
    bool from_s3 = false;                 // S3Bucket, S3Key or S3ObjectVersion present
    bool image_uri = false;
};

/// Every configuration member a request carried, type-checked and constraint-checked.
struct ConfigurationMembers {
    std::optional<std::string> runtime;
    std::optional<std::string> role;
    std::optional<std::string> handler;
    std::optional<CodeMembers> code;
    std::optional<std::string> description;
    std::optional<std::int64_t> timeout;
    std::optional<std::int64_t> memory_size;
    std::optional<std::string> package_type;
    std::optional<std::string> dead_letter_target_arn;
    /// Environment.Variables; an Environment without Variables counts as empty.
    std::optional<std::map<std::string, std::string>> environment;
    std::optional<std::string> kms_key_arn;
    std::optional<std::string> tracing_mode;
    std::optional<std::map<std::string, std::string>> tags;
    std::optional<std::vector<std::string>> layers;
    std::optional<std::vector<std::string>> architectures;
    std::optional<std::int64_t> ephemeral_storage;
    LoggingMembers logging;
};

CodeMembers read_code(const Members& code) {
    CodeMembers members;
    members.zip_file = code.string("ZipFile");
    members.from_s3 =
        code.string("S3Bucket") || code.string("S3Key") || code.string("S3ObjectVersion");
    members.image_uri = code.string("ImageUri").has_value();
    return members;
}

/// Reads the members in the request shape's order, so violations are listed as AWS lists them.
ConfigurationMembers read_configuration(const Members& body,
                                        Operation operation,
                                        Violations& violations) {
    const bool create = operation == Operation::CreateFunction;
    ConfigurationMembers m;
    m.runtime = body.string("Runtime");  // enum checked with the service rules (IPVE)

    m.role = body.string("Role");
    if (create) {
        require(m.role.has_value(), "role", violations);
    }
    if (m.role && !is_role_arn(*m.role)) {
        violations.push_back({*m.role, "role", c::pattern(kRolePattern)});
    }

    m.handler = body.string("Handler");
    if (m.handler) {
        check_max_length(*m.handler, kMaxHandlerLength, "handler", violations);
        if (!c::all_of(*m.handler, [](char ch) { return !is_java_space(ch); })) {
            violations.push_back({*m.handler, "handler", c::pattern(kHandlerPattern)});
        }
    }

    if (create) {
        const auto code = body.object("Code");
        require(code.has_value(), "code", violations);
        if (code) {
            m.code = read_code(*code);
        }
    }

    m.description = body.string("Description");
    if (m.description) {
        check_max_length(*m.description, kMaxDescriptionLength, "description", violations);
    }
    m.timeout = body.integer("Timeout");
    if (m.timeout) {
        check_range(*m.timeout, kMinTimeout, kMaxTimeout, "timeout", violations);
    }
    m.memory_size = body.integer("MemorySize");
    if (m.memory_size) {
        check_range(*m.memory_size, kMinMemorySize, kMaxMemorySize, "memorySize", violations);
    }

    if (create) {
        m.package_type = body.string("PackageType");
        if (m.package_type) {
            check_enum(*m.package_type, kPackageTypes, "packageType", violations);
        }
    }

    if (const auto dead_letter = body.object("DeadLetterConfig")) {
        m.dead_letter_target_arn = dead_letter->string("TargetArn");
        if (m.dead_letter_target_arn && !is_resource_arn(*m.dead_letter_target_arn)) {
            violations.push_back({*m.dead_letter_target_arn,
                                  "deadLetterConfig.targetArn",
                                  c::pattern(kResourceArnPattern)});
        }
    }

    if (const auto environment = body.object("Environment")) {
        m.environment =
            environment->string_map("Variables").value_or(std::map<std::string, std::string>{});
        const bool bad_name =
            std::any_of(m.environment->begin(), m.environment->end(), [](const auto& var) {
                return !is_environment_name(var.first);
            });
        if (bad_name) {
            // Variables are a sensitive member: AWS leaves the value out of the message.
            violations.push_back({"",
                                  "environment.variables",
                                  fmt::format("Map keys must satisfy constraint: [{}]",
                                              c::pattern(kEnvironmentNamePattern)),
                                  errors::ValueForm::Omitted});
        }
    }

    m.kms_key_arn = body.string("KMSKeyArn");
    if (m.kms_key_arn && !is_resource_arn(*m.kms_key_arn)) {
        violations.push_back({*m.kms_key_arn, "kMSKeyArn", c::pattern(kResourceArnPattern)});
    }

    if (const auto tracing = body.object("TracingConfig")) {
        m.tracing_mode = tracing->string("Mode");
        if (m.tracing_mode) {
            check_enum(*m.tracing_mode, kTracingModes, "tracingConfig.mode", violations);
        }
    }

    if (create) {
        m.tags = body.string_map("Tags");
        if (m.tags) {
            collect_tag_violations(*m.tags, violations);
        }
    }

    m.layers = body.strings("Layers");
    if (m.layers && !std::all_of(m.layers->begin(), m.layers->end(), [](const std::string& arn) {
            return !arn.empty() && arn.size() <= kMaxLayerArnLength && is_layer_arn(arn);
        })) {
        violations.push_back({c::list_value(*m.layers),
                              "layers",
                              fmt::format("Member must satisfy constraint: [{}, {}, {}]",
                                          c::max_length(kMaxLayerArnLength),
                                          c::min_length(1),
                                          c::pattern(kLayerArnPattern))});
    }

    if (create) {
        m.architectures = body.strings("Architectures");
        if (m.architectures) {
            check_architectures(*m.architectures, violations);
        }
    }

    if (const auto storage = body.object("EphemeralStorage")) {
        m.ephemeral_storage = storage->integer("Size");
        require(m.ephemeral_storage.has_value(), "ephemeralStorage.size", violations);
        if (m.ephemeral_storage) {
            check_range(*m.ephemeral_storage,
                        kMinEphemeralStorage,
                        kMaxEphemeralStorage,
                        "ephemeralStorage.size",
                        violations);
        }
    }

    if (const auto logging = body.object("LoggingConfig")) {
        auto& l = m.logging;
        l.log_format = logging->string("LogFormat");
        if (l.log_format) {
            check_enum(*l.log_format, kLogFormats, "loggingConfig.logFormat", violations);
        }
        l.application_log_level = logging->string("ApplicationLogLevel");
        if (l.application_log_level) {
            check_enum(*l.application_log_level,
                       kApplicationLogLevels,
                       "loggingConfig.applicationLogLevel",
                       violations);
        }
        l.system_log_level = logging->string("SystemLogLevel");
        if (l.system_log_level) {
            check_enum(
                *l.system_log_level, kSystemLogLevels, "loggingConfig.systemLogLevel", violations);
        }
        l.log_group = logging->string("LogGroup");
        if (l.log_group) {
            const std::string& group = *l.log_group;
            if (c::text_length(group) > kMaxLogGroupLength) {
                violations.push_back(
                    {group, "loggingConfig.logGroup", c::max_length(kMaxLogGroupLength)});
            } else if (group.size() < kMinLogGroupLength) {
                violations.push_back(
                    {group, "loggingConfig.logGroup", c::min_length(kMinLogGroupLength)});
            }
            if (!c::all_of(group, [](char ch) {
                    return c::is_ascii_alnum(ch) ||
                           std::string_view("._-/#").find(ch) != std::string_view::npos;
                })) {
                violations.push_back(
                    {group, "loggingConfig.logGroup", c::pattern(kLogGroupPattern)});
            }
        }
    }
    return m;
}

// --- service rules (InvalidParameterValueException) -----------------------------------------

void check_runtime(const std::string& runtime) {
    if (is_supported_runtime(runtime)) {
        return;
    }
    if (is_deprecated_runtime(runtime)) {
        throw errors::invalid_parameter(fmt::format(
            "The runtime parameter of {} is no longer supported for creating or updating AWS "
            "Lambda functions. We recommend you use a supported runtime while creating or "
            "updating functions.",
            runtime));
    }
    // AWS: the value is not quoted in this message (facts §3.1).
    throw errors::invalid_parameter(
        fmt::format("Value {} at 'runtime' failed to satisfy constraint: {} or be a valid ARN",
                    runtime,
                    c::enum_set(kSupportedRuntimes)));
}

void check_environment(const std::map<std::string, std::string>& variables) {
    std::vector<std::string_view> reserved;
    for (const auto& [name, value] : variables) {
        if (is_reserved_environment_key(name)) {
            reserved.push_back(name);
        }
    }
    if (!reserved.empty()) {
        throw errors::invalid_parameter(fmt::format(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: {}",
            fmt::join(reserved, ", ")));
    }
    // AWS: the limit applies to the compact JSON of the variables (facts §3.8).
    const std::string measured = Json(variables).dump();
    if (measured.size() > kMaxEnvironmentBytes) {
        throw errors::invalid_parameter(fmt::format(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: {}",
            measured));
    }
}

/// LogLevels make sense only with JSON logs; AWS refuses them with Text.
void check_log_levels(const LoggingMembers& logging, const std::string& effective_format) {
    if (effective_format == "Text" && (logging.application_log_level || logging.system_log_level)) {
        throw errors::invalid_parameter(
            "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from "
            "your request or change the LogFormat to \"JSON\" and try again.");
    }
}

/// The service rules shared by CreateFunction and UpdateFunctionConfiguration, in order.
void check_configuration(const ConfigurationMembers& m, const FunctionConfig& current) {
    if (m.runtime) {
        check_runtime(*m.runtime);
    }
    check_log_levels(m.logging, m.logging.log_format.value_or(current.logging.log_format));
    if (m.environment) {
        check_environment(*m.environment);
    }
    if (m.layers && m.layers->size() > kMaxLayers) {
        throw errors::invalid_parameter("Cannot reference more than 5 layers.");
    }
}

AwsError zipped_size_too_large() {
    return errors::request_too_large(
        fmt::format("Zipped size must be smaller than {} bytes", kMaxZippedCodeBytes));
}

/// The decoded ZipFile of a Code member (CreateFunction) or UpdateFunctionCode body.
/// `image_uri_message` is the IPVE for an ImageUri, which differs between the two.
std::string decode_zip(const CodeMembers& code, std::string_view image_uri_message) {
    if (code.image_uri) {
        throw errors::invalid_parameter(std::string(image_uri_message));
    }
    if (!code.zip_file) {
        if (code.from_s3) {
            throw errors::invalid_parameter(std::string(kOnlyInlineZip));
        }
        throw errors::invalid_parameter("Please provide a source for function code.");
    }
    // Three bytes per four base64 characters: refuse an oversize zip before decoding it.
    if (code.zip_file->size() / 4 * 3 > kMaxZippedCodeBytes + 2) {
        throw zipped_size_too_large();
    }
    auto zip = util::base64_decode(*code.zip_file);
    if (!zip || zip->empty()) {
        throw errors::invalid_parameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again.");
    }
    if (zip->size() > kMaxZippedCodeBytes) {
        throw zipped_size_too_large();
    }
    return std::move(*zip);
}

void merge_logging(const LoggingMembers& request, LoggingConfig& logging) {
    if (request.log_format) {
        logging.log_format = *request.log_format;
    }
    if (request.log_group) {
        logging.log_group = *request.log_group;
    }
    if (request.application_log_level) {
        logging.application_log_level = request.application_log_level;
    }
    if (request.system_log_level) {
        logging.system_log_level = request.system_log_level;
    }
    // AWS: JSON brings INFO levels by default; Text drops the levels (facts §3.2).
    if (logging.log_format == "JSON") {
        logging.application_log_level = logging.application_log_level.value_or("INFO");
        logging.system_log_level = logging.system_log_level.value_or("INFO");
    } else {
        logging.application_log_level.reset();
        logging.system_log_level.reset();
    }
}

/// Applies the members a request carried; absent members keep `config`'s value.
void merge_configuration(const ConfigurationMembers& m, FunctionConfig& config) {
    if (m.runtime) {
        config.runtime = *m.runtime;
    }
    if (m.role) {
        config.role = *m.role;
    }
    if (m.handler) {
        config.handler = *m.handler;
    }
    if (m.description) {
        config.description = *m.description;
    }
    // Ranges were checked, so the narrowing casts are exact.
    if (m.timeout) {
        config.timeout = static_cast<int>(*m.timeout);
    }
    if (m.memory_size) {
        config.memory_size = static_cast<int>(*m.memory_size);
    }
    if (m.package_type) {
        config.package_type = *m.package_type;
    }
    // An empty ARN clears the setting (the patterns admit "" for that).
    if (m.dead_letter_target_arn) {
        config.dead_letter_target_arn =
            m.dead_letter_target_arn->empty() ? std::nullopt : m.dead_letter_target_arn;
    }
    if (m.environment) {
        config.environment = m.environment;
    }
    if (m.kms_key_arn) {
        config.kms_key_arn = m.kms_key_arn->empty() ? std::nullopt : m.kms_key_arn;
    }
    if (m.tracing_mode) {
        config.tracing_mode = *m.tracing_mode;
    }
    if (m.layers) {
        config.layers = *m.layers;
    }
    if (m.architectures) {
        config.architecture = m.architectures->front();
    }
    if (m.ephemeral_storage) {
        config.ephemeral_storage = static_cast<int>(*m.ephemeral_storage);
    }
    merge_logging(m.logging, config.logging);
}

void throw_if_any(const Violations& violations) {
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
}

}  // namespace

CreateFunctionRequest parse_create_function(std::string_view body) {
    const Json json = parse_object(body);
    const Members members(json, "");
    Violations violations;

    const auto function_name = members.string("FunctionName");
    require(function_name.has_value(), "functionName", violations);
    if (function_name) {
        collect_function_name_violations(*function_name, NameGrammar::Create, violations);
    }
    const ConfigurationMembers m =
        read_configuration(members, Operation::CreateFunction, violations);
    const auto publish = members.boolean("Publish");
    throw_if_any(violations);

    CreateFunctionRequest request;
    request.function_ref = parse_function_ref(*function_name, NameGrammar::Create);
    request.config.function_name = request.function_ref.name;
    request.config.logging.log_group = "/aws/lambda/" + request.function_ref.name;

    if (m.package_type == "Image") {
        throw errors::invalid_parameter(std::string(kImagesNotSupported));
    }
    request.zip_file = decode_zip(*m.code, kImagesNotSupported);
    if (!m.runtime || !m.handler) {
        throw errors::invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment "
            "packages.");
    }
    check_configuration(m, request.config);
    if (m.tags) {
        validate_tags(*m.tags);
        request.tags = *m.tags;
    }

    merge_configuration(m, request.config);
    request.publish = publish.value_or(false);
    return request;
}

UpdateFunctionCodeRequest parse_update_function_code(std::string_view body) {
    const Json json = parse_object(body);
    const Members members(json, "");
    Violations violations;

    const CodeMembers code = read_code(members);
    UpdateFunctionCodeRequest request;
    request.publish = members.boolean("Publish").value_or(false);
    request.dry_run = members.boolean("DryRun").value_or(false);
    request.revision_id = members.string("RevisionId");
    const auto architectures = members.strings("Architectures");
    if (architectures) {
        check_architectures(*architectures, violations);
    }
    throw_if_any(violations);

    if (architectures) {
        request.architecture = architectures->front();
    }
    // AWS: every lambdahost function is a Zip function (facts §3.9).
    request.zip_file = decode_zip(
        code, "Please don't provide ImageUri when updating a function with packageType Zip.");
    return request;
}

UpdateFunctionConfigurationRequest parse_update_function_configuration(
    std::string_view body, const FunctionConfig& current) {
    const Json json = parse_object(body);
    const Members members(json, "");
    Violations violations;

    const ConfigurationMembers m =
        read_configuration(members, Operation::UpdateFunctionConfiguration, violations);
    UpdateFunctionConfigurationRequest request;
    request.revision_id = members.string("RevisionId");
    throw_if_any(violations);

    check_configuration(m, current);
    request.merged = current;
    merge_configuration(m, request.merged);
    return request;
}

void validate_tags(const std::map<std::string, std::string>& tags) {
    Violations violations;
    collect_tag_violations(tags, violations);
    throw_if_any(violations);
    if (tags.size() > kMaxTags) {
        throw errors::invalid_parameter("Number of tags exceeds resource tag limit.");
    }
}

}  // namespace lambdahost::model
