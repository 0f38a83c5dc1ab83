// SPDX-License-Identifier: Apache-2.0
// Handlers of the function family: create, read, list, update (code and configuration), delete,
// and the download of a stored package behind GetFunction's Code.Location. Each is an
// api::Handler: it runs on the blocking pool and throws AwsError for what the client is told.
// Create and the two updates answer at once with State Pending / LastUpdateStatus InProgress and
// finish the transition to Active / Successful later on the Context's Executor (facts §1.3).
#pragma once

#include "api/context.hpp"
#include "api/request.hpp"

namespace lambdahost::api {

Response create_function(Context& context, const Request& request);
Response get_function(Context& context, const Request& request);
Response get_function_configuration(Context& context, const Request& request);
Response list_functions(Context& context, const Request& request);
Response update_function_code(Context& context, const Request& request);
Response update_function_configuration(Context& context, const Request& request);
Response delete_function(Context& context, const Request& request);
/// GET /_lambdahost/code/{Digest}: the stored zip (application/zip), 404 for an unknown or
/// malformed digest. Not an AWS operation: it stands in for the presigned S3 URL of
/// GetFunction's Code.Location.
Response download_function_code(Context& context, const Request& request);

/// Finishes the Pending (create) and InProgress (update) transitions a restart interrupted.
/// Called once at start-up, after the Catalog is loaded; the work runs on the Executor.
void resume_transitions(Context& context);

}  // namespace lambdahost::api
