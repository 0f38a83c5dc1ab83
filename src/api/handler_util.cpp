// SPDX-License-Identifier: Apache-2.0
// Shared handler pieces: see handler_util.hpp.
#include "api/handler_util.hpp"

#include <charconv>
#include <memory>

#include "model/aws_error.hpp"
#include "model/constraints.hpp"

namespace lambdahost::api {

model::ResolvedRef resolve_function_param(const Request& request, model::NameGrammar grammar) {
    return model::resolve_function_ref(request.path_param("FunctionName"),
                                       grammar,
                                       request.scope,
                                       request.query_param("Qualifier"));
}

void require_unqualified(const model::ResolvedRef& ref) {
    if (ref.qualifier && *ref.qualifier != "$LATEST") {
        throw model::errors::invalid_parameter(
            "This operation is permitted on Lambda functions only. Aliases and versions do not "
            "support this operation. Please specify either a function name or an unqualified "
            "function ARN.");
    }
}

std::string reference_arn(const model::ResolvedRef& ref) {
    return ref.qualifier ? model::qualified_function_arn(ref.scope, ref.name, *ref.qualifier)
                         : model::function_arn(ref.scope, ref.name);
}

store::FunctionPtr find_function(const store::Catalog& catalog, const model::ResolvedRef& ref) {
    store::FunctionPtr function = catalog.find(ref.scope, ref.name);
    if (!function) {
        throw model::errors::function_not_found(reference_arn(ref));
    }
    return function;
}

const model::Function& require_function(const model::Function* current,
                                        const model::ResolvedRef& ref) {
    if (current == nullptr) {
        throw model::errors::function_not_found(reference_arn(ref));
    }
    return *current;
}

std::optional<std::uint64_t> version_number(std::string_view qualifier) {
    std::uint64_t number = 0;
    const char* end = qualifier.data() + qualifier.size();
    const auto [stop, error] = std::from_chars(qualifier.data(), end, number);
    if (qualifier.empty() || error != std::errc() || stop != end) {
        return std::nullopt;
    }
    return number;
}

const model::FunctionConfig* find_version(const model::Function& function,
                                          const std::optional<std::string>& qualifier) {
    if (!qualifier || *qualifier == "$LATEST") {
        return &function.latest;
    }
    const std::optional<std::uint64_t> number = version_number(*qualifier);
    if (!number) {
        const model::Alias* alias = find_alias(function, qualifier);
        return alias == nullptr ? nullptr : find_version(function, alias->function_version);
    }
    const auto it = function.versions.find(*number);
    return it == function.versions.end() ? nullptr : &it->second;
}

const model::Alias* find_alias(const model::Function& function,
                               const std::optional<std::string>& qualifier) {
    if (!qualifier) {
        return nullptr;
    }
    const auto it = function.aliases.find(*qualifier);
    return it == function.aliases.end() ? nullptr : &it->second;
}

const model::FunctionConfig& require_version(const model::Function& function,
                                             const model::ResolvedRef& ref) {
    const model::FunctionConfig* config = find_version(function, ref.qualifier);
    if (config == nullptr) {
        throw model::errors::function_not_found(reference_arn(ref));
    }
    return *config;
}

std::size_t parse_max_items(const std::optional<std::string>& text,
                            std::size_t fallback,
                            std::size_t max,
                            std::vector<model::errors::Violation>& violations) {
    if (!text) {
        return fallback;
    }
    namespace c = model::constraints;
    const std::optional<std::uint64_t> value = version_number(*text);
    if (!value || *value < 1) {
        violations.push_back({*text, "maxItems", c::min_value(1)});
    } else if (*value > max) {
        violations.push_back({*text, "maxItems", c::max_value(static_cast<std::int64_t>(max))});
    } else {
        return *value;
    }
    return 0;
}

store::FunctionPtr modify_function(store::Catalog& catalog,
                                   const model::ResolvedRef& ref,
                                   const std::function<void(model::Function&)>& change) {
    return catalog.update(ref.scope, ref.name, [&](const model::Function* current) {
        auto next = std::make_shared<model::Function>(require_function(current, ref));
        change(*next);
        return next;
    });
}

Response json_response(int status, const nlohmann::ordered_json& body) {
    Response response;
    response.status = status;
    response.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return response;
}

Response empty_response(int status) {
    Response response;
    response.status = status;
    return response;
}

}  // namespace lambdahost::api
