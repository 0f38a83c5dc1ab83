// SPDX-License-Identifier: Apache-2.0
// TagResource, UntagResource and ListTags (facts §2.5, §3.9): tags live on the unqualified
// function, TagResource merges, UntagResource ignores unknown keys, at most 50 tags. Tagging does
// not change the RevisionId (facts §1.4 lists what does). Handlers run on the blocking pool.
#include "api/tags.hpp"

#include <map>
#include <string>

#include "api/handler_util.hpp"
#include "model/arn.hpp"
#include "model/aws_error.hpp"
#include "model/function_request.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;

/// The function the {ARN} path parameter names, in the caller's scope.
model::ResolvedRef tagged_function(const Request& request) {
    const model::ResourceArn arn = model::parse_resource_arn(request.path_param("ARN"));
    if (arn.resource_type != "function") {
        // Only functions carry tags here (no event source mappings or code-signing configs yet).
        throw errors::resource_not_found("The resource you requested does not exist.");
    }
    if (arn.qualifier) {
        // AWS text (facts §3.9).
        throw errors::invalid_parameter(
            "Tags on function aliases and versions are not supported. Please specify a function "
            "ARN.");
    }
    model::ResolvedRef ref{arn.scope, arn.name, std::nullopt};
    // Another account's or region's function is simply not there for this caller.
    if (arn.scope != request.scope) {
        throw errors::function_not_found(reference_arn(ref));
    }
    return ref;
}

std::map<std::string, std::string> parse_tags_body(const std::string& body) {
    const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        throw errors::unparsable_body("the request body is not a JSON object");
    }
    const auto tags = json.find("Tags");
    if (tags == json.end() || tags->is_null()) {
        throw errors::validation(
            {{"", "tags", "Member must not be null", errors::ValueForm::Null}});
    }
    if (!tags->is_object()) {
        throw errors::unparsable_body("Tags must be an object of strings");
    }
    std::map<std::string, std::string> result;
    for (const auto& [key, value] : tags->items()) {
        if (!value.is_string()) {
            throw errors::unparsable_body("Tags must be an object of strings");
        }
        result.emplace(key, value.get<std::string>());
    }
    return result;
}

}  // namespace

Response tag_resource(Context& context, const Request& request) {
    const model::ResolvedRef ref = tagged_function(request);
    const std::map<std::string, std::string> tags = parse_tags_body(request.body);
    modify_function(context.catalog, ref, [&](model::Function& function) {
        for (const auto& [key, value] : tags) {
            function.tags[key] = value;
        }
        model::validate_tags(function.tags);
    });
    return empty_response(204);
}

Response untag_resource(Context& context, const Request& request) {
    const model::ResolvedRef ref = tagged_function(request);
    const auto [first, last] = request.query.equal_range("tagKeys");
    if (first == last) {
        throw errors::validation(
            {{"", "tagKeys", "Member must not be null", errors::ValueForm::Null}});
    }
    modify_function(context.catalog, ref, [&](model::Function& function) {
        for (auto it = first; it != last; ++it) {
            function.tags.erase(it->second);
        }
    });
    return empty_response(204);
}

Response list_tags(Context& context, const Request& request) {
    const store::FunctionPtr function = find_function(context.catalog, tagged_function(request));
    return json_response(200, {{"Tags", function->tags}});
}

}  // namespace lambdahost::api
