// SPDX-License-Identifier: Apache-2.0
// Aliases (facts §2.2, §3.4). Request bodies are checked for member constraints first (one
// ValidationException listing them all), then the service rules run inside the catalog
// mutation, so they see the function as it is stored. Moving or deleting an alias with
// provisioned concurrency re-provisions or releases it once the change is durable.
#include "api/aliases.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "api/concurrency.hpp"
#include "api/handler_util.hpp"
#include "api/request_body.hpp"
#include "model/arn.hpp"
#include "model/aws_error.hpp"
#include "model/constraints.hpp"
#include "util/ids.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;
namespace c = model::constraints;
using Violations = std::vector<errors::Violation>;

// AWS: the Alias, Version and Description shapes of service-2.json.
constexpr std::size_t kMaxAliasLength = 128;
constexpr std::size_t kMaxVersionLength = 1024;
constexpr std::size_t kMaxDescriptionLength = 256;
constexpr std::string_view kAliasPattern = R"((?!^[0-9]+$)([a-zA-Z0-9-_]+))";
constexpr std::string_view kVersionPattern = R"((\$LATEST|[0-9]+))";
constexpr std::string_view kWeightsMember = "routingConfig.additionalVersionWeights";
// AWS texts (facts §3.4).
constexpr std::string_view kWeightKeyConstraint =
    "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression "
    "pattern: [0-9]+]";
constexpr std::string_view kWeightValueConstraint =
    "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
    "Member must have value greater than or equal to 0.0, Member must not be null]";

bool is_alias_name(std::string_view text) {
    return c::all_of(text, c::is_name_char) && !c::all_of(text, c::is_ascii_digit);
}

bool is_version(std::string_view text) {
    return text == "$LATEST" || c::all_of(text, c::is_ascii_digit);
}

void require(bool present, std::string_view member, Violations& violations) {
    if (!present) {
        violations.push_back(
            {"", std::string(member), std::string(c::kNotNull), errors::ValueForm::Null});
    }
}

/// Length then pattern, as AWS lists them.
template <typename Matches>
void check_string(const std::string& value,
                  std::string_view member,
                  std::size_t max_length,
                  std::string_view pattern,
                  Matches matches,
                  Violations& violations) {
    const std::size_t length = c::text_length(value);
    if (length < 1) {
        violations.push_back({value, std::string(member), c::min_length(1)});
    }
    if (length > max_length) {
        violations.push_back({value, std::string(member), c::max_length(max_length)});
    }
    if (!matches(value)) {
        violations.push_back({value, std::string(member), c::pattern(pattern)});
    }
}

void check_alias_name(const std::string& name, Violations& violations) {
    check_string(name, "name", kMaxAliasLength, kAliasPattern, is_alias_name, violations);
}

void check_version(const std::string& version, std::string_view member, Violations& violations) {
    check_string(version, member, kMaxVersionLength, kVersionPattern, is_version, violations);
}

void check_description(const std::optional<std::string>& description, Violations& violations) {
    if (description && c::text_length(*description) > kMaxDescriptionLength) {
        violations.push_back({*description, "description", c::max_length(kMaxDescriptionLength)});
    }
}

/// Java's rendering of a double in violation values ("2.0", "0.5").
std::string java_double(double value) {
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".eEn") == std::string::npos) {
        text += ".0";
    }
    return text;
}

/// A body's RoutingConfig: `given` even when empty ({} clears the routing on update).
struct Routing {
    bool given = false;
    std::map<std::string, double> weights;
};

Routing read_routing(const RequestBody& body, Violations& violations) {
    const std::optional<model::Members> config = body.object("RoutingConfig");
    if (!config) {
        return {};
    }
    Routing routing{true, {}};
    const auto weights = config->number_map("AdditionalVersionWeights");
    if (!weights) {
        return routing;
    }
    std::map<std::string, std::string> shown;  // Java's map rendering: {2=0.5}
    bool bad_key = false;
    bool bad_value = false;
    for (const auto& [version, weight] : *weights) {
        shown.emplace(version, weight ? java_double(*weight) : "null");
        bad_key =
            bad_key || version.size() > kMaxVersionLength || !c::all_of(version, c::is_ascii_digit);
        bad_value = bad_value || !weight || *weight < 0.0 || *weight > 1.0;
        if (weight) {
            routing.weights.emplace(version, *weight);
        }
    }
    for (const auto& [bad, constraint] :
         {std::pair{bad_key, kWeightKeyConstraint}, std::pair{bad_value, kWeightValueConstraint}}) {
        if (bad) {
            violations.push_back(
                {c::map_value(shown), std::string(kWeightsMember), std::string(constraint)});
        }
    }
    return routing;
}

/// FunctionVersion and Description, which CreateAlias and UpdateAlias share with RoutingConfig.
struct AliasMembers {
    std::optional<std::string> version;
    std::optional<std::string> description;
};

