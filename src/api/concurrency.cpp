// SPDX-License-Identifier: Apache-2.0
// Reserved and provisioned concurrency: see concurrency.hpp. Limits that involve the other
// functions of the account (the unreserved minimum) are summed before the catalog mutation (the
// catalog lock cannot be taken twice), the function's own settings inside it; two concurrent
// changes of different functions can therefore both pass a limit that only one of them fits.
#include "api/concurrency.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/handler_util.hpp"
#include "api/invoke.hpp"
#include "api/request_body.hpp"
#include "model/arn.hpp"
#include "model/aws_error.hpp"
#include "model/constraints.hpp"
#include "model/function_json.hpp"
#include "util/time.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;
namespace c = model::constraints;
using Violations = std::vector<errors::Violation>;

// AWS (facts §3.6).
constexpr long long kMinimumUnreserved = 100;
constexpr std::string_view kInitFailure = "FUNCTION_ERROR_INIT_FAILURE";
// AWS: MaxProvisionedConcurrencyConfigListItems 1-50 (service-2.json).
constexpr std::size_t kMaxProvisionedListItems = 50;

/// Thrown inside a catalog mutation to leave the function untouched.
struct Superseded {};

long long account_limit(const Context& context) {
    return context.settings.account_concurrency;
}

/// Requested provisioned concurrency of a function (FAILED configurations hold none), leaving
/// out `except`.
long long provisioned_total(const model::Function& function, std::string_view except = {}) {
    long long total = 0;
    for (const auto& [qualifier, config] : function.provisioned_concurrency) {
        if (qualifier != except && config.status != model::ProvisionedStatus::Failed) {
            total += config.requested;
        }
    }
    return total;
}

/// What one function takes from the account's unreserved pool.
long long taken_by(const model::Function& function) {
    return function.reserved_concurrency ? *function.reserved_concurrency
                                         : provisioned_total(function);
}

/// What the scope's functions other than `name` take from the unreserved pool.
long long taken_by_others(const Context& context,
                          const model::Scope& scope,
                          const std::string& name) {
    long long taken = 0;
    for (const store::FunctionPtr& function : context.catalog.list(scope)) {
        if (function->latest.function_name != name) {
            taken += taken_by(*function);
        }
    }
    return taken;
}

/// AWS: "... decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
/// (facts §3.6) for both kinds of concurrency; the reserved one comes without Type.
model::AwsError below_minimum(std::string_view what) {
    return errors::invalid_parameter(
        fmt::format("Specified {} for function decreases account's UnreservedConcurrentExecution "
                    "below its minimum value of [{}].",
                    what,
                    kMinimumUnreserved));
}

nlohmann::ordered_json reserved_json(const model::Function& function) {
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    if (function.reserved_concurrency) {
        body["ReservedConcurrentExecutions"] = *function.reserved_concurrency;
    }
    return body;
}

/// The function of a reserved-concurrency operation.
model::ResolvedRef reserved_function(const Request& request) {
    model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    require_unqualified(ref);
    return ref;
}

/// The function and qualifier of a provisioned-concurrency operation.
struct ProvisionedTarget {
    model::ResolvedRef ref;
    std::string qualifier;
    std::string arn() const {
        return model::qualified_function_arn(ref.scope, ref.name, qualifier);
    }
};

/// Qualifier required (a ValidationException listed with `violations`), never $LATEST
/// (`latest_message`: AWS words it differently for Put and Get/Delete, facts §3.6).
ProvisionedTarget provisioned_target(const Request& request,
                                     std::string_view latest_message,
                                     Violations violations = {}) {
    model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    if (!ref.qualifier) {
        violations.insert(violations.begin(),
                          {"", "qualifier", std::string(c::kNotNull), errors::ValueForm::Null});
    }
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    if (*ref.qualifier == "$LATEST") {
        throw errors::invalid_parameter(std::string(latest_message));
    }
    std::string qualifier = *ref.qualifier;
    return {std::move(ref), std::move(qualifier)};
}

/// AWS (as LocalStack records it): a missing alias is "Cannot find alias arn: <arn>", a missing
/// version (or function) "Function not found: <arn>", both quoting the qualified ARN.
void require_qualifier(const model::Function* function, const ProvisionedTarget& target) {
    if (const auto number = version_number(target.qualifier)) {
        if (function == nullptr || !function->versions.contains(*number)) {
            throw errors::function_not_found(target.arn());
        }
    } else if (function == nullptr || !function->aliases.contains(target.qualifier)) {
        throw errors::resource_not_found(fmt::format("Cannot find alias arn: {}", target.arn()));
    }
}

