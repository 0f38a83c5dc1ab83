// SPDX-License-Identifier: Apache-2.0
// The operation table (every operation of botocore's lambda/2015-03-31/service-2.json, the newer
// ones of facts §2.1, and lambdahost's code download route) and dispatch() / dispatch_async(),
// which share the one catch site of every handler. Path templates are service-2.json's
// requestUri verbatim, trailing slashes and query discriminators included; a unit test keeps the
// table in step with the model file.
// The table is immutable; dispatch() and dispatch_async() are safe from any thread.
#include "api/operations.hpp"

#include <array>
#include <atomic>
#include <exception>
#include <memory>

#include <spdlog/spdlog.h>

#include "api/account.hpp"
#include "api/aliases.hpp"
#include "api/async_invoke.hpp"
#include "api/concurrency.hpp"
#include "api/dead_letters.hpp"
#include "api/errors.hpp"
#include "api/event_invoke_config.hpp"
#include "api/functions.hpp"
#include "api/invoke.hpp"
#include "api/tags.hpp"
#include "api/versions.hpp"
#include "model/aws_error.hpp"
#include "model/function_request.hpp"

namespace lambdahost::api {
namespace {

// AWS: sync Invoke payload limit 6 MB (facts §3.5); also the limit of every small JSON request.
constexpr std::size_t kMaxSyncPayloadBytes = 6291456;
// The async payload limit, kMaxAsyncPayloadBytes, is in async_invoke.hpp.
constexpr std::size_t kMaxCodeRequestBytes = model::kMaxCreateFunctionRequestBytes;
constexpr std::size_t kDefault = kMaxSyncPayloadBytes;

constexpr std::array kOperations{
    // Functions and code (facts §2.1).
    Operation{
        "CreateFunction", "POST", "/2015-03-31/functions", kMaxCodeRequestBytes, create_function},
    Operation{"GetFunction", "GET", "/2015-03-31/functions/{FunctionName}", kDefault, get_function},
    Operation{"GetFunctionConfiguration",
              "GET",
              "/2015-03-31/functions/{FunctionName}/configuration",
              kDefault,
              get_function_configuration},
    Operation{"ListFunctions", "GET", "/2015-03-31/functions/", kDefault, list_functions},
    Operation{"UpdateFunctionCode",
              "PUT",
              "/2015-03-31/functions/{FunctionName}/code",
              kMaxCodeRequestBytes,
              update_function_code},
    Operation{"UpdateFunctionConfiguration",
              "PUT",
              "/2015-03-31/functions/{FunctionName}/configuration",
              kDefault,
              update_function_configuration},
    Operation{"DeleteFunction",
              "DELETE",
              "/2015-03-31/functions/{FunctionName}",
              kDefault,
              delete_function},
    Operation{"Invoke",
              "POST",
              "/2015-03-31/functions/{FunctionName}/invocations",
              kMaxSyncPayloadBytes,
              nullptr,
              invoke},
    Operation{"InvokeAsync",
              "POST",
              "/2014-11-13/functions/{FunctionName}/invoke-async/",
              kMaxAsyncPayloadBytes,
              nullptr,
              invoke_async},
    Operation{"InvokeWithResponseStream",
              "POST",
              "/2021-11-15/functions/{FunctionName}/response-streaming-invocations",
              kMaxSyncPayloadBytes,
              nullptr},
    Operation{"PublishVersion",
              "POST",
              "/2015-03-31/functions/{FunctionName}/versions",
              kDefault,
              publish_version},
    Operation{"ListVersionsByFunction",
              "GET",
              "/2015-03-31/functions/{FunctionName}/versions",
              kDefault,
              list_versions_by_function},
    Operation{"GetRuntimeManagementConfig",
              "GET",
              "/2021-07-20/functions/{FunctionName}/runtime-management-config",
              kDefault,
              nullptr},
    Operation{"PutRuntimeManagementConfig",
              "PUT",
              "/2021-07-20/functions/{FunctionName}/runtime-management-config",
              kDefault,
              nullptr},
    Operation{"GetFunctionRecursionConfig",
              "GET",
              "/2024-08-31/functions/{FunctionName}/recursion-config",
              kDefault,
              nullptr},
    Operation{"PutFunctionRecursionConfig",
              "PUT",
              "/2024-08-31/functions/{FunctionName}/recursion-config",
              kDefault,
              nullptr},
    Operation{"GetFunctionScalingConfig",
              "GET",
              "/2025-11-30/functions/{FunctionName}/function-scaling-config",
              kDefault,
              nullptr},
    Operation{"PutFunctionScalingConfig",
              "PUT",
              "/2025-11-30/functions/{FunctionName}/function-scaling-config",
              kDefault,
              nullptr},

    // Aliases (facts §2.2).
    Operation{"CreateAlias",
              "POST",
              "/2015-03-31/functions/{FunctionName}/aliases",
              kDefault,
              create_alias},
    Operation{"GetAlias",
              "GET",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              get_alias},
    Operation{"UpdateAlias",
              "PUT",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              update_alias},
    Operation{"DeleteAlias",
              "DELETE",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              delete_alias},
    Operation{"ListAliases",
              "GET",
              "/2015-03-31/functions/{FunctionName}/aliases",
              kDefault,
              list_aliases},

    // Concurrency and account (facts §2.3).
    Operation{"PutFunctionConcurrency",
              "PUT",
              "/2017-10-31/functions/{FunctionName}/concurrency",
              kDefault,
              put_function_concurrency},
    Operation{"GetFunctionConcurrency",
              "GET",
              "/2019-09-30/functions/{FunctionName}/concurrency",
              kDefault,
              get_function_concurrency},
    Operation{"DeleteFunctionConcurrency",
              "DELETE",
              "/2017-10-31/functions/{FunctionName}/concurrency",
              kDefault,
              delete_function_concurrency},
    Operation{"PutProvisionedConcurrencyConfig",
              "PUT",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              put_provisioned_concurrency_config},
    Operation{"GetProvisionedConcurrencyConfig",
              "GET",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              get_provisioned_concurrency_config},
    Operation{"DeleteProvisionedConcurrencyConfig",
              "DELETE",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              delete_provisioned_concurrency_config},
    Operation{"ListProvisionedConcurrencyConfigs",
              "GET",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL",
              kDefault,
              list_provisioned_concurrency_configs},
    Operation{"GetAccountSettings",
              "GET",
              "/2016-08-19/account-settings/",
              kDefault,
              get_account_settings},

    // Async configuration (facts §2.4).
    Operation{"PutFunctionEventInvokeConfig",
              "PUT",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              put_function_event_invoke_config},
    Operation{"UpdateFunctionEventInvokeConfig",
              "POST",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              update_function_event_invoke_config},
    Operation{"GetFunctionEventInvokeConfig",
              "GET",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              get_function_event_invoke_config},
    Operation{"DeleteFunctionEventInvokeConfig",
              "DELETE",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              delete_function_event_invoke_config},
    Operation{"ListFunctionEventInvokeConfigs",
              "GET",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config/list",
              kDefault,
              list_function_event_invoke_configs},

    // Permissions (facts §2.5).
    Operation{
        "AddPermission", "POST", "/2015-03-31/functions/{FunctionName}/policy", kDefault, nullptr},
    Operation{"GetPolicy", "GET", "/2015-03-31/functions/{FunctionName}/policy", kDefault, nullptr},
    Operation{"RemovePermission",
              "DELETE",
              "/2015-03-31/functions/{FunctionName}/policy/{StatementId}",
              kDefault,
              nullptr},

    // Tags (facts §2.5).
    Operation{"TagResource", "POST", "/2017-03-31/tags/{ARN}", kDefault, tag_resource},
    Operation{"UntagResource", "DELETE", "/2017-03-31/tags/{ARN}", kDefault, untag_resource},
    Operation{"ListTags", "GET", "/2017-03-31/tags/{ARN}", kDefault, list_tags},

    // Function URLs (facts §2.5).
    Operation{"CreateFunctionUrlConfig",
              "POST",
              "/2021-10-31/functions/{FunctionName}/url",
              kDefault,
              nullptr},
    Operation{"GetFunctionUrlConfig",
              "GET",
              "/2021-10-31/functions/{FunctionName}/url",
              kDefault,
              nullptr},
    Operation{"UpdateFunctionUrlConfig",
              "PUT",
              "/2021-10-31/functions/{FunctionName}/url",
              kDefault,
              nullptr},
    Operation{"DeleteFunctionUrlConfig",
              "DELETE",
              "/2021-10-31/functions/{FunctionName}/url",
              kDefault,
              nullptr},
    Operation{"ListFunctionUrlConfigs",
              "GET",
              "/2021-10-31/functions/{FunctionName}/urls",
              kDefault,
              nullptr},

    // Layers (facts §2.5).
    Operation{"PublishLayerVersion",
              "POST",
              "/2018-10-31/layers/{LayerName}/versions",
              kMaxCodeRequestBytes,
              nullptr},
    Operation{"ListLayers", "GET", "/2018-10-31/layers", kDefault, nullptr},
    Operation{
        "GetLayerVersionByArn", "GET", "/2018-10-31/layers?find=LayerVersion", kDefault, nullptr},
    Operation{
        "ListLayerVersions", "GET", "/2018-10-31/layers/{LayerName}/versions", kDefault, nullptr},
    Operation{"GetLayerVersion",
              "GET",
              "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}",
              kDefault,
              nullptr},
    Operation{"DeleteLayerVersion",
              "DELETE",
              "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}",
              kDefault,
              nullptr},
    Operation{"AddLayerVersionPermission",
              "POST",
              "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy",
              kDefault,
              nullptr},
    Operation{"GetLayerVersionPolicy",
              "GET",
              "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy",
              kDefault,
              nullptr},
    Operation{"RemoveLayerVersionPermission",
              "DELETE",
              "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}",
              kDefault,
              nullptr},

    // Code signing (facts §2.5).
    Operation{
        "CreateCodeSigningConfig", "POST", "/2020-04-22/code-signing-configs/", kDefault, nullptr},
    Operation{
        "ListCodeSigningConfigs", "GET", "/2020-04-22/code-signing-configs/", kDefault, nullptr},
    Operation{"GetCodeSigningConfig",
              "GET",
              "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
              kDefault,
              nullptr},
    Operation{"UpdateCodeSigningConfig",
              "PUT",
              "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
              kDefault,
              nullptr},
    Operation{"DeleteCodeSigningConfig",
              "DELETE",
              "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}",
              kDefault,
              nullptr},
    Operation{"ListFunctionsByCodeSigningConfig",
              "GET",
              "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions",
              kDefault,
              nullptr},
    Operation{"PutFunctionCodeSigningConfig",
              "PUT",
              "/2020-06-30/functions/{FunctionName}/code-signing-config",
              kDefault,
              nullptr},
    Operation{"GetFunctionCodeSigningConfig",
              "GET",
              "/2020-06-30/functions/{FunctionName}/code-signing-config",
              kDefault,
              nullptr},
    Operation{"DeleteFunctionCodeSigningConfig",
              "DELETE",
              "/2020-06-30/functions/{FunctionName}/code-signing-config",
              kDefault,
              nullptr},

    // Event source mappings (facts §2.5).
    Operation{"CreateEventSourceMapping",
              "POST",
              "/2015-03-31/event-source-mappings/",
              kDefault,
              nullptr},
    Operation{
        "ListEventSourceMappings", "GET", "/2015-03-31/event-source-mappings/", kDefault, nullptr},
    Operation{"GetEventSourceMapping",
              "GET",
              "/2015-03-31/event-source-mappings/{UUID}",
              kDefault,
              nullptr},
    Operation{"UpdateEventSourceMapping",
              "PUT",
              "/2015-03-31/event-source-mappings/{UUID}",
              kDefault,
              nullptr},
    Operation{"DeleteEventSourceMapping",
              "DELETE",
              "/2015-03-31/event-source-mappings/{UUID}",
              kDefault,
              nullptr},

    // lambdahost's own route: the download behind GetFunction's Code.Location.
    Operation{"DownloadFunctionCode",
              "GET",
              "/_lambdahost/code/{Digest}",
              kDefault,
              download_function_code},
    // lambdahost's own routes: the dead-letter store of asynchronous invocation.
    Operation{"ListDeadLetters", "GET", "/_lambdahost/dlq", kDefault, list_dead_letters},
    Operation{"GetDeadLetter", "GET", "/_lambdahost/dlq/{Id}", kDefault, get_dead_letter},
    Operation{
        "RedriveDeadLetters", "POST", "/_lambdahost/dlq/redrive", kDefault, redrive_dead_letters},
    Operation{"RedriveDeadLetter",
              "POST",
              "/_lambdahost/dlq/{Id}/redrive",
              kDefault,
              redrive_dead_letter},
    Operation{"PurgeDeadLetters", "DELETE", "/_lambdahost/dlq", kDefault, purge_dead_letters},
    Operation{"PurgeDeadLetter", "DELETE", "/_lambdahost/dlq/{Id}", kDefault, purge_dead_letter},
};

}  // namespace

std::span<const Operation> operations() {
    return kOperations;
}

namespace {

/// The one catch site of every handler, synchronous or not: renders the exception in flight.
/// Call only from a catch block.
Response render_current_exception(const Operation& operation,
                                  std::string_view method,
                                  std::string_view path) {
    try {
        throw;
    } catch (const model::AwsError& error) {
        return render_error(error);
    } catch (const std::exception& error) {
        spdlog::error("{} {} ({}): {}", method, path, operation.name, error.what());
    } catch (...) {
        spdlog::error("{} {} ({}): unknown exception", method, path, operation.name);
    }
    return render_error(
        model::errors::service("An internal error occurred. See the lambdahost log."));
}

/// The completion of one asynchronous request: the first response wins, later ones are dropped,
/// and if every copy is dropped unanswered the client still gets a ServiceException.
class RespondOnce {
public:
    RespondOnce(const Operation& operation, Respond respond)
        : operation_(operation), respond_(std::move(respond)) {}
    RespondOnce(const RespondOnce&) = delete;
    RespondOnce& operator=(const RespondOnce&) = delete;

