// SPDX-License-Identifier: Apache-2.0
#include "app/logs_command.hpp"

#include <cstdio>

#include "logs/log_follower.hpp"
#include "logs/log_store.hpp"
#include "model/arn.hpp"

namespace lambdahost::app {

void print_logs(const LogsOptions& options) {
    const model::FunctionRef ref =
        model::parse_function_ref(options.function, model::NameGrammar::Namespaced);
    const logs::LogScope scope{
        ref.account.value_or(options.account), ref.region.value_or(options.region), ref.name};
    logs::LogFollower follower(logs::function_log_dir(options.data_dir, scope));
    do {
        const std::string text = follower.read_new();
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    } while (options.follow && follower.wait());
}

}  // namespace lambdahost::app