/// A configuration in the service model's member order; list items lead with FunctionArn.
nlohmann::ordered_json provisioned_json(const model::ProvisionedConcurrency& config,
                                        const std::optional<std::string>& function_arn) {
    nlohmann::ordered_json json;
    if (function_arn) {
        json["FunctionArn"] = *function_arn;
    }
    json["RequestedProvisionedConcurrentExecutions"] = config.requested;
    // Every initialised environment is available: Available = Allocated (facts §3.6).
    json["AvailableProvisionedConcurrentExecutions"] = config.allocated;
    json["AllocatedProvisionedConcurrentExecutions"] = config.allocated;
    json["Status"] = model::provisioned_status_name(config.status);
    if (config.status_reason) {
        json["StatusReason"] = *config.status_reason;
    }
    json["LastModified"] = config.last_modified;
    return json;
}

/// The limits of provisioned concurrency (facts §3.6), inside the Put mutation.
void check_provisioned_limits(const model::Function& function,
                              const std::string& qualifier,
                              long long requested,
                              long long limit,
                              long long taken_by_others) {
    const long long others_here = provisioned_total(function, qualifier);
    if (function.reserved_concurrency) {
        if (others_here + requested > *function.reserved_concurrency) {
            throw errors::invalid_parameter(
                "Requested Provisioned Concurrency should not be greater than the "
                "reservedConcurrentExecution for function");
        }
        return;
    }
    const long long unreserved = limit - taken_by_others - others_here;
    if (requested > unreserved) {
        throw errors::invalid_parameter(
            fmt::format("Specified ConcurrentExecutions for function is greater than account's "
                        "unreserved concurrency [{}].",
                        unreserved));
    }
    if (unreserved - requested < kMinimumUnreserved) {
        throw below_minimum("ConcurrentExecutions");
    }
}

/// AWS: one of a version and an alias pointing at it may have provisioned concurrency
/// (facts §3.6).
void check_provisioned_conflicts(const model::Function& function, const std::string& qualifier) {
    if (const model::Alias* alias = find_alias(function, qualifier)) {
        if (function.provisioned_concurrency.contains(alias->function_version)) {
            throw errors::resource_conflict(
                "Alias can't be used for Provisioned Concurrency configuration on an already "
                "Provisioned version");
        }
        return;
    }
    for (const auto& [name, alias] : function.aliases) {
        if (alias.function_version == qualifier &&
            function.provisioned_concurrency.contains(name)) {
            throw errors::resource_conflict(
                "Version is pointed by a Provisioned Concurrency alias");
        }
    }
}

/// Stores what the scheduler reported for the allocation stamped `last_modified`; nothing if
/// the configuration changed or went since.
void finish_provisioning(Context& context,
                         const model::Scope& scope,
                         const std::string& name,
                         const std::string& qualifier,
                         const std::string& last_modified,
                         bool ready) {
    try {
        context.catalog.update(scope, name, [&](const model::Function* current) {
            if (current == nullptr) {
                throw Superseded{};
            }
            const auto it = current->provisioned_concurrency.find(qualifier);
            if (it == current->provisioned_concurrency.end() ||
                it->second.last_modified != last_modified ||
                it->second.status == model::ProvisionedStatus::Failed) {
                throw Superseded{};
            }
            auto next = std::make_shared<model::Function>(*current);
            model::ProvisionedConcurrency& config = next->provisioned_concurrency.at(qualifier);
            if (ready) {
                config.status = model::ProvisionedStatus::Ready;
                config.allocated = config.requested;
            } else {
                // AWS: an init that throws fails the allocation (facts §3.6).
                config.status = model::ProvisionedStatus::Failed;
                config.allocated = 0;
                config.status_reason = std::string(kInitFailure);
            }
            return next;
        });
    } catch (const Superseded&) {
        return;
    } catch (const std::exception& error) {
        spdlog::error(
            "could not record provisioned concurrency of {}:{}: {}", name, qualifier, error.what());
        return;
    }
    apply_limits(context, scope, name);
}

}  // namespace

long long unreserved_concurrency(const Context& context, const model::Scope& scope) {
    return account_limit(context) - taken_by_others(context, scope, "");
}

void restart_provisioned(model::ProvisionedConcurrency& config) {
    config.status = model::ProvisionedStatus::InProgress;
    config.allocated = 0;
    config.status_reason.reset();
    config.last_modified = util::format_last_modified(std::chrono::system_clock::now());
}

