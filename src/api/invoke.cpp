// SPDX-License-Identifier: Apache-2.0
// Invoke: see invoke.hpp. The order of the checks is AWS's as far as the facts tell (§3.1,
// §3.5): the function reference and the headers are validated first, then the function and
// version must exist (404), then the payload must be JSON (400); DryRun stops there (204); a
// RequestResponse invoke needs an Active function (409) and goes to the scheduler. The request
// body is moved into the invocation and the result payload into the response, never copied.
#include "api/invoke.hpp"

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/aliases.hpp"
#include "api/async_invoke.hpp"
#include "api/errors.hpp"
#include "api/handler_util.hpp"
#include "logs/lines.hpp"
#include "model/aws_error.hpp"
#include "model/constraints.hpp"
#include "model/function_json.hpp"
#include "util/crypto.hpp"
#include "util/hex.hpp"
#include "util/ids.hpp"

namespace lambdahost::api {
namespace {

namespace errors = model::errors;

constexpr std::array<std::string_view, 3> kInvocationTypes{"Event", "RequestResponse", "DryRun"};
constexpr std::array<std::string_view, 2> kLogTypes{"None", "Tail"};

/// Validates JSON in one pass without building a document, keeping the parser's description of
/// the first error. nlohmann's SAX interface: every event is accepted and discarded.
class JsonCheck final : public nlohmann::json_sax<nlohmann::json> {
public:
    bool null() override { return true; }
    bool boolean(bool /*value*/) override { return true; }
    bool number_integer(number_integer_t /*value*/) override { return true; }
    bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
    bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
    bool string(string_t& /*value*/) override { return true; }
    bool binary(binary_t& /*value*/) override { return true; }
    bool start_object(std::size_t /*size*/) override { return true; }
    bool key(string_t& /*value*/) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t /*size*/) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t /*position*/,
                     const std::string& /*last_token*/,
                     const nlohmann::detail::exception& error) override {
        // "[json.exception.parse_error.101] parse error at line 1, column 1: ..." without the
        // bracketed id, which means nothing to a Lambda client.
        const std::string_view what = error.what();
        const std::size_t id_end = what.find("] ");
        error_ = std::string(id_end == std::string_view::npos ? what : what.substr(id_end + 2));
        return false;
    }

    /// nullopt when `text` is one JSON value (any type, surrounding whitespace allowed).
    static std::optional<std::string> error_in(const std::string& text) {
        JsonCheck check;
        nlohmann::json::sax_parse(text, &check);
        return std::move(check.error_);
    }

private:
    std::optional<std::string> error_;
};

/// A header's value checked against its enum; a violation is appended instead.
std::optional<std::string_view> enum_header(const Request& request,
                                            std::string_view header,
                                            std::string_view member,
                                            std::span<const std::string_view> allowed,
                                            std::vector<errors::Violation>& violations) {
    const auto it = request.headers.find(header);
    if (it == request.headers.end()) {
        return std::nullopt;
    }
    for (std::string_view value : allowed) {
        if (it->second == value) {
            return value;
        }
    }
    violations.push_back({it->second, std::string(member), model::constraints::enum_set(allowed)});
    return std::nullopt;
}

InvocationType invocation_type(std::optional<std::string_view> header) {
    if (header == "Event") {
        return InvocationType::Event;
    }
    if (header == "DryRun") {
        return InvocationType::DryRun;
    }
    return InvocationType::RequestResponse;
}

/// The caller's X-Amzn-Trace-Id, or a new X-Ray trace header for the invocation
/// ("Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0", as AWS sets
/// _X_AMZN_TRACE_ID).
std::string trace_id(const Request& request) {
    if (auto header = request.header("X-Amzn-Trace-Id"); header && !header->empty()) {
        return std::move(*header);
    }
    std::array<std::uint8_t, 20> random{};
    util::random_bytes(random);
    const std::span<const std::uint8_t> bytes(random);
    std::string id =
        fmt::format(FMT_COMPILE("Root=1-{:08x}-"), static_cast<std::uint32_t>(std::time(nullptr)));
    util::append_hex(id, bytes.first(12));
    id += ";Parent=";
    util::append_hex(id, bytes.last(8));
    id += ";Sampled=0";
    return id;
}

}  // namespace

// AWS: only an Active function can be invoked (409, facts §3.5). While an update is in
// progress, invokes keep going to the configuration served before it; without one (the version
// was not invoked since the server started) the update's 409 is the honest answer.
VersionSpecPtr runnable_spec(Context& context,
                             const model::Scope& scope,
                             const model::FunctionConfig& config) {
    if (config.state != model::FunctionState::Active) {
        // AWS: LocalStack's text of the two seen (facts §3.5); the other quotes the ARN and the
        // StateReasonCode, and is unverified.
        throw errors::resource_conflict(
            fmt::format("The operation cannot be performed at this time. The function is "
                        "currently in the following state: {}",
                        model::state_name(config.state)));
    }
    switch (config.last_update_status.value_or(model::LastUpdateStatus::Successful)) {
        case model::LastUpdateStatus::Successful:
            return context.version_specs.current(scope, config, context.code_store);
        case model::LastUpdateStatus::InProgress:
            if (VersionSpecPtr previous =
                    context.version_specs.last(scope, config.function_name, config.version)) {
                return previous;
            }
            throw errors::update_in_progress(model::function_arn(scope, config.function_name));
        case model::LastUpdateStatus::Failed:
            break;
    }
    // The failed update's package may be missing and the one it replaced is deleted: there is
    // nothing sound to run until the next successful update.
    throw errors::resource_conflict(fmt::format(
        "The operation cannot be performed at this time. The last update of the function "
        "failed: {}",
        config.last_update_status_reason.value_or("unknown reason")));
}

