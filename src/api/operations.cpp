// SPDX-License-Identifier: Apache-2.0
// The operation table (every operation of botocore's lambda/2015-03-31/service-2.json, the newer
// ones of facts §2.1, and lambdahost's code download route) and dispatch(), the control plane's
// one catch site. Path templates are service-2.json's requestUri verbatim, trailing slashes and
// query discriminators included; a unit test keeps the table in step with the model file.
// The table is immutable; dispatch() is safe from any thread.
#include "api/operations.hpp"

#include <array>
#include <exception>

#include <spdlog/spdlog.h>

#include "api/account.hpp"
#include "api/errors.hpp"
#include "api/functions.hpp"
#include "api/tags.hpp"
#include "model/aws_error.hpp"
#include "model/function_request.hpp"

namespace lambdahost::api {
namespace {

// AWS: sync Invoke payload limit 6 MB (facts §3.5); also the limit of every small JSON request.
constexpr std::size_t kMaxSyncPayloadBytes = 6291456;
// AWS: async payload limit 1 MB since 2025-10 (facts §1.10).
constexpr std::size_t kMaxAsyncPayloadBytes = 1048576;
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
              nullptr},
    Operation{"InvokeAsync",
              "POST",
              "/2014-11-13/functions/{FunctionName}/invoke-async/",
              kMaxAsyncPayloadBytes,
              nullptr},
    Operation{"InvokeWithResponseStream",
              "POST",
              "/2021-11-15/functions/{FunctionName}/response-streaming-invocations",
              kMaxSyncPayloadBytes,
              nullptr},
    Operation{"PublishVersion",
              "POST",
              "/2015-03-31/functions/{FunctionName}/versions",
              kDefault,
              nullptr},
    Operation{"ListVersionsByFunction",
              "GET",
              "/2015-03-31/functions/{FunctionName}/versions",
              kDefault,
              nullptr},
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
    Operation{
        "CreateAlias", "POST", "/2015-03-31/functions/{FunctionName}/aliases", kDefault, nullptr},
    Operation{"GetAlias",
              "GET",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              nullptr},
    Operation{"UpdateAlias",
              "PUT",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              nullptr},
    Operation{"DeleteAlias",
              "DELETE",
              "/2015-03-31/functions/{FunctionName}/aliases/{Name}",
              kDefault,
              nullptr},
    Operation{
        "ListAliases", "GET", "/2015-03-31/functions/{FunctionName}/aliases", kDefault, nullptr},

    // Concurrency and account (facts §2.3).
    Operation{"PutFunctionConcurrency",
              "PUT",
              "/2017-10-31/functions/{FunctionName}/concurrency",
              kDefault,
              nullptr},
    Operation{"GetFunctionConcurrency",
              "GET",
              "/2019-09-30/functions/{FunctionName}/concurrency",
              kDefault,
              nullptr},
    Operation{"DeleteFunctionConcurrency",
              "DELETE",
              "/2017-10-31/functions/{FunctionName}/concurrency",
              kDefault,
              nullptr},
    Operation{"PutProvisionedConcurrencyConfig",
              "PUT",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              nullptr},
    Operation{"GetProvisionedConcurrencyConfig",
              "GET",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              nullptr},
    Operation{"DeleteProvisionedConcurrencyConfig",
              "DELETE",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency",
              kDefault,
              nullptr},
    Operation{"ListProvisionedConcurrencyConfigs",
              "GET",
              "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL",
              kDefault,
              nullptr},
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
              nullptr},
    Operation{"UpdateFunctionEventInvokeConfig",
              "POST",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              nullptr},
    Operation{"GetFunctionEventInvokeConfig",
              "GET",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              nullptr},
    Operation{"DeleteFunctionEventInvokeConfig",
              "DELETE",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config",
              kDefault,
              nullptr},
    Operation{"ListFunctionEventInvokeConfigs",
              "GET",
              "/2019-09-25/functions/{FunctionName}/event-invoke-config/list",
              kDefault,
              nullptr},

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
};

}  // namespace

std::span<const Operation> operations() {
    return kOperations;
}

Response dispatch(const Operation& operation, Context& context, const Request& request) {
    try {
        if (operation.handler == nullptr) {
            throw model::errors::not_implemented(operation.name);
        }
        return operation.handler(context, request);
    } catch (const model::AwsError& error) {
        return render_error(error);
    } catch (const std::exception& error) {
        spdlog::error("{} {} ({}): {}", request.method, request.path, operation.name, error.what());
    } catch (...) {
        spdlog::error(
            "{} {} ({}): unknown exception", request.method, request.path, operation.name);
    }
    return render_error(
        model::errors::service("An internal error occurred. See the lambdahost log."));
}

}  // namespace lambdahost::api