void apply_limits(Context& context, const model::Scope& scope, const std::string& name) {
    if (context.scheduler == nullptr) {
        return;
    }
    // Read and apply under one lock, so an older snapshot never overwrites a newer one.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    scheduler::FunctionLimits limits;
    if (const store::FunctionPtr function = context.catalog.find(scope, name)) {
        if (function->reserved_concurrency) {
            limits.reserved = static_cast<unsigned>(*function->reserved_concurrency);
        }
        for (const auto& [qualifier, config] : function->provisioned_concurrency) {
            if (config.status != model::ProvisionedStatus::Failed) {
                limits.provisioned[qualifier] = {static_cast<unsigned>(config.requested),
                                                 static_cast<unsigned>(config.allocated)};
            }
        }
    }
    context.scheduler->limits().configure(scope, name, std::move(limits));
}

void start_provisioning(Context& context,
                        const model::Scope& scope,
                        const std::string& name,
                        const std::string& qualifier) {
    if (context.scheduler == nullptr) {
        return;
    }
    const store::FunctionPtr function = context.catalog.find(scope, name);
    if (!function) {
        return;
    }
    const auto it = function->provisioned_concurrency.find(qualifier);
    const model::FunctionConfig* version = find_version(*function, qualifier);
    if (it == function->provisioned_concurrency.end() ||
        it->second.status == model::ProvisionedStatus::Failed || version == nullptr) {
        return;
    }
    VersionSpecPtr spec = context.version_specs.current(scope, *version, context.code_store);
    context.scheduler->provision(
        std::move(spec),
        qualifier,
        static_cast<unsigned>(it->second.requested),
        [&context, scope, name, qualifier, stamp = it->second.last_modified](bool ready) {
            // Reported on an io thread: the catalog write goes to the blocking pool.
            context.executor.post([&context, scope, name, qualifier, stamp, ready] {
                finish_provisioning(context, scope, name, qualifier, stamp, ready);
            });
        });
}

void release_provisioned(Context& context,
                         const model::Scope& scope,
                         const std::string& name,
                         const std::vector<std::string>& qualifiers) {
    if (context.scheduler != nullptr) {
        for (const std::string& qualifier : qualifiers) {
            context.scheduler->deprovision(scope, name, qualifier);
        }
    }
    apply_limits(context, scope, name);
}

void resume_concurrency(Context& context) {
    for (const auto& [scope, function] : context.catalog.all()) {
        const std::string& name = function->latest.function_name;
        apply_limits(context, scope, name);
        for (const auto& [qualifier, config] : function->provisioned_concurrency) {
            start_provisioning(context, scope, name, qualifier);
        }
    }
}

Response put_function_concurrency(Context& context, const Request& request) {
    const model::ResolvedRef ref = reserved_function(request);
    const RequestBody body(request.body);
    const std::optional<std::int64_t> reserved = body.integer("ReservedConcurrentExecutions");
    if (!reserved) {
        throw errors::validation({{"",
                                   "reservedConcurrentExecutions",
                                   std::string(c::kNotNull),
                                   errors::ValueForm::Null}});
    }
    if (*reserved < 0) {
        throw errors::validation(
            {{std::to_string(*reserved), "reservedConcurrentExecutions", c::min_value(0)}});
    }
    if (!context.catalog.find(ref.scope, ref.name)) {
        // AWS quotes the ARN with :$LATEST here, as Invoke does (facts §3.1).
        throw errors::function_not_found(invoke_not_found_arn(ref));
    }
    const long long others = taken_by_others(context, ref.scope, ref.name);
    const store::FunctionPtr stored =
        modify_function(context.catalog, ref, [&](model::Function& function) {
            // AWS: the function's own reservation is credited back (facts §3.6).
            if (account_limit(context) - others - *reserved < kMinimumUnreserved) {
                throw below_minimum("ReservedConcurrentExecutions").without_type();
            }
            const long long provisioned = provisioned_total(function);
            if (*reserved < provisioned) {
                // AWS text, leading and double space included (facts §3.6).
                throw errors::invalid_parameter(
                    fmt::format(" ReservedConcurrentExecutions  {} should not be lower than "
                                "function's total provisioned concurrency [{}].",
                                *reserved,
                                provisioned));
            }
            function.reserved_concurrency = static_cast<int>(*reserved);
        });
    apply_limits(context, ref.scope, ref.name);
    return json_response(200, reserved_json(*stored));
}

