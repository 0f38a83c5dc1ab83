// SPDX-License-Identifier: Apache-2.0
// runtimes.json loading and the runtime process environment (engine.md, facts §3.10).
#include "scheduler/launch.hpp"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lambdahost::scheduler {
namespace {

constexpr std::string_view kRuntimesDirVar = "${RUNTIMES_DIR}";
constexpr std::string_view kTaskRootVar = "${LAMBDA_TASK_ROOT}";

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

/// LAMBDA_RUNTIME_DIR: the shipped client's folder (python/, nodejs/); the runtimes dir itself
/// for custom runtimes, which bring their own.
std::filesystem::path runtime_dir(const std::filesystem::path& runtimes_dir,
                                  std::string_view runtime) {
    for (std::string_view family : {"python", "nodejs"}) {
        if (runtime.starts_with(family)) {
            return runtimes_dir / family;
        }
    }
    return runtimes_dir;
}

}  // namespace

RuntimeTable RuntimeTable::load(const std::filesystem::path& runtimes_dir) {
    const auto file = runtimes_dir / "runtimes.json";
    std::ifstream in(file);
    if (!in) {
        throw std::runtime_error(fmt::format("cannot read {}", file.string()));
    }
    RuntimeTable table;
    try {
        const auto json = nlohmann::json::parse(in);
        for (const auto& [runtime, entry] : json.items()) {
            auto command = entry.at("command").get<std::vector<std::string>>();
            if (command.empty()) {
                throw std::runtime_error(fmt::format("empty command for {}", runtime));
            }
            table.commands_.emplace(runtime, std::move(command));
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("invalid {}: {}", file.string(), e.what()));
    }
    return table;
}

const std::vector<std::string>* RuntimeTable::command(std::string_view runtime) const {
    const auto it = commands_.find(runtime);
    return it == commands_.end() ? nullptr : &it->second;
}

sandbox::ProcessSpec make_process_spec(const FunctionVersionSpec& spec,
                                       const std::vector<std::string>& command,
                                       const LaunchContext& context) {
    const auto& config = spec.config;
    const std::string task_root =
        (context.task_root.empty() ? spec.code_dir : context.task_root).string();
    const std::string lambda_runtime_dir = runtime_dir(context.runtimes_dir, config.runtime);

    sandbox::ProcessSpec process;
    process.cwd = task_root;
    process.argv = command;
    for (auto& arg : process.argv) {
        replace_all(arg, kRuntimesDirVar, context.runtimes_dir.string());
        replace_all(arg, kTaskRootVar, task_root);
    }

    // A map, so that user variables override the platform's (as on AWS, facts §3.10).
    std::map<std::string, std::string> env{
        {"AWS_LAMBDA_RUNTIME_API", fmt::format("127.0.0.1:{}", context.runtime_api_port)},
        {"_HANDLER", config.handler},
        {"LAMBDA_TASK_ROOT", task_root},
        {"LAMBDA_RUNTIME_DIR", lambda_runtime_dir},
        {"AWS_REGION", spec.scope.region},
        {"AWS_DEFAULT_REGION", spec.scope.region},
        {"AWS_EXECUTION_ENV", "AWS_Lambda_" + config.runtime},
        {"AWS_LAMBDA_FUNCTION_NAME", config.function_name},
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(config.memory_size)},
        {"AWS_LAMBDA_FUNCTION_VERSION", config.version},
        {"AWS_LAMBDA_INITIALIZATION_TYPE",
         context.provisioned ? "provisioned-concurrency" : "on-demand"},
        {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + config.function_name},
        {"AWS_LAMBDA_LOG_STREAM_NAME", context.log_stream_name},
        {"AWS_ACCESS_KEY_ID", "test"},
        {"AWS_SECRET_ACCESS_KEY", "test"},
        {"AWS_SESSION_TOKEN", "test"},
        {"AWS_ENDPOINT_URL", context.endpoint_url},
        {"AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"},
        {"LANG", "en_US.UTF-8"},
        {"TZ", ":UTC"},
        {"PATH", "/usr/local/bin:/usr/bin:/bin"},
        // AWS: /var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:
        // /var/task/lib:/opt/lib (facts §3.10), with our directories in their places.
        {"LD_LIBRARY_PATH",
         fmt::format(
             "/lib64:/usr/lib64:{0}:{0}/lib:{1}:{1}/lib:/opt/lib", lambda_runtime_dir, task_root)},
        {"TMPDIR", context.tmp_dir.string()},
    };
    if (config.logging.log_format == "JSON") {
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
        env["AWS_LAMBDA_LOG_LEVEL"] = config.logging.application_log_level.value_or("INFO");
    }
    if (config.environment) {
        for (const auto& [key, value] : *config.environment) {
            env[key] = value;
        }
    }
    process.env.reserve(env.size());
    for (const auto& [key, value] : env) {
        process.env.push_back(key + "=" + value);
    }
    return process;
}

}  // namespace lambdahost::scheduler
