// SPDX-License-Identifier: Apache-2.0
// FunctionConfiguration's wire form with AWS's field-presence rules and member order
// (facts §3.2), and the lossless document form the store persists. Pure.
#include "model/function_json.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "model/arn.hpp"
#include "util/crypto.hpp"

namespace lambdahost::model {

namespace {

using Wire = nlohmann::ordered_json;
using Document = nlohmann::json;

// One table per enum, shared by the wire and document forms.
constexpr std::string_view kStateNames[] = {"Pending", "Active", "Inactive", "Failed"};
constexpr std::string_view kUpdateStatusNames[] = {"InProgress", "Successful", "Failed"};
constexpr std::string_view kProvisionedStatusNames[] = {"IN_PROGRESS", "READY", "FAILED"};

std::string update_status_name(LastUpdateStatus status) {
    return std::string(kUpdateStatusNames[static_cast<std::size_t>(status)]);
}

template <typename Enum, std::size_t N>
Enum enum_from_name(const std::string_view (&names)[N], const std::string& name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            return static_cast<Enum>(i);
        }
    }
    throw std::runtime_error(fmt::format("unknown enum value '{}'", name));
}

template <typename Json, typename T>
void put_if(Json& json, const char* key, const std::optional<T>& value) {
    if (value) {
        json[key] = *value;
    }
}

Wire render_logging(const LoggingConfig& logging) {
    Wire json;
    json["LogFormat"] = logging.log_format;
    put_if(json, "ApplicationLogLevel", logging.application_log_level);
    put_if(json, "SystemLogLevel", logging.system_log_level);
    json["LogGroup"] = logging.log_group;
    return json;
}

Wire render_layers(const std::vector<std::string>& layers) {
    Wire list = Wire::array();
    for (const auto& arn : layers) {
        // Layer sizes are not tracked yet; AWS's member is required, so it is rendered as 0.
        list.push_back(Wire{{"Arn", arn}, {"CodeSize", 0}});
    }
    return list;
}

// --- document form -------------------------------------------------------------------------

template <typename T>
std::optional<T> get_optional(const Document& json, const char* key) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
        return std::nullopt;
    }
    return it->get<T>();
}

Document config_to_document(const FunctionConfig& config) {
    Document json;
    json["function_name"] = config.function_name;
    json["version"] = config.version;
    json["runtime"] = config.runtime;
    json["role"] = config.role;
    json["handler"] = config.handler;
    json["description"] = config.description;
    json["timeout"] = config.timeout;
    json["memory_size"] = config.memory_size;
    put_if(json, "environment", config.environment);
    json["architecture"] = config.architecture;
    json["ephemeral_storage"] = config.ephemeral_storage;
    json["tracing_mode"] = config.tracing_mode;
    put_if(json, "dead_letter_target_arn", config.dead_letter_target_arn);
    put_if(json, "kms_key_arn", config.kms_key_arn);
    json["layers"] = config.layers;
    json["logging"] = {{"log_format", config.logging.log_format},
                       {"log_group", config.logging.log_group}};
    put_if(json["logging"], "application_log_level", config.logging.application_log_level);
    put_if(json["logging"], "system_log_level", config.logging.system_log_level);
    json["package_type"] = config.package_type;
    json["code_sha256"] = config.code_sha256;
    json["code_sha256_hex"] = config.code_sha256_hex;
    json["code_size"] = config.code_size;
    json["last_modified"] = config.last_modified;
    json["revision_id"] = config.revision_id;
    json["state"] = state_name(config.state);
    put_if(json, "state_reason", config.state_reason);
    put_if(json, "state_reason_code", config.state_reason_code);
    if (config.last_update_status) {
        json["last_update_status"] = update_status_name(*config.last_update_status);
    }
    put_if(json, "last_update_status_reason", config.last_update_status_reason);
    put_if(json, "last_update_status_reason_code", config.last_update_status_reason_code);
    return json;
}

