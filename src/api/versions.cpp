// SPDX-License-Identifier: Apache-2.0
// PublishVersion and ListVersionsByFunction (facts §2.1, §3.3). Publishing is checked and
// applied inside one catalog mutation, so two concurrent publishes of an unchanged $LATEST get
// the same version.
#include "api/versions.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/handler_util.hpp"
#include "api/request_body.hpp"
#include "model/aws_error.hpp"
#include "model/constraints.hpp"
#include "model/function_json.hpp"
#include "util/ids.hpp"
#include "util/time.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;
namespace c = model::constraints;

constexpr std::size_t kMaxDescriptionLength = 256;

/// Position of a version in ListVersionsByFunction: $LATEST first, then by number.
std::uint64_t rank(const std::string& version) {
    return version == "$LATEST" ? 0 : version_number(version).value_or(0);
}

/// Whether `alias` sends any invocation to `version`.
bool routes_to(const model::Alias& alias, const std::string& version) {
    return alias.function_version == version || alias.additional_version_weights.contains(version);
}

}  // namespace

std::uint64_t publish_latest(model::Function& function,
                             const std::optional<std::string>& description) {
    const std::uint64_t number = ++function.last_version_number;
    model::FunctionConfig version = function.latest;
    version.version = std::to_string(number);
    if (description) {
        version.description = *description;
    }
    version.revision_id = util::uuid4();
    version.last_modified = util::format_last_modified(std::chrono::system_clock::now());
    function.versions.insert_or_assign(number, std::move(version));
    // AWS: publishing is an observable change of $LATEST too (facts §3.3).
    function.latest.revision_id = util::uuid4();
    function.published_revision_id = function.latest.revision_id;
    return number;
}

void erase_version(model::Function& function, std::uint64_t number) {
    const std::string version = std::to_string(number);
    std::vector<std::string> referencing;
    for (const auto& [name, alias] : function.aliases) {
        if (routes_to(alias, version)) {
            referencing.push_back(name);
        }
    }
    if (!referencing.empty()) {
        // AWS's text as other emulators record it (not in the facts).
        throw errors::resource_conflict(
            fmt::format("Unable to delete version because the following aliases reference it: [{}]",
                        fmt::join(referencing, ", ")));
    }
    function.versions.erase(number);  // numbers are never reused: the counter stays
    function.provisioned_concurrency.erase(version);
}

Response publish_version(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Create);
    require_unqualified(ref);
    const RequestBody body(request.body);
    const std::optional<std::string> code_sha256 = body.string("CodeSha256");
    const std::optional<std::string> description = body.string("Description");
    const std::optional<std::string> revision_id = body.string("RevisionId");
    if (description && c::text_length(*description) > kMaxDescriptionLength) {
        throw errors::validation(
            {{*description, "description", c::max_length(kMaxDescriptionLength)}});
    }

    std::uint64_t number = 0;
    const store::FunctionPtr stored =
        modify_function(context.catalog, ref, [&](model::Function& function) {
            const model::FunctionConfig& latest = function.latest;
            if (latest.state == model::FunctionState::Pending ||
                latest.last_update_status == model::LastUpdateStatus::InProgress) {
                throw errors::update_in_progress(model::function_arn(ref.scope, ref.name));
            }
            if (code_sha256 && *code_sha256 != latest.code_sha256) {
                // AWS text (facts §3.3).
                throw errors::invalid_parameter(fmt::format(
                    "CodeSHA256 ({}) is different from current CodeSHA256 in $LATEST ({}). Please "
                    "try again with the CodeSHA256 in $LATEST.",
                    *code_sha256,
                    latest.code_sha256));
            }
            if (revision_id && *revision_id != latest.revision_id) {
                throw errors::revision_id_mismatch();
            }
            // AWS: nothing changed since the last publish -> that version again, as it was
            // (even with another Description; facts §3.3).
            if (function.published_revision_id == latest.revision_id &&
                function.versions.contains(function.last_version_number)) {
                number = function.last_version_number;
                return;
            }
            number = publish_latest(function, description);
        });
    const model::FunctionConfig& version = stored->versions.at(number);
    return json_response(201,
                         model::to_wire(ref.scope, version, {.arn_qualifier = version.version}));
}

Response list_versions_by_function(Context& context, const Request& request) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    std::vector<errors::Violation> violations;
    const std::size_t max_items = parse_max_items(
        request.query_param("MaxItems"), kDefaultListItems, kMaxListItems, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    if (!function) {
        throw errors::function_not_found(model::function_arn(ref.scope, ref.name));
    }
    // The marker is the last version returned ("$LATEST" or a number).
    std::uint64_t after = 0;
    bool from_start = true;
    if (const auto marker = request.query_param("Marker")) {
        if (*marker != "$LATEST" && !version_number(*marker)) {
            // (verify) AWS's text for a marker it did not issue is not recorded.
            throw errors::invalid_parameter(fmt::format("Invalid marker: {}", *marker));
        }
        after = rank(*marker);
        from_start = false;
    }
    std::vector<const model::FunctionConfig*> configs{&function->latest};
    for (const auto& [number, config] : function->versions) {
        configs.push_back(&config);
    }
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    const model::FunctionConfig* last = nullptr;
    bool more = false;
    for (const model::FunctionConfig* config : configs) {
        if (!from_start && rank(config->version) <= after) {
            continue;
        }
        if (items.size() == max_items) {
            more = true;
            break;
        }
        // AWS: every item carries its qualified ARN, list fields trimmed (facts §2.1).
        items.push_back(model::to_wire(
            ref.scope, *config, {.arn_qualifier = config->version, .list_item = true}));
        last = config;
    }
    nlohmann::ordered_json body{{"Versions", std::move(items)}};
    if (more) {
        body["NextMarker"] = last->version;
    }
    return json_response(200, body);
}

}  // namespace lambdahost::api