InvokeOptions parse_invoke_options(const Request& request) {
    std::vector<errors::Violation> violations;
    const auto type = enum_header(
        request, "X-Amz-Invocation-Type", "invocationType", kInvocationTypes, violations);
    const auto log_type = enum_header(request, "X-Amz-Log-Type", "logType", kLogTypes, violations);
    if (!violations.empty()) {
        throw errors::validation(violations);
    }
    InvokeOptions options;
    options.type = invocation_type(type);
    options.tail = log_type == "Tail";
    if (auto context = request.header("X-Amz-Client-Context"); context && !context->empty()) {
        options.client_context = decode_client_context(*context);
    }
    return options;
}

std::string decode_client_context(std::string_view header) {
    std::optional<std::string> decoded = util::base64_decode(header);
    if (decoded) {
        const std::size_t first = decoded->find_first_not_of(" \t\r\n");
        if (first != std::string::npos && (*decoded)[first] == '{' &&
            !JsonCheck::error_in(*decoded)) {
            return std::move(*decoded);
        }
    }
    throw errors::invalid_request_content(
        "Client context must be a valid Base64-encoded JSON object.");
}

void prepare_payload(std::string& body) {
    if (body.empty()) {
        body = "{}";  // AWS: an empty payload reaches the function as {} (facts §3.5)
        return;
    }
    if (std::optional<std::string> error = JsonCheck::error_in(body)) {
        throw errors::unparsable_body("Could not parse payload into json: " + *error);
    }
}

std::string invoke_not_found_arn(const model::ResolvedRef& ref) {
    return model::qualified_function_arn(
        ref.scope, ref.name, ref.qualifier ? std::string_view(*ref.qualifier) : "$LATEST");
}

std::string log_result(std::string_view log) {
    return util::base64_encode(logs::tail(log));
}

Response render_outcome(scheduler::InvocationOutcome&& outcome,
                        bool tail,
                        std::string_view request_id,
                        std::string_view version) {
    Response response;
    if (!outcome.result) {
        response = render_error(outcome.error.value_or(
            errors::service("The invocation ended without a result. See the lambdahost log.")));
        response.headers.emplace_back("x-amzn-RequestId", request_id);
        return response;
    }
    scheduler::InvocationResult& result = *outcome.result;
    response.headers.reserve(4);
    response.headers.emplace_back("x-amzn-RequestId", request_id);
    response.headers.emplace_back("X-Amz-Executed-Version",
                                  result.executed_version.empty()
                                      ? std::string(version)
                                      : std::move(result.executed_version));
    if (result.function_error) {
        response.headers.emplace_back("X-Amz-Function-Error", std::move(*result.function_error));
    }
    if (tail) {
        response.headers.emplace_back("X-Amz-Log-Result", log_result(result.log));
    }
    response.body = std::move(result.payload);
    return response;
}

void invoke(Context& context, Request&& request, Respond respond) {
    const model::ResolvedRef ref = resolve_function_param(request, model::NameGrammar::Namespaced);
    InvokeOptions options = parse_invoke_options(request);

    const store::FunctionPtr function = context.catalog.find(ref.scope, ref.name);
    // An alias picks its version per request, by weight (facts §3.4).
    InvokeTarget target =
        function ? select_invoke_target(*function, ref.qualifier) : InvokeTarget{};
    const model::FunctionConfig* config = target.config;
    if (config == nullptr) {
        throw errors::function_not_found(invoke_not_found_arn(ref));
    }
    prepare_payload(request.body);

    switch (options.type) {
        case InvocationType::DryRun:
            respond(empty_response(204));  // AWS: validates existence only (facts §3.5)
            return;
        case InvocationType::Event:
            // Queued durably; answered 202 once committed (async_invoke.hpp).
            enqueue_event(context,
                          ref,
                          *config,
                          std::move(request.body),
                          std::move(options.client_context),
                          trace_id(request),
                          std::move(respond));
            return;
        case InvocationType::RequestResponse:
            break;
    }

    VersionSpecPtr spec = runnable_spec(context, ref.scope, *config);
    if (context.scheduler == nullptr) {
        throw errors::service("This server runs no functions (no scheduler).");
    }
    scheduler::Invocation invocation{util::uuid4(),
                                     std::move(request.body),
                                     reference_arn(ref),
                                     std::move(options.client_context),
                                     std::nullopt,
                                     trace_id(request),
                                     std::move(target.provisioned_qualifier),
                                     options.tail};
    auto done = [respond = std::move(respond),
                 request_id = invocation.request_id,
                 spec,
                 tail = options.tail](scheduler::InvocationOutcome outcome) {
        respond(render_outcome(std::move(outcome), tail, request_id, spec->config.version));
    };
    context.scheduler->invoke(std::move(spec), std::move(invocation), std::move(done));
}

}  // namespace lambdahost::api
