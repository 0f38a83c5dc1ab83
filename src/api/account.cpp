// SPDX-License-Identifier: Apache-2.0
// GetAccountSettings (facts §2.3): AWS's default limits and the caller's scope usage.
#include "api/account.hpp"

#include <cstdint>

#include "api/handler_util.hpp"
#include "model/function_request.hpp"

namespace lambdahost::api {
namespace {

// AWS default account limits (facts §2.3).
constexpr std::int64_t kTotalCodeSize = 80530636800;
// The account concurrency limit; the scheduler's setting replaces it once invokes exist.
constexpr int kConcurrentExecutions = 1000;

}  // namespace

Response get_account_settings(Context& context, const Request& request) {
    const store::Catalog::Usage usage = context.catalog.usage(request.scope);
    nlohmann::ordered_json body{
        {"AccountLimit",
         {{"TotalCodeSize", kTotalCodeSize},
          {"CodeSizeUnzipped", model::kMaxUnzippedCodeBytes},
          {"CodeSizeZipped", model::kMaxZippedCodeBytes},
          {"ConcurrentExecutions", kConcurrentExecutions},
          // No reserved concurrency exists yet, so every execution is unreserved.
          {"UnreservedConcurrentExecutions", kConcurrentExecutions}}},
        {"AccountUsage",
         {{"TotalCodeSize", usage.total_code_size}, {"FunctionCount", usage.function_count}}}};
    return json_response(200, body);
}

}  // namespace lambdahost::api