Response get_function_concurrency(Context& context, const Request& request) {
    const model::ResolvedRef ref = reserved_function(request);
    // AWS: {} when no reservation is set (facts §2.3).
    return json_response(200, reserved_json(*find_function(context.catalog, ref)));
}

Response delete_function_concurrency(Context& context, const Request& request) {
    const model::ResolvedRef ref = reserved_function(request);
    modify_function(context.catalog, ref, [](model::Function& function) {
        function.reserved_concurrency.reset();
    });
    apply_limits(context, ref.scope, ref.name);
    return empty_response(204);
}

Response put_provisioned_concurrency_config(Context& context, const Request& request) {
    const RequestBody body(request.body);
    const std::optional<std::int64_t> requested = body.integer("ProvisionedConcurrentExecutions");
    Violations violations;
    if (!requested) {
        violations.push_back({"",
                              "provisionedConcurrentExecutions",
                              std::string(c::kNotNull),
                              errors::ValueForm::Null});
    } else if (*requested < 1) {
        violations.push_back(
            {std::to_string(*requested), "provisionedConcurrentExecutions", c::min_value(1)});
    }
    const ProvisionedTarget target = provisioned_target(
        request,
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        std::move(violations));
    const model::ResolvedRef& ref = target.ref;
    const long long others = taken_by_others(context, ref.scope, ref.name);
    model::ProvisionedConcurrency config;
    config.requested = static_cast<int>(*requested);
    restart_provisioned(config);
    context.catalog.update(ref.scope, ref.name, [&](const model::Function* current) {
        require_qualifier(current, target);
        check_provisioned_conflicts(*current, target.qualifier);
        check_provisioned_limits(
            *current, target.qualifier, *requested, account_limit(context), others);
        auto next = std::make_shared<model::Function>(*current);
        next->provisioned_concurrency.insert_or_assign(target.qualifier, config);
        return next;
    });
    start_provisioning(context, ref.scope, ref.name, target.qualifier);
    apply_limits(context, ref.scope, ref.name);
    // AWS: 202 IN_PROGRESS with nothing allocated yet (facts §3.6).
    return json_response(202, provisioned_json(config, std::nullopt));
}

Response get_provisioned_concurrency_config(Context& context, const Request& request) {
    const ProvisionedTarget target = provisioned_target(
        request, "The function resource provided must be an alias or a published version.");
    const store::FunctionPtr function = context.catalog.find(target.ref.scope, target.ref.name);
    require_qualifier(function.get(), target);
    const auto it = function->provisioned_concurrency.find(target.qualifier);
    if (it == function->provisioned_concurrency.end()) {
        throw errors::provisioned_config_not_found();
    }
    return json_response(200, provisioned_json(it->second, std::nullopt));
}

Response delete_provisioned_concurrency_config(Context& context, const Request& request) {
    const ProvisionedTarget target = provisioned_target(
        request, "The function resource provided must be an alias or a published version.");
    const model::ResolvedRef& ref = target.ref;
    bool erased = false;
    context.catalog.update(ref.scope, ref.name, [&](const model::Function* current) {
        require_qualifier(current, target);
        auto next = std::make_shared<model::Function>(*current);
        erased = next->provisioned_concurrency.erase(target.qualifier) > 0;
        return next;
    });
    if (erased) {
        release_provisioned(context, ref.scope, ref.name, {target.qualifier});
    }
    // AWS: 204 also when there was no configuration (facts §2.3).
    return empty_response(204);
}

Response list_provisioned_concurrency_configs(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    Violations violations;
    const std::size_t max_items = parse_max_items(request.query_param("MaxItems"),
                                                  kMaxProvisionedListItems,
                                                  kMaxProvisionedListItems,
                                                  violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    if (!function) {
        throw errors::function_not_found(model::function_arn(ref.scope, ref.name));
    }
    const std::optional<std::string> marker = request.query_param("Marker");  // last qualifier
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    const std::string* last = nullptr;
    bool more = false;
    for (const auto& [qualifier, config] : function->provisioned_concurrency) {
        if (marker && qualifier <= *marker) {
            continue;
        }
        if (items.size() == max_items) {
            more = true;
            break;
        }
        // Items name the version or alias the configuration was put on.
        items.push_back(provisioned_json(
            config, model::qualified_function_arn(ref.scope, ref.name, qualifier)));
        last = &qualifier;
    }
    nlohmann::ordered_json body{{"ProvisionedConcurrencyConfigs", std::move(items)}};
    if (more) {
        body["NextMarker"] = *last;
    }
    return json_response(200, body);
}

}  // namespace lambdahost::api
