// SPDX-License-Identifier: Apache-2.0
// Wiring and lifecycle of a running server (see server.hpp). The members of Impl are declared in
// dependency order, so destruction runs the shutdown order backwards for free: listener, then
// the scheduler (its environments' I/O runs on the io_context), then the blocking pool (its
// queued work may still hold sessions, whose sockets need the io_context), then the io_context,
// and the store last (the Database destructor drains its writer).
#include "app/server.hpp"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/async_invoke.hpp"
#include "api/concurrency.hpp"
#include "api/context.hpp"
#include "api/functions.hpp"
#include "async/service.hpp"
#include "http/server.hpp"
#include "model/function_request.hpp"
#include "sandbox/sandbox.hpp"
#include "scheduler/scheduler.hpp"
#include "store/catalog.hpp"
#include "store/code_store.hpp"
#include "store/database.hpp"
#include "util/io_loops.hpp"

namespace lambdahost::app {
namespace {

namespace asio = boost::asio;

/// How long shutdown waits for in-flight requests before closing their connections.
constexpr auto kDrainTimeout = std::chrono::seconds(10);

/// A background task must not take its pool thread down with it.
void run_task(const std::function<void()>& task) {
    try {
        task();
    } catch (const std::exception& error) {
        spdlog::error("background task failed: {}", error.what());
    }
}

/// api::Executor on an Asio thread pool; delayed tasks wait on steady_timers of the same pool.
class PoolExecutor final : public api::Executor {
public:
    explicit PoolExecutor(unsigned threads) : pool_(threads) {}
    ~PoolExecutor() override { stop(); }
    PoolExecutor(const PoolExecutor&) = delete;
    PoolExecutor& operator=(const PoolExecutor&) = delete;

    void post(std::function<void()> task) override {
        asio::post(pool_, [task = std::move(task)] { run_task(task); });
    }

    void post_after(std::chrono::milliseconds delay, std::function<void()> task) override {
        auto timer = std::make_shared<asio::steady_timer>(pool_, delay);
        timer->async_wait([timer, task = std::move(task)](boost::system::error_code ec) {
            if (!ec) {
                run_task(task);
            }
        });
    }

    /// Lets running tasks finish and drops queued ones and pending timers: whatever they would
    /// have done is recovered at the next start (api::resume_transitions).
    void stop() {
        pool_.stop();
        pool_.join();
    }

private:
    asio::thread_pool pool_;
};

/// "http://<host>:<port>", an IPv6 host in brackets.
std::string endpoint_url(const std::string& host, std::uint16_t port) {
    const std::string url_host = host.find(':') == std::string::npos ? host : "[" + host + "]";
    return "http://" + url_host + ":" + std::to_string(port);
}

/// Decides how functions are confined and says so once (a warning when a limit is not in
/// force). Runs first: namespace isolation needs a still single-threaded process.
std::shared_ptr<const sandbox::Sandbox> make_sandbox(const Options& options) {
    std::optional<sandbox::IsolationMode> isolation;
    if (options.isolation == "namespace") {
        isolation = sandbox::IsolationMode::Namespace;
    } else if (options.isolation == "process") {
        isolation = sandbox::IsolationMode::Process;
    }
    auto made = sandbox::Sandbox::create({isolation, options.data_dir, options.runtimes_dir});
    if (made->status().unenforced.empty()) {
        spdlog::info("{}", made->summary());
    } else {
        spdlog::warn("{}", made->summary());
    }
    return made;
}

/// GET /health: {"status":"ok","sandbox":{"isolation":..,"cgroups":..,"enforced":[..],
/// "unenforced":[..]}}.
std::string health_body(const sandbox::SandboxStatus& status) {
    nlohmann::ordered_json body;
    body["status"] = "ok";
    body["sandbox"] = {{"isolation", sandbox::isolation_name(status.isolation)},
                       {"cgroups", status.cgroups},
                       {"enforced", status.enforced},
                       {"unenforced", status.unenforced}};
    return body.dump();
}

}  // namespace

std::filesystem::path default_runtimes_dir() {
    return LAMBDAHOST_RUNTIMES_DIR;  // defined by CMakeLists.txt
}

struct Server::Impl {
    explicit Impl(Options opts) : options(std::move(opts)), sandboxing(make_sandbox(options)) {
        const std::filesystem::path& dir = options.data_dir;
        try {
            std::filesystem::create_directories(dir / "code");
            database.emplace(dir / "lambdahost.db");
            code_store.emplace(dir / "code", model::kMaxUnzippedCodeBytes);
            catalog.emplace(*database);
            events.emplace(async::Settings{dir, options.async_dispatch, options.async_delivery});
        } catch (const std::exception& error) {
            throw std::runtime_error("cannot use data directory " + dir.string() + ": " +
                                     error.what());
        }
        executor.emplace(options.blocking_threads);
        context.emplace(*catalog,
                        *code_store,
                        *executor,
                        api::Settings{options.state_transition_delay, options.account_concurrency});
        api::resume_transitions(*context);
        http.emplace(
            loops,
            *context,
            http::ServerOptions{options.host, options.port, health_body(sandboxing->status())});
        http->start();
        // Functions reach this server through AWS_ENDPOINT_URL, so it needs the bound port. No
        // request is served before run() starts the io threads, so setting it now is in time.
        scheduler.emplace(loops,
                          lambdahost::scheduler::Settings{options.runtimes_dir,
                                                          dir,
                                                          endpoint_url(options.host, http->port()),
                                                          options.keep_alive,
                                                          options.env_start_timeout,
                                                          options.account_concurrency,
                                                          sandboxing});
        context->scheduler = &*scheduler;
        context->events = &*events;
        events->start(loops.main(), *scheduler, [context = &*context](const async::Event& event) {
            return api::resolve_event(*context, event);
        });
        api::resume_concurrency(*context);
    }

