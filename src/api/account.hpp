// SPDX-License-Identifier: Apache-2.0
// GetAccountSettings: AWS's default account limits and this scope's usage (facts §2.3).
#pragma once

#include "api/context.hpp"
#include "api/request.hpp"

namespace lambdahost::api {

Response get_account_settings(Context& context, const Request& request);

}  // namespace lambdahost::api
