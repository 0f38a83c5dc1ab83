// SPDX-License-Identifier: Apache-2.0
// Event invokes and the dispatcher's resolver (see async_invoke.hpp).
#include "api/async_invoke.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "api/aliases.hpp"
#include "api/errors.hpp"
#include "api/handler_util.hpp"
#include "api/invoke.hpp"
#include "model/aws_error.hpp"
#include "util/ids.hpp"

namespace lambdahost::api {

namespace errors = model::errors;

void enqueue_event(Context& context,
                   const model::ResolvedRef& ref,
                   const model::FunctionConfig& config,
                   std::string payload,
                   std::optional<std::string> client_context,
                   std::string trace_id,
                   Respond respond) {
    if (payload.size() > kMaxAsyncPayloadBytes) {
        // AWS: the sync 413's wording with the async limit (facts §3.8: exact text unverified).
        throw errors::request_too_large_for(kMaxAsyncPayloadBytes, "InvokeFunction");
    }
    if (config.state != model::FunctionState::Active) {
        runnable_spec(context, ref.scope, config);  // throws Invoke's 409 for this state
    }
    if (context.events == nullptr) {
        throw errors::service("This server runs no functions (no event queue).");
    }
    const async::EpochMs now = async::now_ms();
    async::Event event;
    event.id = util::uuid4();
    event.scope = ref.scope;
    event.function_name = ref.name;
    event.qualifier = ref.qualifier;
    event.invoked_arn = reference_arn(ref);
    event.payload = std::move(payload);
    event.client_context = std::move(client_context);
    event.trace_id = std::move(trace_id);
    event.enqueued_at = now;
    event.due_at = now;
    std::string request_id = event.id;
    context.events->enqueue(
        std::move(event),
        [respond = std::move(respond),
         request_id = std::move(request_id)](std::exception_ptr error) {
            Response response;
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& failure) {
                    spdlog::error(
                        "Event invoke {}: queueing failed: {}", request_id, failure.what());
                }
                response = render_error(
                    errors::service("The event could not be queued. See the lambdahost log."));
            } else {
                response.status = 202;  // AWS: 202 with an empty body (facts §3.5)
            }
            response.headers.emplace_back("x-amzn-RequestId", request_id);
            respond(std::move(response));
        });
}

void invoke_async(Context& context, Request&& request, Respond respond) {
    // AWS: the legacy call answers 202 with the body {"Status":202}; the SDKs read Status
    // from the HTTP status (service-2.json: location statusCode), raw clients from the body.
    request.headers.insert_or_assign("X-Amz-Invocation-Type", "Event");
    request.headers.erase("X-Amz-Log-Type");
    invoke(context, std::move(request), [respond = std::move(respond)](Response response) {
        if (response.status == 202) {
            response.body = R"({"Status":202})";
        }
        respond(std::move(response));
    });
}

async::Target resolve_event(Context& context, const async::Event& event) {
    const std::string qualifier = event.qualifier.value_or("$LATEST");
    const std::string arn =
        model::qualified_function_arn(event.scope, event.function_name, qualifier);
    const store::FunctionPtr function = context.catalog.find(event.scope, event.function_name);
    // An alias picks its version per attempt, by weight (facts §3.4).
    InvokeTarget target =
        function ? select_invoke_target(*function, event.qualifier) : InvokeTarget{};
    if (target.config == nullptr) {
        throw errors::function_not_found(arn);
    }
    async::Target resolved;
    resolved.function_arn = arn;
    resolved.provisioned_qualifier = std::move(target.provisioned_qualifier);
    resolved.dead_letter_arn = target.config->dead_letter_target_arn;
    resolved.zero_reserved_concurrency = function->reserved_concurrency == 0;
    // AWS: the configuration of the qualifier the caller addressed (facts §2.4).
    if (const auto it = function->event_invoke_configs.find(qualifier);
        it != function->event_invoke_configs.end()) {
        const model::EventInvokeConfig& config = it->second;
        if (config.maximum_retry_attempts) {
            resolved.policy.maximum_retry_attempts = *config.maximum_retry_attempts;
        }
        if (config.maximum_event_age_in_seconds) {
            resolved.policy.maximum_event_age =
                std::chrono::seconds(*config.maximum_event_age_in_seconds);
        }
        resolved.on_success = config.on_success;
        resolved.on_failure = config.on_failure;
    }
    try {
        resolved.spec = runnable_spec(context, event.scope, *target.config);
    } catch (const model::AwsError& error) {
        resolved.unavailable = error;  // e.g. an update in progress: try again later
    }
    return resolved;
}

}  // namespace lambdahost::api
