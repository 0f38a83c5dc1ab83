// SPDX-License-Identifier: Apache-2.0
// The lambdahost command line (CLI11). `lambdahost serve` runs the server; every flag can also
// be given as the environment variable LAMBDAHOST_<FLAG> (--data-dir -> LAMBDAHOST_DATA_DIR).
// Exit codes: 0 after a clean shutdown, 1 when the server cannot start, 2 for usage errors.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "app/dlq_command.hpp"
#include "app/logging.hpp"
#include "app/logs_command.hpp"
#include "app/server.hpp"
#include "sandbox/init.hpp"

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

/// The AWS SDKs' variables: an endpoint flag left unset falls back to AWS_ENDPOINT_URL_<SERVICE>,
/// and deliveries are signed with the server's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
/// AWS_SESSION_TOKEN when set (dummy "test" credentials otherwise).
void read_aws_environment(lambdahost::async::DeliverySettings& delivery) {
    const auto set_from = [](std::string& value, const char* variable) {
        if (const char* text = std::getenv(variable); text != nullptr && *text != '\0') {
            value = text;
        }
    };
    auto& endpoints = delivery.endpoints;
    for (auto [value, variable] : {std::pair{&endpoints.sqs, "AWS_ENDPOINT_URL_SQS"},
                                   std::pair{&endpoints.sns, "AWS_ENDPOINT_URL_SNS"},
                                   std::pair{&endpoints.events, "AWS_ENDPOINT_URL_EVENTS"}}) {
        if (value->empty()) {
            set_from(*value, variable);
        }
    }
    set_from(delivery.credentials.access_key_id, "AWS_ACCESS_KEY_ID");
    set_from(delivery.credentials.secret_access_key, "AWS_SECRET_ACCESS_KEY");
    set_from(delivery.credentials.session_token, "AWS_SESSION_TOKEN");
}

}  // namespace

int main(int argc, char** argv) {
    // The sandbox init (hidden): exec'd by the server as pid 1 of each environment's namespaces.
    if (argc > 1 && argv[1] == lambdahost::sandbox::kInitCommand) {
        return lambdahost::sandbox::run_sandbox_init(argc, argv);
    }
    CLI::App cli{"lambdahost: a self-hosted, AWS Lambda compatible function runtime server",
                 "lambdahost"};
    cli.set_version_flag("--version", std::string("lambdahost ") + kVersion);
    cli.require_subcommand(1);

    app::Options options;
    // Half the cores: the functions' runtime processes need the other half. An invocation's
    // syscalls are spread over the server and its runtime, and on 2 cores one loop serves 16
    // connections as fast as two, and one connection no slower (docs/performance.md).
    options.io_threads = std::max(1U, std::thread::hardware_concurrency() / 2);
    std::string log_level = "info";
    std::string log_format = "text";
    std::int64_t transition_delay_ms = 0;
    std::int64_t keep_alive_seconds = options.keep_alive.count();
    std::int64_t env_start_timeout_seconds = options.env_start_timeout.count();

    CLI::App* serve = cli.add_subcommand("serve", "Run the server until SIGINT or SIGTERM");
    add_flag(*serve, "host", options.host, "Address to listen on");
    add_flag(*serve, "port", options.port, "Port to listen on (0: any free port)");
    add_flag(*serve, "data-dir", options.data_dir, "Directory of the database and code");
    add_flag(*serve,
             "io-threads",
             options.io_threads,
             "Event loops (threads) serving HTTP and the Runtime API")
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

    add_flag(*serve,
             "isolation",
             options.isolation,
             "namespace|process: how functions are isolated (default: namespace when root)")
        ->check(CLI::IsMember({"namespace", "process"}));

    double retry_base_delay_seconds = 60;
    add_flag(*serve,
             "async-retry-base-delay",
             retry_base_delay_seconds,
             "Seconds before the first retry of a failed Event invoke (the second waits twice as "
             "long)")
        ->check(CLI::Range(0.0, 86400.0));
    add_flag(*serve,
             "async-concurrency",
             options.async_dispatch.max_in_flight,
             "Event invokes running at once")
        ->check(CLI::Range(1U, 100000U));
    add_flag(*serve,
             "sqs-endpoint",
             options.async_delivery.endpoints.sqs,
             "SQS endpoint for destinations and dead-letter queues (else AWS_ENDPOINT_URL_SQS)");
    add_flag(*serve,
             "sns-endpoint",
             options.async_delivery.endpoints.sns,
             "SNS endpoint for destinations and dead-letter queues (else AWS_ENDPOINT_URL_SNS)");
    add_flag(*serve,
             "events-endpoint",
             options.async_delivery.endpoints.events,
             "EventBridge endpoint for destinations (else AWS_ENDPOINT_URL_EVENTS)");

    app::LogsOptions logs_options;
    CLI::App* logs = cli.add_subcommand("logs", "Print a function's logs from the data directory");
    logs->add_option("function", logs_options.function, "Function name or ARN")->required();
    add_flag(*logs, "data-dir", logs_options.data_dir, "Directory of the database and code");
    logs->add_option("--account", logs_options.account, "Account of a plain function name")
        ->capture_default_str();
    logs->add_option("--region", logs_options.region, "Region of a plain function name")
        ->capture_default_str();
    logs->add_flag("-f,--follow", logs_options.follow, "Keep printing what is appended");

    app::DlqOptions dlq_options;
    CLI::App* dlq = cli.add_subcommand(
        "dlq", "List, show, redrive or purge the dead-letter store of Event invokes");
    dlq->add_option("action", dlq_options.action, "list | show | redrive | purge")
        ->required()
        ->check(CLI::IsMember({"list", "show", "redrive", "purge"}));
    dlq->add_option("ids", dlq_options.ids, "Entry Ids (show: one; redrive, purge: or --all)");
    dlq->add_flag("--all", dlq_options.all, "redrive, purge: every entry");
    dlq->add_option("--endpoint",
                    dlq_options.endpoint,
                    "A running server (http://host:port); needed to redrive or purge while it "
                    "runs")
        ->envname("LAMBDAHOST_ENDPOINT");
    add_flag(*dlq, "data-dir", dlq_options.data_dir, "Directory of the database (no --endpoint)");

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
        if (dlq->parsed()) {
            app::run_dlq(dlq_options);
            return 0;
        }
        app::configure_logging(log_level,
                               log_format == "json" ? app::LogFormat::Json : app::LogFormat::Text);
        options.state_transition_delay = std::chrono::milliseconds(transition_delay_ms);
        options.keep_alive = std::chrono::seconds(keep_alive_seconds);
        options.env_start_timeout = std::chrono::seconds(env_start_timeout_seconds);
        options.async_dispatch.retry_base_delay =
            std::chrono::milliseconds(std::llround(retry_base_delay_seconds * 1000));
        read_aws_environment(options.async_delivery);
        app::Server server(options);
        server.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "lambdahost: %s\n", error.what());
        return 1;
    }
    return 0;
}
