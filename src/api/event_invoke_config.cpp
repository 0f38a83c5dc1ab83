// SPDX-License-Identifier: Apache-2.0
// EventInvokeConfig operations (see event_invoke_config.hpp). Order of the checks, as AWS:
// member constraints (ValidationException, all at once), "at least one setting" (Put/Update),
// the function and qualifier (404), then the destinations (IPVE).
#include "api/event_invoke_config.hpp"

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "api/handler_util.hpp"
#include "api/request_body.hpp"
#include "async/destination.hpp"
#include "async/event.hpp"
#include "model/arn.hpp"
#include "model/aws_error.hpp"
#include "model/constraints.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;
namespace c = model::constraints;
using Wire = nlohmann::ordered_json;

// AWS: MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds 60-21600, DestinationArn ≤ 350
// (service-2.json, facts §3.8); list pages of at most 50.
constexpr int kMaxRetryAttempts = 2;
constexpr int kMinEventAge = 60;
constexpr int kMaxEventAge = 21600;
constexpr std::size_t kMaxDestinationLength = 350;
constexpr std::size_t kMaxConfigListItems = 50;

/// The members of a Put/Update body. A destination side is nullopt when DestinationConfig does
/// not name it; "" is an explicit empty destination (allowed by the pattern: unset).
struct ConfigRequest {
    std::optional<std::int64_t> maximum_retry_attempts;
    std::optional<std::int64_t> maximum_event_age_in_seconds;
    bool has_destination_config = false;
    std::optional<std::string> on_success;
    std::optional<std::string> on_failure;
};

/// DestinationConfig.<side>.Destination, type-checked.
std::optional<std::string> destination_of(const model::Members& config, const char* side) {
    const std::optional<model::Members> destination = config.object(side);
    return destination ? destination->string("Destination") : std::nullopt;
}

void check_destination(const std::optional<std::string>& arn,
                       std::string_view member,
                       std::vector<errors::Violation>& violations) {
    if (!arn) {
        return;
    }
    if (c::text_length(*arn) > kMaxDestinationLength) {
        violations.push_back({*arn, std::string(member), c::max_length(kMaxDestinationLength)});
    }
    if (!async::matches_destination_pattern(*arn)) {
        violations.push_back(
            {*arn, std::string(member), c::pattern(async::kDestinationArnPattern)});
    }
}