FunctionConfig config_from_document(const Document& json) {
    FunctionConfig config;
    config.function_name = json.at("function_name").get<std::string>();
    config.version = json.at("version").get<std::string>();
    config.runtime = json.at("runtime").get<std::string>();
    config.role = json.at("role").get<std::string>();
    config.handler = json.at("handler").get<std::string>();
    config.description = json.at("description").get<std::string>();
    config.timeout = json.at("timeout").get<int>();
    config.memory_size = json.at("memory_size").get<int>();
    config.environment = get_optional<std::map<std::string, std::string>>(json, "environment");
    config.architecture = json.at("architecture").get<std::string>();
    config.ephemeral_storage = json.at("ephemeral_storage").get<int>();
    config.tracing_mode = json.at("tracing_mode").get<std::string>();
    config.dead_letter_target_arn = get_optional<std::string>(json, "dead_letter_target_arn");
    config.kms_key_arn = get_optional<std::string>(json, "kms_key_arn");
    config.layers = json.at("layers").get<std::vector<std::string>>();
    const auto& logging = json.at("logging");
    config.logging.log_format = logging.at("log_format").get<std::string>();
    config.logging.log_group = logging.at("log_group").get<std::string>();
    config.logging.application_log_level =
        get_optional<std::string>(logging, "application_log_level");
    config.logging.system_log_level = get_optional<std::string>(logging, "system_log_level");
    config.package_type = json.at("package_type").get<std::string>();
    config.code_sha256 = json.at("code_sha256").get<std::string>();
    config.code_sha256_hex = json.at("code_sha256_hex").get<std::string>();
    config.code_size = json.at("code_size").get<std::int64_t>();
    config.last_modified = json.at("last_modified").get<std::string>();
    config.revision_id = json.at("revision_id").get<std::string>();
    config.state = enum_from_name<FunctionState>(kStateNames, json.at("state").get<std::string>());
    config.state_reason = get_optional<std::string>(json, "state_reason");
    config.state_reason_code = get_optional<std::string>(json, "state_reason_code");
    if (const auto status = get_optional<std::string>(json, "last_update_status")) {
        config.last_update_status = enum_from_name<LastUpdateStatus>(kUpdateStatusNames, *status);
    }
    config.last_update_status_reason = get_optional<std::string>(json, "last_update_status_reason");
    config.last_update_status_reason_code =
        get_optional<std::string>(json, "last_update_status_reason_code");
    return config;
}

Document alias_to_document(const Alias& alias) {
    return {{"name", alias.name},
            {"function_version", alias.function_version},
            {"description", alias.description},
            {"revision_id", alias.revision_id},
            {"additional_version_weights", alias.additional_version_weights}};
}

Alias alias_from_document(const Document& json) {
    return {json.at("name").get<std::string>(),
            json.at("function_version").get<std::string>(),
            json.at("description").get<std::string>(),
            json.at("revision_id").get<std::string>(),
            json.at("additional_version_weights").get<std::map<std::string, double>>()};
}

Document provisioned_to_document(const ProvisionedConcurrency& config) {
    Document json{{"requested", config.requested},
                  {"allocated", config.allocated},
                  {"status", provisioned_status_name(config.status)},
                  {"last_modified", config.last_modified}};
    put_if(json, "status_reason", config.status_reason);
    return json;
}

ProvisionedConcurrency provisioned_from_document(const Document& json) {
    return {json.at("requested").get<int>(),
            json.at("allocated").get<int>(),
            enum_from_name<ProvisionedStatus>(kProvisionedStatusNames,
                                              json.at("status").get<std::string>()),
            get_optional<std::string>(json, "status_reason"),
            json.at("last_modified").get<std::string>()};
}

Document event_invoke_config_to_document(const EventInvokeConfig& config) {
    Document json{{"last_modified_ms", config.last_modified_ms}};
    put_if(json, "maximum_retry_attempts", config.maximum_retry_attempts);
    put_if(json, "maximum_event_age_in_seconds", config.maximum_event_age_in_seconds);
    put_if(json, "on_success", config.on_success);
    put_if(json, "on_failure", config.on_failure);
    return json;
}

EventInvokeConfig event_invoke_config_from_document(const Document& json) {
    return {get_optional<int>(json, "maximum_retry_attempts"),
            get_optional<int>(json, "maximum_event_age_in_seconds"),
            get_optional<std::string>(json, "on_success"),
            get_optional<std::string>(json, "on_failure"),
            json.at("last_modified_ms").get<std::int64_t>()};
}

}  // namespace

std::string provisioned_status_name(ProvisionedStatus status) {
    return std::string(kProvisionedStatusNames[static_cast<std::size_t>(status)]);
}

std::string state_name(FunctionState state) {
    return std::string(kStateNames[static_cast<std::size_t>(state)]);
}

std::string runtime_version_arn(const Scope& scope, std::string_view runtime) {
    return fmt::format(
        "arn:aws:lambda:{}::runtime:{}", scope.region, util::to_hex(util::sha256(runtime)));
}

