// SPDX-License-Identifier: Apache-2.0
// lambdahost's admin routes for the built-in dead-letter store (not part of the Lambda API):
//   GET    /_lambdahost/dlq                list       {"DeadLetters":[...]}
//   GET    /_lambdahost/dlq/{Id}           show       one entry with its Body and Attributes
//   POST   /_lambdahost/dlq/redrive        redrive all {"Redriven":n}
//   POST   /_lambdahost/dlq/{Id}/redrive   redrive one
//   DELETE /_lambdahost/dlq                purge all  {"Purged":n}
//   DELETE /_lambdahost/dlq/{Id}           purge one
// Redrive sends an entry on again (its delivery, or its event into the queue) while the server
// runs, which is why `lambdahost dlq` talks to these routes when a server is up.
// Threading: synchronous handlers (blocking pool): they wait for the async database.
#pragma once

#include "api/context.hpp"
#include "api/request.hpp"

namespace lambdahost::api {

Response list_dead_letters(Context& context, const Request& request);
Response get_dead_letter(Context& context, const Request& request);
Response redrive_dead_letters(Context& context, const Request& request);
Response redrive_dead_letter(Context& context, const Request& request);
Response purge_dead_letters(Context& context, const Request& request);
Response purge_dead_letter(Context& context, const Request& request);

}  // namespace lambdahost::api