ConfigRequest parse_config_request(const Request& request) {
    const RequestBody body(request.body);
    ConfigRequest parsed;
    parsed.maximum_retry_attempts = body.integer("MaximumRetryAttempts");
    parsed.maximum_event_age_in_seconds = body.integer("MaximumEventAgeInSeconds");
    if (const std::optional<model::Members> config = body.object("DestinationConfig")) {
        parsed.has_destination_config = true;
        parsed.on_success = destination_of(*config, "OnSuccess");
        parsed.on_failure = destination_of(*config, "OnFailure");
    }
    std::vector<errors::Violation> violations;
    if (const auto& retries = parsed.maximum_retry_attempts) {
        if (*retries < 0) {
            violations.push_back(
                {std::to_string(*retries), "maximumRetryAttempts", c::min_value(0)});
        } else if (*retries > kMaxRetryAttempts) {
            violations.push_back({std::to_string(*retries),
                                  "maximumRetryAttempts",
                                  c::max_value(kMaxRetryAttempts)});
        }
    }
    if (const auto& age = parsed.maximum_event_age_in_seconds) {
        if (*age < kMinEventAge) {
            violations.push_back(
                {std::to_string(*age), "maximumEventAgeInSeconds", c::min_value(kMinEventAge)});
        } else if (*age > kMaxEventAge) {
            violations.push_back(
                {std::to_string(*age), "maximumEventAgeInSeconds", c::max_value(kMaxEventAge)});
        }
    }
    check_destination(parsed.on_success, "destinationConfig.onSuccess.destination", violations);
    check_destination(parsed.on_failure, "destinationConfig.onFailure.destination", violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    if (!parsed.maximum_retry_attempts && !parsed.maximum_event_age_in_seconds &&
        !parsed.has_destination_config) {
        // AWS (LocalStack's recorded text).
        throw errors::invalid_parameter(
            "You must specify at least one of error handling or destination setting.");
    }
    // An empty destination is no destination.
    for (std::optional<std::string>* side : {&parsed.on_success, &parsed.on_failure}) {
        if (*side && side->value().empty()) {
            side->reset();
        }
    }
    return parsed;
}

/// One destination: a lambda target must exist (in the caller's account and region, or the
/// ARN's) and not be the function itself; other services must be sqs, sns or events.
/// Returns false for an unsupported service (reported for the whole config by the caller).
bool valid_destination(const store::Catalog& catalog,
                       const model::Scope& scope,
                       std::string_view function_name,
                       const std::string& arn) {
    const std::optional<async::TargetArn> target = async::parse_target_arn(arn);
    if (!target || !async::is_supported_service(target->service)) {
        return false;
    }
    if (target->service != "lambda") {
        return true;
    }
    const std::optional<async::FunctionTarget> function = async::function_target(*target);
    const model::Scope target_scope{target->account.empty() ? scope.account : target->account,
                                    target->region.empty() ? scope.region : target->region};
    if (!function || !catalog.find(target_scope, function->name)) {
        throw errors::invalid_parameter(fmt::format("The destination ARN {} is invalid.", arn));
    }
    if (function->name == function_name && target_scope == scope) {
        throw errors::invalid_parameter(
            "You can't specify the function as a destination for itself.");
    }
    return true;
}

void check_destinations(const store::Catalog& catalog,
                        const model::ResolvedRef& ref,
                        const ConfigRequest& parsed) {
    bool valid = true;
    // AWS checks the failure side first (LocalStack's recorded behaviour).
    for (const std::optional<std::string>* side : {&parsed.on_failure, &parsed.on_success}) {
        if (*side && !valid_destination(catalog, ref.scope, ref.name, **side)) {
            valid = false;
        }
    }
    if (!valid) {
        const auto part = [](std::string_view name, const std::optional<std::string>& arn) {
            return arn ? fmt::format("{}(destination={})", name, *arn) : std::string("null");
        };
        throw errors::invalid_parameter(
            fmt::format("The provided destination config DestinationConfig(onSuccess={}, "
                        "onFailure={}) is invalid.",
                        part("OnSuccess", parsed.on_success),
                        part("OnFailure", parsed.on_failure)));
    }
}

/// AWS (LocalStack's recorded text) for Put/Update/List on a missing function or qualifier.
model::AwsError function_does_not_exist() {
    return errors::resource_not_found("The function doesn't exist.");
}

model::AwsError no_config(std::string_view arn) {
    return errors::resource_not_found(
        fmt::format("The function {} doesn't have an EventInvokeConfig", arn));
}

/// A validated (small) setting as stored.
std::optional<int> as_int(const std::optional<std::int64_t>& value) {
    return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

std::string qualifier_of(const model::ResolvedRef& ref) {
    return ref.qualifier.value_or("$LATEST");
}

/// Put and Update: validate, then store under the catalog lock. `merge`: Update (the
/// configuration must exist; absent members keep their values).
Response store_config(Context& context, const Request& request, bool merge) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    const ConfigRequest parsed = parse_config_request(request);
    const std::string qualifier = qualifier_of(ref);
    const store::FunctionPtr current = context.catalog.find(ref.scope, ref.name);
    if (!current || find_version(*current, ref.qualifier) == nullptr) {
        throw function_does_not_exist();
    }
    const std::string arn = model::qualified_function_arn(ref.scope, ref.name, qualifier);
    if (merge && !current->event_invoke_configs.contains(qualifier)) {
        throw no_config(arn);
    }
    if (parsed.has_destination_config) {
        check_destinations(context.catalog, ref, parsed);
    }
    model::EventInvokeConfig stored;
    modify_function(context.catalog, ref, [&](model::Function& function) {
        model::EventInvokeConfig next;
        if (merge) {
            const auto it = function.event_invoke_configs.find(qualifier);
            if (it == function.event_invoke_configs.end()) {
                throw no_config(arn);  // deleted since the check above
            }
            next = it->second;
        }
        if (parsed.maximum_retry_attempts || !merge) {
            next.maximum_retry_attempts = as_int(parsed.maximum_retry_attempts);
        }
        if (parsed.maximum_event_age_in_seconds || !merge) {
            next.maximum_event_age_in_seconds = as_int(parsed.maximum_event_age_in_seconds);
        }
        if (parsed.has_destination_config || !merge) {
            next.on_success = parsed.on_success;
            next.on_failure = parsed.on_failure;
        }
        next.last_modified_ms = async::now_ms();
        function.event_invoke_configs[qualifier] = next;
        stored = next;
    });
    return json_response(200, render_event_invoke_config(ref.scope, ref.name, qualifier, stored));
}

}  // namespace