Wire to_wire(const Scope& scope, const FunctionConfig& config, const RenderOptions& options) {
    const bool image = config.package_type == "Image";
    // Members in the service model's order, which is AWS's (facts §3.2).
    Wire json;
    json["FunctionName"] = config.function_name;
    json["FunctionArn"] =
        options.arn_qualifier
            ? qualified_function_arn(scope, config.function_name, *options.arn_qualifier)
            : function_arn(scope, config.function_name);
    if (!image) {
        json["Runtime"] = config.runtime;
    }
    json["Role"] = config.role;
    if (!image) {
        json["Handler"] = config.handler;
    }
    json["CodeSize"] = config.code_size;
    json["Description"] = config.description;
    json["Timeout"] = config.timeout;
    json["MemorySize"] = config.memory_size;
    json["LastModified"] = config.last_modified;
    json["CodeSha256"] = config.code_sha256;
    json["Version"] = config.version;
    if (config.dead_letter_target_arn) {
        json["DeadLetterConfig"] = Wire{{"TargetArn", *config.dead_letter_target_arn}};
    }
    if (config.environment) {
        json["Environment"] = Wire{{"Variables", *config.environment}};
    }
    put_if(json, "KMSKeyArn", config.kms_key_arn);
    json["TracingConfig"] = Wire{{"Mode", config.tracing_mode}};
    json["RevisionId"] = config.revision_id;
    if (!config.layers.empty()) {
        json["Layers"] = render_layers(config.layers);
    }
    // AWS: list operations omit State*, LastUpdateStatus* and RuntimeVersionConfig (§3.2).
    if (!options.list_item) {
        json["State"] = state_name(config.state);
        put_if(json, "StateReason", config.state_reason);
        put_if(json, "StateReasonCode", config.state_reason_code);
        if (config.last_update_status) {
            json["LastUpdateStatus"] = update_status_name(*config.last_update_status);
        }
        put_if(json, "LastUpdateStatusReason", config.last_update_status_reason);
        put_if(json, "LastUpdateStatusReasonCode", config.last_update_status_reason_code);
    }
    json["PackageType"] = config.package_type;
    json["Architectures"] = Wire::array({config.architecture});
    json["EphemeralStorage"] = Wire{{"Size", config.ephemeral_storage}};
    json["SnapStart"] = Wire{{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
    if (!options.list_item && !image) {
        json["RuntimeVersionConfig"] =
            Wire{{"RuntimeVersionArn", runtime_version_arn(scope, config.runtime)}};
    }
    json["LoggingConfig"] = render_logging(config.logging);
    return json;
}

std::string to_document(const Function& function) {
    Document versions = Document::object();
    for (const auto& [number, config] : function.versions) {
        versions[std::to_string(number)] = config_to_document(config);
    }
    Document aliases = Document::object();
    for (const auto& [name, alias] : function.aliases) {
        aliases[name] = alias_to_document(alias);
    }
    Document provisioned = Document::object();
    for (const auto& [qualifier, config] : function.provisioned_concurrency) {
        provisioned[qualifier] = provisioned_to_document(config);
    }
    Document json = {{"latest", config_to_document(function.latest)},
                     {"tags", function.tags},
                     {"versions", std::move(versions)},
                     {"last_version_number", function.last_version_number},
                     {"aliases", std::move(aliases)},
                     {"provisioned_concurrency", std::move(provisioned)}};
    put_if(json, "published_revision_id", function.published_revision_id);
    put_if(json, "reserved_concurrency", function.reserved_concurrency);
    if (!function.event_invoke_configs.empty()) {
        Document configs = Document::object();
        for (const auto& [qualifier, config] : function.event_invoke_configs) {
            configs[qualifier] = event_invoke_config_to_document(config);
        }
        json["event_invoke_configs"] = std::move(configs);
    }
    return json.dump();
}

Function from_document(std::string_view document) {
    try {
        const auto json = Document::parse(document);
        Function function;
        function.latest = config_from_document(json.at("latest"));
        function.tags = json.at("tags").get<std::map<std::string, std::string>>();
        for (const auto& [number, config] : json.at("versions").items()) {
            function.versions.emplace(std::stoull(number), config_from_document(config));
        }
        function.last_version_number = json.at("last_version_number").get<std::uint64_t>();
        // Members added with versions and aliases (#5): absent from older documents.
        function.published_revision_id = get_optional<std::string>(json, "published_revision_id");
        function.reserved_concurrency = get_optional<int>(json, "reserved_concurrency");
        if (const auto aliases = json.find("aliases"); aliases != json.end()) {
            for (const auto& [name, alias] : aliases->items()) {
                function.aliases.emplace(name, alias_from_document(alias));
            }
        }
        if (const auto provisioned = json.find("provisioned_concurrency");
            provisioned != json.end()) {
            for (const auto& [qualifier, config] : provisioned->items()) {
                function.provisioned_concurrency.emplace(qualifier,
                                                         provisioned_from_document(config));
            }
        }
        // Added with asynchronous invocation (#6).
        if (const auto configs = json.find("event_invoke_configs"); configs != json.end()) {
            for (const auto& [qualifier, config] : configs->items()) {
                function.event_invoke_configs.emplace(qualifier,
                                                      event_invoke_config_from_document(config));
            }
        }
        return function;
    } catch (const std::exception& error) {  // nlohmann's, std::stoull's, enum_from_name's
        throw std::runtime_error(fmt::format("unreadable function document: {}", error.what()));
    }
}

}  // namespace lambdahost::model
