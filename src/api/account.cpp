// SPDX-License-Identifier: Apache-2.0
// GetAccountSettings (facts §2.3): AWS's default limits, the account concurrency of
// --account-concurrency less reservations, and the caller's scope usage.
#include "api/account.hpp"

#include <cstdint>

#include "api/concurrency.hpp"
#include "api/handler_util.hpp"
#include "model/function_request.hpp"

namespace lambdahost::api {
namespace {

// AWS default account limits (facts §2.3).
constexpr std::int64_t kTotalCodeSize = 80530636800;

}  // namespace

Response get_account_settings(Context& context, const Request& request) {
    const store::Catalog::Usage usage = context.catalog.usage(request.scope);
    nlohmann::ordered_json body{
        {"AccountLimit",
         {{"TotalCodeSize", kTotalCodeSize},
          {"CodeSizeUnzipped", model::kMaxUnzippedCodeBytes},
          {"CodeSizeZipped", model::kMaxZippedCodeBytes},
          {"ConcurrentExecutions", context.settings.account_concurrency},
          {"UnreservedConcurrentExecutions", unreserved_concurrency(context, request.scope)}}},
        {"AccountUsage",
         {{"TotalCodeSize", usage.total_code_size}, {"FunctionCount", usage.function_count}}}};
    return json_response(200, body);
}

}  // namespace lambdahost::api