Wire render_event_invoke_config(const model::Scope& scope,
                                std::string_view function_name,
                                std::string_view qualifier,
                                const model::EventInvokeConfig& config) {
    // Members in the service model's order; unset settings are left out, DestinationConfig is
    // always there with both sides (facts §3.7).
    Wire json;
    json["LastModified"] = static_cast<double>(config.last_modified_ms) / 1000.0;
    json["FunctionArn"] = model::qualified_function_arn(scope, function_name, qualifier);
    if (config.maximum_retry_attempts) {
        json["MaximumRetryAttempts"] = *config.maximum_retry_attempts;
    }
    if (config.maximum_event_age_in_seconds) {
        json["MaximumEventAgeInSeconds"] = *config.maximum_event_age_in_seconds;
    }
    const auto side = [](const std::optional<std::string>& arn) {
        return arn ? Wire{{"Destination", *arn}} : Wire::object();
    };
    json["DestinationConfig"] =
        Wire{{"OnSuccess", side(config.on_success)}, {"OnFailure", side(config.on_failure)}};
    return json;
}

Response put_function_event_invoke_config(Context& context, const Request& request) {
    return store_config(context, request, false);
}

Response update_function_event_invoke_config(Context& context, const Request& request) {
    return store_config(context, request, true);
}

Response get_function_event_invoke_config(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    const std::string qualifier = qualifier_of(ref);
    const std::string arn = model::qualified_function_arn(ref.scope, ref.name, qualifier);
    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    if (!function) {
        throw no_config(arn);
    }
    const auto it = function->event_invoke_configs.find(qualifier);
    if (it == function->event_invoke_configs.end()) {
        throw no_config(arn);
    }
    return json_response(200,
                         render_event_invoke_config(ref.scope, ref.name, qualifier, it->second));
}

Response delete_function_event_invoke_config(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    const std::string qualifier = qualifier_of(ref);
    // AWS quotes the ARN as addressed here (qualified only when the request is).
    const std::string arn = reference_arn(ref);
    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    if (!function || !function->event_invoke_configs.contains(qualifier)) {
        throw no_config(arn);
    }
    modify_function(context.catalog, ref, [&](model::Function& next) {
        if (next.event_invoke_configs.erase(qualifier) == 0) {
            throw no_config(arn);
        }
    });
    return empty_response(204);
}

Response list_function_event_invoke_configs(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    std::vector<errors::Violation> violations;
    const std::size_t max_items = parse_max_items(
        request.query_param("MaxItems"), kMaxConfigListItems, kMaxConfigListItems, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    if (!function) {
        throw function_does_not_exist();
    }
    // Marker: the qualifier to continue from (lambdahost's own token).
    const std::optional<std::string> marker = request.query_param("Marker");
    auto it = marker ? function->event_invoke_configs.lower_bound(*marker)
                     : function->event_invoke_configs.begin();
    Wire items = Wire::array();
    for (; it != function->event_invoke_configs.end() && items.size() < max_items; ++it) {
        items.push_back(render_event_invoke_config(ref.scope, ref.name, it->first, it->second));
    }
    Wire body{{"FunctionEventInvokeConfigs", std::move(items)}};
    if (it != function->event_invoke_configs.end()) {
        body["NextMarker"] = it->first;
    }
    return json_response(200, body);
}

}  // namespace lambdahost::api
