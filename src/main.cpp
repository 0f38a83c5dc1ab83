// SPDX-License-Identifier: Apache-2.0
// The lambdahost command line (CLI11). `lambdahost serve` runs the server; every flag can also
// be given as the environment variable LAMBDAHOST_<FLAG> (--data-dir -> LAMBDAHOST_DATA_DIR).
// Exit codes: 0 after a clean shutdown, 1 when the server cannot start, 2 for usage errors.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "app/logging.hpp"
#include "app/logs_command.hpp"
#include "app/server.hpp"

namespace {

namespace app = lambdahost::app;

// LAMBDAHOST_VERSION comes from project(VERSION) in CMakeLists.txt.
constexpr const char* kVersion = LAMBDAHOST_VERSION;
constexpr int kUsageError = 2;

/// Adds `--<flag>` to `command`, also read from LAMBDAHOST_<FLAG>.
template <typename T>
CLI::Option* add_flag(CLI::App& command,
                      const std::string& flag,
                      T& value,
                      const std::string& help) {
    std::string env = "LAMBDAHOST_" + flag;
    std::transform(env.begin(), env.end(), env.begin(), [](char c) {
        return c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    return command.add_option("--" + flag, value, help)->envname(env)->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"lambdahost: a self-hosted, AWS Lambda compatible function runtime server",
                 "lambdahost"};
    cli.set_version_flag("--version", std::string("lambdahost ") + kVersion);
    cli.require_subcommand(1);

    app::Options options;
    options.io_threads = std::max(1U, std::thread::hardware_concurrency());
    std::string log_level = "info";
    std::string log_format = "text";
    std::int64_t transition_delay_ms = 0;
    std::int64_t keep_alive_seconds = options.keep_alive.count();
    std::int64_t env_start_timeout_seconds = options.env_start_timeout.count();

    CLI::App* serve = cli.add_subcommand("serve", "Run the server until SIGINT or SIGTERM");
    add_flag(*serve, "host", options.host, "Address to listen on");
    add_flag(*serve, "port", options.port, "Port to listen on (0: any free port)");
    add_flag(*serve, "data-dir", options.data_dir, "Directory of the database and code");
    add_flag(*serve, "io-threads", options.io_threads, "Threads serving HTTP")
        ->check(CLI::Range(1, 1024));
    add_flag(*serve, "blocking-threads", options.blocking_threads, "Threads running handlers")
        ->check(CLI::Range(1, 1024));
    add_flag(*serve, "log-level", log_level, "trace|debug|info|warn|error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    add_flag(*serve, "log-format", log_format, "text|json")->check(CLI::IsMember({"text", "json"}));
    add_flag(*serve,
             "state-transition-delay-ms",
             transition_delay_ms,
             "Minimum time a function stays Pending/InProgress before it turns Active/Successful")
        ->check(CLI::NonNegativeNumber);
    add_flag(*serve,
             "runtimes-dir",
             options.runtimes_dir,
             "Directory of runtimes.json and the shipped runtime clients");
    add_flag(*serve,
             "keep-alive-seconds",
             keep_alive_seconds,
             "How long an idle function environment is kept warm")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{7 * 24 * 3600}));
    add_flag(*serve,
             "env-start-timeout-seconds",
             env_start_timeout_seconds,
             "How long a new environment's runtime may take to ask for its first event")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}));
    add_flag(*serve,
             "account-concurrency",
             options.account_concurrency,
             "Concurrent invocations of all functions together")
        ->check(CLI::Range(1U, 1000000U));

    app::LogsOptions logs_options;
    CLI::App* logs = cli.add_subcommand("logs", "Print a function's logs from the data directory");
    logs->add_option("function", logs_options.function, "Function name or ARN")->required();
    add_flag(*logs, "data-dir", logs_options.data_dir, "Directory of the database and code");
    logs->add_option("--account", logs_options.account, "Account of a plain function name")
        ->capture_default_str();
    logs->add_option("--region", logs_options.region, "Region of a plain function name")
        ->capture_default_str();
    logs->add_flag("-f,--follow", logs_options.follow, "Keep printing what is appended");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::Success& done) {  // --help, --version
        return cli.exit(done);
    } catch (const CLI::ParseError& error) {
        std::cerr << "lambdahost: " << error.what() << "\n\n" << cli.help();
        return kUsageError;
    }

    try {
        if (logs->parsed()) {
            app::print_logs(logs_options);
            return 0;
        }
        app::configure_logging(log_level,
                               log_format == "json" ? app::LogFormat::Json : app::LogFormat::Text);
        options.state_transition_delay = std::chrono::milliseconds(transition_delay_ms);
        options.keep_alive = std::chrono::seconds(keep_alive_seconds);
        options.env_start_timeout = std::chrono::seconds(env_start_timeout_seconds);
        app::Server server(options);
        server.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "lambdahost: %s\n", error.what());
        return 1;
    }
    return 0;
}
