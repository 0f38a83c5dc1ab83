// SPDX-License-Identifier: Apache-2.0
// The function family's handlers (facts §1.2-§1.4, §2.1, §3.2, §3.3) and the state
// transitions that follow Create and the two Updates. Every mutation goes through
// Catalog::update with its checks made inside the mutation, so two concurrent requests cannot
// both pass the "update in progress" or RevisionId checks. Handlers run on the blocking pool;
// transitions run on the Context's Executor and never throw (failures are logged).
#include "api/functions.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/concurrency.hpp"
#include "api/handler_util.hpp"
#include "api/versions.hpp"
#include "model/aws_error.hpp"
#include "model/function_json.hpp"
#include "model/function_request.hpp"
#include "util/crypto.hpp"
#include "util/ids.hpp"
#include "util/time.hpp"

namespace lambdahost::api {
namespace {

using model::FunctionConfig;
namespace errors = model::errors;

// AWS: the reason texts of a create or update in flight (facts §3.2).
constexpr std::string_view kCreatingReason = "The function is being created.";
constexpr std::string_view kCreatingReasonCode = "Creating";
constexpr std::string_view kFailedReasonCode = "InternalError";

std::string now() {
    return util::format_last_modified(std::chrono::system_clock::now());
}

bool in_transition(const FunctionConfig& config) {
    return config.state == model::FunctionState::Pending ||
           config.last_update_status == model::LastUpdateStatus::InProgress;
}

/// The 409 and 412 checks of UpdateFunctionCode and UpdateFunctionConfiguration.
void check_updatable(const FunctionConfig& latest,
                     const model::ResolvedRef& ref,
                     const std::optional<std::string>& revision_id) {
    if (in_transition(latest)) {
        throw errors::update_in_progress(model::function_arn(ref.scope, ref.name));
    }
    if (revision_id && *revision_id != latest.revision_id) {
        throw errors::revision_id_mismatch();
    }
}

void set_code(FunctionConfig& config, const store::StoredCode& code) {
    config.code_sha256 = code.sha256_base64;
    config.code_sha256_hex = code.sha256_hex;
    config.code_size = code.size;
}

/// Marks an observable change of $LATEST (facts §1.4).
void touch(FunctionConfig& config) {
    config.revision_id = util::uuid4();
    config.last_modified = now();
}

/// AWS: an update answers LastUpdateStatus InProgress with the "Creating" reason (facts §3.2).
void begin_update(FunctionConfig& config) {
    config.last_update_status = model::LastUpdateStatus::InProgress;
    config.last_update_status_reason = std::string(kCreatingReason);
    config.last_update_status_reason_code = std::string(kCreatingReasonCode);
    touch(config);
}

/// The Pending -> Active (create) or InProgress -> Successful (update) step of one revision.
struct Transition {
    model::Scope scope;
    std::string name;
    std::string revision_id;      // the revision it was scheduled for; any other means superseded
    std::string code_sha256_hex;  // the package to extract
    std::optional<std::string> replaced_code;  // the package an update replaced
};

/// Thrown inside a catalog mutation to leave the function untouched.
struct Superseded {};

void complete(FunctionConfig& config, const std::optional<std::string>& failure) {
    if (failure) {
        // Like LocalStack's "Error while creating lambda" (facts §4): State Failed for a create,
        // LastUpdateStatus Failed for both.
        if (config.state == model::FunctionState::Pending) {
            config.state = model::FunctionState::Failed;
            config.state_reason = *failure;
            config.state_reason_code = std::string(kFailedReasonCode);
        }
        config.last_update_status = model::LastUpdateStatus::Failed;
        config.last_update_status_reason = *failure;
        config.last_update_status_reason_code = std::string(kFailedReasonCode);
    } else {
        config.state = model::FunctionState::Active;
        config.state_reason.reset();
        config.state_reason_code.reset();
        config.last_update_status = model::LastUpdateStatus::Successful;
        config.last_update_status_reason.reset();
        config.last_update_status_reason_code.reset();
    }
    // AWS: the transition itself is an observable change (facts §1.4).
    config.revision_id = util::uuid4();
}

/// Stops the environments of a version's revision that was deleted or superseded; its package
/// is deleted once they are gone, if nothing else uses it (CodePins::hold).
void retire_spec(Context& context, const VersionSpecPtr& spec) {
    if (spec != nullptr && context.scheduler != nullptr) {
        context.scheduler->retire(spec);
    }
}

/// After a successful update, invokes go to the new revision: the spec of the one served
/// until now is replaced and its environments retired.
void replace_spec(Context& context, const model::Scope& scope, const FunctionConfig& config) {
    const VersionSpecPtr previous =
        context.version_specs.last(scope, config.function_name, config.version);
    if (previous != nullptr &&
        context.version_specs.current(scope, config, context.code_store) != previous) {
        retire_spec(context, previous);
    }
}

void finish_transition(Context& context,
                       const Transition& transition,
                       const std::optional<std::string>& failure) {
    try {
        const store::FunctionPtr stored = context.catalog.update(
            transition.scope, transition.name, [&](const model::Function* current) {
                if (current == nullptr || current->latest.revision_id != transition.revision_id) {
                    throw Superseded{};  // deleted, or recreated, since it was scheduled
                }
                auto next = std::make_shared<model::Function>(*current);
                // A transition changes nothing to publish: PublishVersion stays idempotent.
                const bool published = next->published_revision_id == next->latest.revision_id;
                complete(next->latest, failure);
                if (published) {
                    next->published_revision_id = next->latest.revision_id;
                }
                // Versions published with the change (Publish: true) finish with it.
                for (auto& [number, version] : next->versions) {
                    if (in_transition(version) &&
                        version.code_sha256_hex == transition.code_sha256_hex) {
                        complete(version, failure);
                    }
                }
                return next;
            });
        if (!failure) {
            replace_spec(context, transition.scope, stored->latest);
        }
    } catch (const Superseded&) {
        // Nothing to finish: a later request owns the function's state now.
    } catch (const std::exception& error) {
        spdlog::error("state transition of function {} failed: {}", transition.name, error.what());
    }
    if (transition.replaced_code) {
        try {
            context.code_pins.remove_if_unused(*transition.replaced_code);
        } catch (const std::exception& error) {
            spdlog::warn("could not delete replaced code package {}: {}",
                         *transition.replaced_code,
                         error.what());
        }
    }
}

/// Extracts the package now, then completes the transition after the configured delay.
void schedule_transition(Context& context, Transition transition) {
    context.executor.post([&context, transition = std::move(transition)] {
        std::optional<std::string> failure;
        try {
            context.code_store.extract(transition.code_sha256_hex);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        context.executor.post_after(
            context.settings.state_transition_delay,
            [&context, transition, failure] { finish_transition(context, transition, failure); });
    });
}

Transition transition_of(const model::Scope& scope,
                         const FunctionConfig& latest,
                         std::optional<std::string> replaced_code) {
    return {scope,
            latest.function_name,
            latest.revision_id,
            latest.code_sha256_hex,
            std::move(replaced_code)};
}

/// The $LATEST reference of the mutating operations (Create grammar, facts §3.8).
model::ResolvedRef resolve_latest_param(const Request& request) {
    model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    require_unqualified(ref);
    return ref;
}

/// What GetFunction and GetFunctionConfiguration read: the configuration the reference selects.
struct Selected {
    model::ResolvedRef ref;
    store::FunctionPtr function;
    const FunctionConfig* config;
};

Selected select_configuration(Context& context, const Request& request) {
    model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    store::FunctionPtr function = find_function(context.catalog, ref);
    const FunctionConfig& config = require_version(*function, ref);
    return {std::move(ref), std::move(function), &config};
}

/// AWS: the ARN is qualified exactly when the caller qualified the reference (facts §3.2).
nlohmann::ordered_json configuration_json(const Selected& selected) {
    return model::to_wire(
        selected.ref.scope, *selected.config, {.arn_qualifier = selected.ref.qualifier});
}

// ListFunctions pages. A position is (function name, version rank: $LATEST 0, version n n); the
// marker is the base64 of "<name>:<version>" of the last item returned, so a page boundary
// stays valid when functions are created or deleted in between.
using ListPosition = std::tuple<std::string, std::uint64_t>;

std::string encode_marker(const FunctionConfig& config) {
    return util::base64_encode(fmt::format("{}:{}", config.function_name, config.version));
}

ListPosition decode_marker(const std::string& marker) {
    const std::optional<std::string> text = util::base64_decode(marker);
    const std::size_t colon = text ? text->find(':') : std::string::npos;
    if (colon != std::string::npos) {
        const std::string version = text->substr(colon + 1);
        if (version == "$LATEST") {
            return {text->substr(0, colon), 0};
        }
        if (const auto number = version_number(version)) {
            return {text->substr(0, colon), *number};
        }
    }
    // (verify) AWS's text for a marker it did not issue is not recorded.
    throw errors::invalid_parameter(fmt::format("Invalid marker: {}", marker));
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Response create_function(Context& context, const Request& request) {
    model::CreateFunctionRequest parsed = model::parse_create_function(request.body);
    const model::ResolvedRef ref = model::resolve(parsed.function_ref, request.scope, std::nullopt);
    require_unqualified(ref);
    const auto ensure_absent = [&](const model::Function* existing) {
        if (existing != nullptr) {
            // (verify) LocalStack's text; AWS's is not recorded (facts §2.1).
            throw errors::resource_conflict(fmt::format("Function already exist: {}", ref.name));
        }
    };
    // Checked again inside the mutation; this early check spares storing a duplicate's code.
    ensure_absent(context.catalog.find(ref.scope, ref.name).get());
    const CodePins::PinnedCode code = context.code_pins.put(parsed.zip_file);

    auto function = std::make_shared<model::Function>();
    function->tags = std::move(parsed.tags);
    FunctionConfig& config = function->latest;
    config = std::move(parsed.config);
    config.function_name = ref.name;
    config.version = "$LATEST";
    set_code(config, code.code);
    // AWS: CreateFunction answers Pending with the "Creating" reason, no LastUpdateStatus (§1.3).
    config.state = model::FunctionState::Pending;
    config.state_reason = std::string(kCreatingReason);
    config.state_reason_code = std::string(kCreatingReasonCode);
    config.last_update_status.reset();
    config.last_update_status_reason.reset();
    config.last_update_status_reason_code.reset();
    touch(config);
    // AWS: Publish: true publishes version 1 with the function (facts §3.3).
    const std::optional<std::uint64_t> published =
        parsed.publish ? std::optional(publish_latest(*function, std::nullopt)) : std::nullopt;

    const store::FunctionPtr stored =
        context.catalog.update(ref.scope, ref.name, [&](const model::Function* current) {
            ensure_absent(current);
            return function;
        });
    schedule_transition(context, transition_of(ref.scope, stored->latest, std::nullopt));
    // AWS: with Publish, the version's configuration with the unqualified ARN (facts §2.1).
    return json_response(
        201,
        model::to_wire(
            ref.scope, published ? stored->versions.at(*published) : stored->latest, {}));
}

Response get_function(Context& context, const Request& request) {
    const Selected selected = select_configuration(context, request);
    // Code.Location stands in for AWS's presigned S3 URL: the same server, on the Host the
    // client used, serves the zip (download_function_code).
    const std::string host = request.header("Host").value_or("localhost");
    nlohmann::ordered_json body{
        {"Configuration", configuration_json(selected)},
        {"Code",
         {{"RepositoryType", "S3"},
          {"Location",
           fmt::format("http://{}/_lambdahost/code/{}", host, selected.config->code_sha256_hex)}}}};
    // AWS: Tags only when the function has some (facts §3.9).
    if (!selected.function->tags.empty()) {
        body["Tags"] = selected.function->tags;
    }
    // AWS: Concurrency only when a reservation is set (facts §2.1).
    if (const auto reserved = selected.function->reserved_concurrency) {
        body["Concurrency"] = {{"ReservedConcurrentExecutions", *reserved}};
    }
    return json_response(200, body);
}

Response get_function_configuration(Context& context, const Request& request) {
    return json_response(200, configuration_json(select_configuration(context, request)));
}

Response list_functions(Context& context, const Request& request) {
    std::vector<errors::Violation> violations;
    const std::optional<std::string> function_version = request.query_param("FunctionVersion");
    if (function_version && *function_version != "ALL") {
        violations.push_back(
            {*function_version, "functionVersion", "Member must satisfy enum value set: [ALL]"});
    }
    const std::size_t max_items = parse_max_items(
        request.query_param("MaxItems"), kDefaultListItems, kMaxListItems, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    const std::optional<std::string> marker = request.query_param("Marker");
    const std::optional<ListPosition> after =
        marker ? std::optional(decode_marker(*marker)) : std::nullopt;
    // AWS: FunctionVersion=ALL lists every version with qualified ARNs; the default lists
    // $LATEST with unqualified ARNs (facts §2.1).
    const bool all_versions = function_version.has_value();

    // Every listable configuration in list order (catalog.list is ordered by name; versions
    // follow $LATEST in number order), then one page of it.
    const std::vector<store::FunctionPtr> functions = context.catalog.list(request.scope);
    std::vector<std::pair<std::uint64_t, const FunctionConfig*>> entries;
    for (const store::FunctionPtr& function : functions) {
        entries.emplace_back(0, &function->latest);
        if (all_versions) {
            for (const auto& [number, version] : function->versions) {
                entries.emplace_back(number, &version);
            }
        }
    }
    auto first = entries.begin();
    if (after) {
        first = std::find_if(entries.begin(), entries.end(), [&](const auto& entry) {
            return ListPosition{entry.second->function_name, entry.first} > *after;
        });
    }
    const auto stop = first + static_cast<std::ptrdiff_t>(
                                  std::min<std::size_t>(max_items, entries.end() - first));
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (auto it = first; it != stop; ++it) {
        items.push_back(model::to_wire(
            request.scope,
            *it->second,
            {.arn_qualifier = all_versions ? std::optional(it->second->version) : std::nullopt,
             .list_item = true}));
    }
    nlohmann::ordered_json body{{"Functions", std::move(items)}};
    if (stop != entries.end()) {
        body["NextMarker"] = encode_marker(*(stop - 1)->second);
    }
    return json_response(200, body);
}

Response update_function_code(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_latest_param(request);
    const model::UpdateFunctionCodeRequest parsed = model::parse_update_function_code(request.body);
    const auto apply = [&](FunctionConfig& config) {
        check_updatable(config, ref, parsed.revision_id);
        if (parsed.architecture) {
            config.architecture = *parsed.architecture;
        }
    };
    // Checked again inside the mutation; this early check spares storing code for nothing.
    FunctionConfig preview = find_function(context.catalog, ref)->latest;
    apply(preview);
    // A DryRun validates the package too; its pin deletes it again unless already in use.
    const CodePins::PinnedCode code = context.code_pins.put(parsed.zip_file);
    if (parsed.dry_run) {
        set_code(preview, code.code);
        return json_response(200, model::to_wire(ref.scope, preview, {}));
    }
    std::string replaced_code;
    std::optional<std::uint64_t> published;
    const store::FunctionPtr stored =
        modify_function(context.catalog, ref, [&](model::Function& f) {
            apply(f.latest);
            replaced_code = f.latest.code_sha256_hex;
            set_code(f.latest, code.code);
            begin_update(f.latest);
            if (parsed.publish) {
                published = publish_latest(f, std::nullopt);  // AWS (facts §3.3)
            }
        });
    schedule_transition(context, transition_of(ref.scope, stored->latest, replaced_code));
    if (published) {
        // AWS: the new version's configuration (facts §3.3), with its qualified ARN.
        const FunctionConfig& version = stored->versions.at(*published);
        return json_response(
            200, model::to_wire(ref.scope, version, {.arn_qualifier = version.version}));
    }
    return json_response(200, model::to_wire(ref.scope, stored->latest, {}));
}

Response update_function_configuration(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_latest_param(request);
    const store::FunctionPtr stored =
        modify_function(context.catalog, ref, [&](model::Function& f) {
            // The merge needs the current configuration, so it runs under the catalog lock.
            model::UpdateFunctionConfigurationRequest parsed =
                model::parse_update_function_configuration(request.body, f.latest);
            check_updatable(f.latest, ref, parsed.revision_id);
            f.latest = std::move(parsed.merged);
            begin_update(f.latest);
        });
    schedule_transition(context, transition_of(ref.scope, stored->latest, std::nullopt));
    return json_response(200, model::to_wire(ref.scope, stored->latest, {}));
}

Response delete_function(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    std::optional<std::uint64_t> version;
    if (ref.qualifier) {
        // AWS texts (facts §2.1).
        if (*ref.qualifier == "$LATEST") {
            throw errors::invalid_parameter(
                "$LATEST version cannot be deleted without deleting the function.");
        }
        version = version_number(*ref.qualifier);
        if (!version) {
            throw errors::invalid_parameter("Deletion of aliases is not currently supported.");
        }
    }
    std::vector<std::string> released;
    std::vector<std::string> provisioned;  // qualifiers whose provisioned concurrency goes
    std::vector<std::string> deleted_versions;
    context.catalog.update(
        ref.scope,
        ref.name,
        [&](const model::Function* current) -> std::shared_ptr<model::Function> {
            const model::Function& function = require_function(current, ref);
            if (version) {
                released = {require_version(function, ref).code_sha256_hex};
                deleted_versions = {*ref.qualifier};
                if (function.provisioned_concurrency.contains(*ref.qualifier)) {
                    provisioned = {*ref.qualifier};
                }
                auto next = std::make_shared<model::Function>(function);
                erase_version(*next, *version);
                return next;
            }
            released = {function.latest.code_sha256_hex};
            deleted_versions = {function.latest.version};
            for (const auto& [number, config] : function.versions) {
                released.push_back(config.code_sha256_hex);
                deleted_versions.push_back(config.version);
            }
            for (const auto& [qualifier, config] : function.provisioned_concurrency) {
                provisioned.push_back(qualifier);
            }
            return nullptr;
        });
    release_provisioned(context, ref.scope, ref.name, provisioned);
    for (const std::string& deleted : deleted_versions) {
        retire_spec(context, context.version_specs.take(ref.scope, ref.name, deleted));
    }
    for (const std::string& code : released) {
        context.code_pins.remove_if_unused(code);
    }
    // AWS: 204 although the model says 200 (facts §2.1).
    return empty_response(204);
}

Response download_function_code(Context& context, const Request& request) {
    const std::string& digest = request.path_param("Digest");
    const auto not_found = [] {
        return errors::resource_not_found("The resource you requested does not exist.");
    };
    if (!is_sha256_hex(digest) || !context.code_store.contains(digest)) {
        throw not_found();
    }
    std::ifstream file(context.code_store.zip_path(digest), std::ios::binary);
    if (!file) {
        throw not_found();  // deleted since the check
    }
    Response response;
    response.body.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (file.bad()) {
        throw std::runtime_error(fmt::format("could not read code package {}", digest));
    }
    response.content_type = "application/zip";
    return response;
}

void resume_transitions(Context& context) {
    for (const auto& [scope, function] : context.catalog.all()) {
        if (in_transition(function->latest)) {
            schedule_transition(context, transition_of(scope, function->latest, std::nullopt));
        }
    }
}

}  // namespace lambdahost::api
