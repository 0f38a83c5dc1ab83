// SPDX-License-Identifier: Apache-2.0
// Dead-letter admin routes (see dead_letters.hpp).
#include "api/dead_letters.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/handler_util.hpp"
#include "model/aws_error.hpp"

namespace lambdahost::api {
namespace {

async::Service& service(Context& context) {
    if (context.events == nullptr) {
        throw model::errors::service("This server has no event queue.");
    }
    return *context.events;
}

model::AwsError no_such_entry(const std::string& id) {
    return model::errors::resource_not_found(fmt::format("No dead letter with Id {}", id));
}

}  // namespace

Response list_dead_letters(Context& context, const Request& /*request*/) {
    nlohmann::ordered_json entries = nlohmann::ordered_json::array();
    for (const async::DeadLetter& entry : service(context).dead_letters()) {
        entries.push_back(async::describe(entry, false));
    }
    return json_response(200, {{"DeadLetters", std::move(entries)}});
}

Response get_dead_letter(Context& context, const Request& request) {
    const std::string& id = request.path_param("Id");
    const std::optional<async::DeadLetter> entry = service(context).dead_letter(id);
    if (!entry) {
        throw no_such_entry(id);
    }
    return json_response(200, async::describe(*entry, true));
}

Response redrive_dead_letters(Context& context, const Request& /*request*/) {
    return json_response(200, {{"Redriven", service(context).redrive_all()}});
}

Response redrive_dead_letter(Context& context, const Request& request) {
    const std::string& id = request.path_param("Id");
    if (!service(context).redrive(id)) {
        throw no_such_entry(id);
    }
    return json_response(200, {{"Redriven", 1}});
}

Response purge_dead_letters(Context& context, const Request& /*request*/) {
    return json_response(200, {{"Purged", service(context).purge_all()}});
}

Response purge_dead_letter(Context& context, const Request& request) {
    const std::string& id = request.path_param("Id");
    if (!service(context).purge(id)) {
        throw no_such_entry(id);
    }
    return json_response(200, {{"Purged", 1}});
}

}  // namespace lambdahost::api