/// Checks them and RoutingConfig in AWS's order after what the caller already put in
/// `violations` (CreateAlias: the name), then throws the whole list if anything is wrong.
/// `version_required`: CreateAlias must name a version, UpdateAlias may keep its own.
/// The caller reads the members first: a wrong JSON type in them is the answer, ahead of any
/// validation error.
Routing check_alias_members(const RequestBody& body,
                            const AliasMembers& members,
                            bool version_required,
                            Violations& violations) {
    if (version_required) {
        require(members.version.has_value(), "functionVersion", violations);
    }
    if (members.version) {
        check_version(*members.version, "functionVersion", violations);
    }
    check_description(members.description, violations);
    Routing routing = read_routing(body, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    return routing;
}

/// The function of an alias operation: {FunctionName} without a version or alias.
model::ResolvedRef alias_function(const Request& request) {
    model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    require_unqualified(ref);
    return ref;
}

/// The {Name} path parameter, checked against the Alias shape.
const std::string& alias_param(const Request& request) {
    const std::string& name = request.path_param("Name");
    Violations violations;
    check_alias_name(name, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    return name;
}

std::string alias_arn(const model::ResolvedRef& ref, std::string_view alias) {
    return model::qualified_function_arn(ref.scope, ref.name, alias);
}

/// AWS: an alias may point at $LATEST or an existing version; else "Function not found:
/// <arn>:<version>" (facts §3.4).
void require_target(const model::Function& function,
                    const model::ResolvedRef& ref,
                    const std::string& version) {
    if (version != "$LATEST" && find_version(function, version) == nullptr) {
        throw errors::function_not_found(alias_arn(ref, version));
    }
}

/// The service rules of AdditionalVersionWeights, in the order of facts §3.4.
void check_routing(const model::Function& function,
                   const model::ResolvedRef& ref,
                   const std::string& primary,
                   const std::map<std::string, double>& weights) {
    if (weights.empty()) {
        return;
    }
    if (weights.size() > 1) {
        throw errors::invalid_parameter(
            "Number of items in AdditionalVersionWeights cannot be greater than 1");
    }
    const std::string& version = weights.begin()->first;
    if (version == primary) {
        throw errors::invalid_parameter(fmt::format(
            "Invalid function version {0}. Function version {0} is already included in routing "
            "configuration.",
            version));
    }
    if (primary == "$LATEST") {
        // AWS: this one comes without Type (facts §3.4).
        throw errors::invalid_parameter(
            "$LATEST is not supported for an alias pointing to more than 1 version")
            .without_type();
    }
    require_target(function, ref, version);
}

nlohmann::ordered_json alias_json(const model::ResolvedRef& ref, const model::Alias& alias) {
    // Members in the service model's order.
    nlohmann::ordered_json json;
    json["AliasArn"] = alias_arn(ref, alias.name);
    json["Name"] = alias.name;
    json["FunctionVersion"] = alias.function_version;
    json["Description"] = alias.description;  // AWS: always present (facts §2.2)
    // AWS: an empty RoutingConfig is not echoed back (facts §3.4).
    if (!alias.additional_version_weights.empty()) {
        json["RoutingConfig"] = {{"AdditionalVersionWeights", alias.additional_version_weights}};
    }
    json["RevisionId"] = alias.revision_id;
    return json;
}

}  // namespace

Response create_alias(Context& context, const Request& request) {
    const model::ResolvedRef ref = alias_function(request);
    const RequestBody body(request.body);
    Violations violations;
    const std::optional<std::string> name = body.string("Name");
    const AliasMembers members{body.string("FunctionVersion"), body.string("Description")};
    require(name.has_value(), "name", violations);
    if (name) {
        check_alias_name(*name, violations);
    }
    const Routing routing = check_alias_members(body, members, true, violations);

    const model::Alias alias{
        *name, *members.version, members.description.value_or(""), util::uuid4(), routing.weights};
    modify_function(context.catalog, ref, [&](model::Function& function) {
        require_target(function, ref, alias.function_version);
        if (function.aliases.contains(alias.name)) {
            throw errors::resource_conflict(
                fmt::format("Alias already exists: {}", alias_arn(ref, alias.name)));
        }
        check_routing(function, ref, alias.function_version, alias.additional_version_weights);
        // AWS: creating an alias does not change the function's RevisionId (facts §3.3).
        function.aliases.emplace(alias.name, alias);
    });
    return json_response(201, alias_json(ref, alias));
}

Response get_alias(Context& context, const Request& request) {
    const model::ResolvedRef ref = alias_function(request);
    const std::string& name = alias_param(request);
    const store::FunctionPtr function = find_function(context.catalog, ref);
    const model::Alias* alias = find_alias(*function, name);
    if (alias == nullptr) {
        // AWS text (facts §2.2); UpdateAlias words it differently.
        throw errors::resource_not_found(
            fmt::format("Cannot find alias arn: {}", alias_arn(ref, name)));
    }
    return json_response(200, alias_json(ref, *alias));
}

Response update_alias(Context& context, const Request& request) {
    const model::ResolvedRef ref = alias_function(request);
    const std::string& name = alias_param(request);
    const RequestBody body(request.body);
    Violations violations;
    const AliasMembers members{body.string("FunctionVersion"), body.string("Description")};
    const std::optional<std::string> revision_id = body.string("RevisionId");
    const Routing routing = check_alias_members(body, members, false, violations);
    const std::optional<std::string>& version = members.version;
    const std::optional<std::string>& description = members.description;

    model::Alias updated;
    bool moved = false;
    modify_function(context.catalog, ref, [&](model::Function& function) {
        const auto it = function.aliases.find(name);
        if (it == function.aliases.end()) {
            throw errors::resource_not_found(
                fmt::format("Alias not found: {}", alias_arn(ref, name)));  // AWS (facts §2.2)
        }
        model::Alias& alias = it->second;
        if (revision_id && *revision_id != alias.revision_id) {
            throw errors::revision_id_mismatch();
        }
        const std::string primary = version.value_or(alias.function_version);
        require_target(function, ref, primary);
        const std::map<std::string, double>& weights =
            routing.given ? routing.weights : alias.additional_version_weights;
        check_routing(function, ref, primary, weights);
        moved = primary != alias.function_version;
        alias.function_version = primary;
        alias.additional_version_weights = weights;
        if (description) {
            alias.description = *description;
        }
        // AWS: every update, even one that changes nothing, is a new revision (facts §2.2).
        alias.revision_id = util::uuid4();
        updated = alias;
        // AWS: moving an alias re-provisions its provisioned concurrency (facts §3.6).
        if (const auto provisioned = function.provisioned_concurrency.find(name);
            moved && provisioned != function.provisioned_concurrency.end()) {
            restart_provisioned(provisioned->second);
        }
    });
    if (moved) {
        start_provisioning(context, ref.scope, ref.name, name);
        apply_limits(context, ref.scope, ref.name);
    }
    return json_response(200, alias_json(ref, updated));
}

Response delete_alias(Context& context, const Request& request) {
    const model::ResolvedRef ref = alias_function(request);
    const std::string& name = alias_param(request);
    bool provisioned = false;
    modify_function(context.catalog, ref, [&](model::Function& function) {
        function.aliases.erase(name);
        // AWS: the alias's provisioned concurrency goes with it (facts §2.2).
        provisioned = function.provisioned_concurrency.erase(name) > 0;
    });
    if (provisioned) {
        release_provisioned(context, ref.scope, ref.name, {name});
    }
    // AWS: 204 whether or not the alias existed (facts §2.2).
    return empty_response(204);
}

Response list_aliases(Context& context, const Request& request) {
    const model::ResolvedRef ref = alias_function(request);
    Violations violations;
    const std::optional<std::string> version = request.query_param("FunctionVersion");
    if (version) {
        check_version(*version, "functionVersion", violations);
    }
    const std::size_t max_items = parse_max_items(
        request.query_param("MaxItems"), kDefaultListItems, kMaxListItems, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    const std::optional<std::string> marker = request.query_param("Marker");  // last name given
    const store::FunctionPtr function = find_function(context.catalog, ref);
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    const model::Alias* last = nullptr;
    bool more = false;
    for (const auto& [name, alias] : function->aliases) {
        if ((marker && name <= *marker) || (version && alias.function_version != *version)) {
            continue;
        }
        if (items.size() == max_items) {
            more = true;
            break;
        }
        items.push_back(alias_json(ref, alias));
        last = &alias;
    }
    nlohmann::ordered_json body{{"Aliases", std::move(items)}};
    if (more) {
        body["NextMarker"] = last->name;
    }
    return json_response(200, body);
}

const std::string& route(const model::Alias& alias, double draw) {
    if (!alias.additional_version_weights.empty()) {
        const auto& [version, weight] = *alias.additional_version_weights.begin();
        if (draw < weight) {
            return version;
        }
    }
    return alias.function_version;
}

double routing_draw() {
    // xorshift64* (Vigna): one multiplication per draw, state per thread, never zero.
    thread_local std::uint64_t state = [] {
        std::random_device device;
        return (static_cast<std::uint64_t>(device()) << 32 | device()) | 1;
    }();
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
    return static_cast<double>((state * 2685821657736338717ULL) >> 11) * kTwoToMinus53;
}

InvokeTarget select_invoke_target(const model::Function& function,
                                  const std::optional<std::string>& qualifier) {
    if (const model::Alias* alias = find_alias(function, qualifier)) {
        const bool routed = !alias->additional_version_weights.empty();
        const std::string& version = route(*alias, routed ? routing_draw() : 1.0);
        // Provisioned concurrency of an alias serves its primary version.
        const bool primary = &version == &alias->function_version;
        return {find_version(function, version), primary ? qualifier : std::nullopt};
    }
    const bool latest = !qualifier || *qualifier == "$LATEST";
    return {find_version(function, qualifier), latest ? std::nullopt : qualifier};
}

}  // namespace lambdahost::api