    void run() {
        std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
        for (std::size_t i = 0; i < loops.size(); ++i) {
            work.push_back(asio::make_work_guard(loops.at(i)));
        }
        asio::signal_set signals(loops.main(), SIGINT, SIGTERM);
        signals.async_wait([this](boost::system::error_code ec, int signal_number) {
            if (!ec) {
                spdlog::info("received signal {}, shutting down", signal_number);
                request_stop();
            }
        });

        std::vector<std::thread> io_threads;
        for (std::size_t i = 0; i < loops.size(); ++i) {
            io_threads.emplace_back([this, i] { run_io(loops.at(i)); });
        }
        spdlog::info("serving {} with {} io and {} blocking threads",
                     options.data_dir.string(),
                     loops.size(),
                     options.blocking_threads);
        std::printf("lambdahost listening on %s\n",
                    endpoint_url(options.host, http->port()).c_str());
        std::fflush(stdout);

        {
            std::unique_lock lock(stop_mutex);
            stop_requested_cv.wait(lock, [this] { return stop_requested; });
        }
        http->shutdown();
        if (!http->wait_idle(kDrainTimeout)) {
            spdlog::warn("requests still in flight after {} s; closing their connections",
                         kDrainTimeout.count());
        }
        // Before the scheduler: queued events stay queued (durable) instead of failing with it.
        events->stop();
        // While the io threads still run: invocations cut short are answered, and environments
        // close their Runtime API listeners on their own strands.
        scheduler->shutdown();
        work.clear();
        loops.stop();
        for (auto& thread : io_threads) {
            thread.join();
        }
        executor->stop();
        spdlog::info("stopped");
    }

    void request_stop() {
        std::lock_guard lock(stop_mutex);
        stop_requested = true;
        stop_requested_cv.notify_all();
    }

    /// An exception escaping a completion handler would end this io thread: log it and go on.
    static void run_io(asio::io_context& loop) {
        while (true) {
            try {
                loop.run();
                return;
            } catch (const std::exception& error) {
                spdlog::error("io thread caught: {}", error.what());
            }
        }
    }

    Options options;
    std::shared_ptr<const sandbox::Sandbox> sandboxing;
    std::optional<store::Database> database;
    std::optional<store::CodeStore> code_store;
    std::optional<store::Catalog> catalog;
    util::IoLoops loops{options.io_threads};  // one event loop per io thread
    std::optional<PoolExecutor> executor;
    std::optional<api::Context> context;
    std::optional<lambdahost::scheduler::Scheduler> scheduler;
    std::optional<async::Service> events;  // uses the scheduler and the io_context
    std::optional<http::Server> http;

    std::mutex stop_mutex;
    std::condition_variable stop_requested_cv;
    bool stop_requested = false;
};

Server::Server(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

void Server::run() {
    impl_->run();
}

}  // namespace lambdahost::app