    ~RespondOnce() {
        if (done_.exchange(true)) {
            return;
        }
        spdlog::error("{}: the request was dropped without an answer", operation_.name);
        try {
            respond_(render_error(
                model::errors::service("An internal error occurred. See the lambdahost log.")));
        } catch (const std::exception& error) {
            spdlog::error(
                "{}: could not answer a dropped request: {}", operation_.name, error.what());
        }
    }

    void operator()(Response response) {
        if (!done_.exchange(true)) {
            respond_(std::move(response));
        }
    }

private:
    const Operation& operation_;
    Respond respond_;
    std::atomic<bool> done_{false};
};

}  // namespace

Response dispatch(const Operation& operation, Context& context, const Request& request) {
    try {
        if (operation.handler == nullptr) {
            throw model::errors::not_implemented(operation.name);
        }
        return operation.handler(context, request);
    } catch (...) {
        return render_current_exception(operation, request.method, request.path);
    }
}

void dispatch_async(const Operation& operation,
                    Context& context,
                    Request&& request,
                    Respond respond) {
    auto once = std::make_shared<RespondOnce>(operation, std::move(respond));
    try {
        if (operation.async_handler == nullptr) {
            throw model::errors::not_implemented(operation.name);
        }
        operation.async_handler(context, std::move(request), [once](Response response) {
            (*once)(std::move(response));
        });
    } catch (...) {
        // The request was moved into the handler: log the route instead of the path.
        (*once)(render_current_exception(operation, operation.method, operation.path_template));
    }
}

model::AwsError request_too_large(const Operation& operation) {
    // AWS: Invoke's 413 names the service's internal "InvokeFunction" (facts §3.1).
    const std::string_view name = operation.name == "Invoke" ? "InvokeFunction" : operation.name;
    return model::errors::request_too_large_for(operation.body_limit, name);
}

}  // namespace lambdahost::api
