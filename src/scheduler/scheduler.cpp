// SPDX-License-Identifier: Apache-2.0
// The execution engine. A Pool holds the environments of one (scope, function, version,
// revision). An Environment is a Runtime API listener, the runtime process (sandbox::Process)
// and the async watches on its pidfd and output pipe; it lives on one event loop (its home,
// util::IoLoops) and all its state is touched only there:
//
//   Stopped --start(job)--> Starting --first GET /next--> Busy --response/error--> Busy(no job)
//   Busy(no job) --GET /next--> Idle --run(job)--> Busy       Idle --keep-alive--> Dead
//   Busy(no job) --enqueue(job)--> Busy (job waits for the runtime's next GET /next: a warm
//   runtime re-polls within milliseconds, far sooner than a new one starts)
//   Busy --deadline--> Stopped (runtime killed, TMPDIR kept; re-initialised by the next start)
//   any --exit, init error, lost connection, eviction, drain--> Dead
//
// Threading: Scheduler::invoke() may run on any thread: it takes a concurrency lease
// (ConcurrencyLimits: one short lock), finds the pool (one mutex, held for a map lookup) and
// reserves an environment under the pool's mutex (its lists of idle, answered and stopped
// environments), preferring one whose home is the calling loop: then the job is handed right
// there, on the calling thread, and the answer comes back on it too — an invocation whose
// client connection and environment share a loop never changes thread. Otherwise the job is
// posted to the environment's home. A new environment's home is the calling loop. The pool's
// mutex is never held while an Environment method runs (they call back into the pool).
// `done` is called on the environment's home loop.
#include "scheduler/scheduler.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <map>
#include <mutex>
#include <source_location>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "logs/logs.hpp"
#include "runtime_api/listener.hpp"
#include "sandbox/process.hpp"
#include "scheduler/launch.hpp"
#include "util/ids.hpp"
#include "util/io_loops.hpp"
#include "util/lazy_deadline.hpp"

namespace lambdahost::scheduler {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Executor = runtime_api::Executor;

constexpr const char* kUnhandled = "Unhandled";
// Spawning mostly waits (for the child's execve), so a few threads start many environments.
constexpr std::size_t kSpawnerThreads = 4;

void invariant(bool condition,
               const char* what,
               std::source_location where = std::source_location::current()) {
    if (!condition) {
        spdlog::critical("invariant broken at {}:{}: {}", where.file_name(), where.line(), what);
        std::abort();
    }
}

double milliseconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point when) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

/// {"errorType": ..., "errorMessage": ...} in AWS's member order for engine-made errors.
std::string error_payload(std::string_view type, std::string_view message) {
    nlohmann::ordered_json json;
    json["errorType"] = type;
    json["errorMessage"] = message;
    return json.dump();
}

/// AWS: "Runtime exited without providing a reason" for a clean exit, else "Runtime exited
/// with error: exit status 127" / "signal: killed" (facts §3.5).
std::string exit_error_payload(std::string_view request_id, int wait_status) {
    const bool clean = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
    const std::string reason =
        clean ? "Runtime exited without providing a reason"
              : "Runtime exited with error: " + sandbox::describe_wait_status(wait_status);
    return error_payload("Runtime.ExitError",
                         fmt::format("RequestId: {} Error: {}", request_id, reason));
}

/// AWS: a runtime the OOM killer ended is reported as Runtime.OutOfMemory, in the wording of
/// an exit ("Runtime exited with error: signal: killed"; facts §3.5).
constexpr const char* kOutOfMemory = "Runtime.OutOfMemory";
std::string out_of_memory_payload(std::string_view request_id, int wait_status) {
    return error_payload(kOutOfMemory,
                         fmt::format("RequestId: {} Error: Runtime exited with error: {}",
                                     request_id,
                                     sandbox::describe_wait_status(wait_status)));
}

struct Job {
    Invocation invocation;
    Scheduler::Done done;
    logs::InvocationLog log;  // this invocation's log: what the LogStore has not got, the tail
    ConcurrencyLimits::Lease lease;
    /// The qualifier whose provisioned environments serve the job first; "" for on-demand.
    std::string provisioned;
};

/// What every pool shares; outlives the Scheduler while handlers still hold environments.
struct Core {
    Core(util::IoLoops& io_loops, Settings s)
        : loops(io_loops),
          settings(std::move(s)),
          log_store(settings.data_dir),
          limits(settings.account_concurrency) {
        try {
            runtimes = RuntimeTable::load(settings.runtimes_dir);
        } catch (const std::exception& e) {
            runtimes_error = e.what();
            spdlog::warn("scheduler: {}; invokes will fail", runtimes_error);
        }
    }

    /// Releases the job's concurrency slot and answers it. Exactly once per admitted job.
    void finish(Job& job, InvocationOutcome outcome) {
        job.lease.release();
        auto done = std::move(job.done);
        done(std::move(outcome));
    }

    util::IoLoops& loops;
    Settings settings;
    std::optional<RuntimeTable> runtimes;
    std::string runtimes_error;
    logs::LogStore log_store;
    ConcurrencyLimits limits;
    /// Prepares sandboxes and spawns runtimes off the io loops. Its threads live until the
    /// Scheduler ends, as Process::spawn requires (PR_SET_PDEATHSIG follows the spawning
    /// thread).
    asio::thread_pool spawner{kSpawnerThreads};
    const std::shared_ptr<const sandbox::Sandbox> sandboxing =
        settings.sandboxing ? settings.sandboxing : sandbox::Sandbox::unconfined(settings.data_dir);
};

class Environment;

/// One provisioned-concurrency allocation of a pool (Scheduler::provision).
struct Provisioning {
    std::string qualifier;
    unsigned count = 0;
    unsigned initialised = 0;
    Scheduler::Provisioned done;  // empty once called
    bool active = true;           // false once replaced, removed or failed
};

class Pool : public std::enable_shared_from_this<Pool> {
public:
    Pool(std::shared_ptr<Core> c,
         std::shared_ptr<const FunctionVersionSpec> s,
         const std::vector<std::string>& cmd)
        : core(std::move(c)),
          spec(std::move(s)),
          command(cmd),
          log_scope{spec->scope.account, spec->scope.region, spec->config.function_name} {}

    /// Any thread: reserves an environment for `job` (an idle one, one about to be idle, a
    /// stopped one, or a new one) and hands the job to it on its home loop.
    void dispatch(Job job);
    /// Any thread. Superseded by a new revision: idle environments go now, busy ones when they
    /// finish.
    void drain();
    /// Any thread. Server shutdown: fail bound jobs, kill and reap every process.
    /// `loops_running`: false once no io thread runs (then it all happens on the caller).
    void shutdown(bool loops_running);
    /// Any thread. Starts `count` provisioned environments for `qualifier`, replacing earlier
    /// ones.
    void provision(const std::string& qualifier, unsigned count, Scheduler::Provisioned done);
    /// Any thread. Stops the provisioned environments of `qualifier`.
    void deprovision(const std::string& qualifier);

    // Called by an environment, on its home loop.
    void on_idle(Environment& env);
    /// Busy, job answered, runtime not yet back on GET /next.
    void on_answered(Environment& env);
    void on_stopped(Environment& env);
    void remove(Environment& env);
    /// A provisioned environment ran its init (its first GET /next came without a job).
    void on_initialised(Environment& env);
    /// The environment took the job it was reserved for: it may be listed again.
    void on_taken(Environment& env);

    const std::shared_ptr<Core> core;
    const std::shared_ptr<const FunctionVersionSpec> spec;
    const std::vector<std::string>& command;  // in core->runtimes, immutable
    const logs::LogScope log_scope;

private:
    /// What to do, once the mutex is released, to the environments chosen under it.
    struct Followup {
        std::vector<std::shared_ptr<Environment>> discard;
        std::vector<std::shared_ptr<Environment>> start;  // provisioned, without a job
        Scheduler::Provisioned done;
        bool ready = false;  // done's argument
        void run();
    };

    /// Takes, LIFO, an environment serving `provisioning` (nullptr: an on-demand one) out of
    /// `list`, preferring one whose home is `here`; reserves it. nullptr if there is none.
    std::shared_ptr<Environment> take_locked(std::vector<Environment*>& list,
                                             const Provisioning* provisioning,
                                             const asio::io_context* here);
    /// Lists `env` in `list` (idle_ or stopped_) unless it is reserved; discards it when the
    /// pool drains or its provisioning was retired.
    void list_or_discard(Environment& env, std::vector<Environment*>& list);
    /// A new environment on `home`: reserved for a job, or provisioned (started without one).
    std::shared_ptr<Environment> add_locked(asio::io_context& home,
                                            std::shared_ptr<Provisioning> provisioning = nullptr);
    void start_provisioned_locked(const std::shared_ptr<Provisioning>& provisioning,
                                  Followup& followup);
    void deprovision_locked(const std::string& qualifier, Followup& followup);
    /// A provisioned environment failed its init: the allocation fails as a whole.
    void fail_provisioning_locked(const std::shared_ptr<Provisioning>& provisioning,
                                  Followup& followup);

    std::mutex mutex_;  // guards everything below, and Environment::reserved_
    std::vector<std::shared_ptr<Environment>> envs_;
    std::vector<Environment*> idle_;      // LIFO: the most recently used stays warm
    std::vector<Environment*> answered_;  // about to be idle: a job may wait for one
    std::vector<Environment*> stopped_;   // timed out: restartable with their TMPDIR
    bool draining_ = false;
    std::map<std::string, std::shared_ptr<Provisioning>> provisions_;  // active, by qualifier
};

/// Runs `action(env)` on `env`'s home loop: right here when the caller is on it (`inline_ok`),
/// else posted there.
template <typename Action>
void on_home(const std::shared_ptr<Environment>& env, Action action, bool inline_ok = false);

class Environment final : public runtime_api::Handler,
                          public std::enable_shared_from_this<Environment> {
public:
    enum class State { Stopped, Starting, Idle, Busy, Dead };

    Environment(std::shared_ptr<Pool> pool,
                asio::io_context& home,
                std::shared_ptr<Provisioning> provisioning)
        : pool_(std::move(pool)),
          home_(home.get_executor()),
          provisioning_(std::move(provisioning)),
          id_(util::uuid4()),
          log_stream_(
              logs::log_stream_name(std::chrono::system_clock::now(), pool_->spec->config.version)),
          deadline_(home_),
          keep_alive_(home_),
          pid_watch_(home_),
          output_(home_) {}

    /// The event loop this environment lives on.
    Executor home() const { return home_; }

    State state() const { return state_; }
    /// Null for on-demand environments.
    const std::shared_ptr<Provisioning>& provisioning() const { return provisioning_; }
    /// The runtime has asked for an event at least once.
    bool initialised() const { return initialised_; }

    /// The job this environment was reserved for (Pool::dispatch), on the home loop. It is
    /// run, enqueued or starts the environment, by the state the environment is in now; an
    /// environment that went away meanwhile passes it back to the pool.
    void take(Job job) {
        pool_->on_taken(*this);
        if (state_ == State::Idle) {
            run(std::move(job));
        } else if (state_ == State::Stopped) {
            start(std::move(job));
        } else if (state_ == State::Busy && !job_) {
            enqueue(std::move(job));
        } else {
            pool_->dispatch(std::move(job));
        }
    }

    /// Stopped -> Starting: spawns the runtime (re-initialising after a timeout) with `job`
    /// bound; the job is handed once the runtime first asks for it. Without a job (provisioned
    /// concurrency) the environment turns Idle once its init is done.
    void start(std::optional<Job> job) {
        invariant(state_ == State::Stopped, "start() on a stopped environment");
        invariant(!job_, "a stopped environment holds no job");
        reset_process();
        job_ = std::move(job);
        const auto& core = *pool_->core;
        try {
            listener_.emplace(home_, *this);
        } catch (const std::exception& e) {
            fail_start(e.what());
            return;
        }
        init_duration_ms_.reset();
        state_ = State::Starting;
        arm_deadline(core.settings.start_timeout);
        // Preparing the sandbox and spawning block for milliseconds (mkdir, cgroup writes, a
        // vfork until execve): done on the spawner so this loop keeps serving its connections
        // and many cold starts proceed at once. The sandbox travels with the task and comes
        // back in on_spawned; the listener accepts only from then on, so no runtime callback
        // comes before it.
        asio::post(pool_->core->spawner,
                   [self = shared_from_this(),
                    sandbox = std::move(sandbox_),
                    port = listener_->port()]() mutable {
                       Spawned spawned = self->spawn(std::move(sandbox), port);
                       asio::post(self->home_, [self, spawned = std::move(spawned)]() mutable {
                           self->on_spawned(std::move(spawned));
                       });
                   });
    }

    /// Idle -> Busy: hands `job` to the parked runtime.
    void run(Job job) {
        invariant(state_ == State::Idle, "run() on an idle environment");
        invariant(!job_, "an idle environment holds no job");
        job_ = std::move(job);
        state_ = State::Busy;
        hand();
    }

    /// Busy without a job (the runtime answered, its next GET /next is on the way): `job`
    /// waits for it, at most the start timeout.
    void enqueue(Job job) {
        invariant(state_ == State::Busy && !job_, "enqueue() on an answered environment");
        job_ = std::move(job);
        arm_deadline(pool_->core->settings.start_timeout);
    }

    /// -> Dead: kills the runtime's process group and leaves the pool. A bound job is failed.
    /// `wait`: reap now (shutdown) instead of when the pidfd reports the exit.
    void discard(bool wait = false) {
        if (state_ == State::Dead) {
            return;
        }
        const auto self = shared_from_this();
        state_ = State::Dead;
        if (job_) {
            fail(model::errors::service("The execution environment was stopped"));
        }
        deadline_.cancel();
        keep_alive_.cancel();
        listener_.reset();
        if (process_) {
            process_->kill_group();
        }
        if (sandbox_) {
            sandbox_->kill_all();  // also what left the process group
        }
        if (wait || !process_ || exit_status_) {
            reset_process();
            release_sandbox();
        }  // else the exit watch reaps it, then releases the sandbox
        pool_->remove(*this);
    }

    // runtime_api::Handler

    void on_next() override {
        if (state_ == State::Starting) {
            // Init Duration: spawn to the first GET /next (facts §3.5).
            init_duration_ms_ = milliseconds_between(spawned_at_, Clock::now());
            end_init_boost();
            deadline_.disarm();
            initialised_ = true;
            if (!job_) {
                // Provisioned: initialised ahead of any invocation, so no REPORT shows an
                // Init Duration (facts §3.6).
                init_duration_ms_.reset();
                state_ = State::Idle;
                idle_since_ = Clock::now();
                pool_->on_initialised(*this);
                pool_->on_idle(*this);
                return;
            }
            state_ = State::Busy;
            hand();
        } else if (state_ == State::Busy && job_ && !started_at_) {
            deadline_.disarm();  // the enqueued job's wait is over
            hand();
        } else if (state_ == State::Busy && !job_) {
            state_ = State::Idle;
            idle_since_ = Clock::now();
            arm_keep_alive();
            pool_->on_idle(*this);
        }
        // Otherwise a runtime polling again without answering: it stays parked.
    }

    void on_parked_lost() override {
        if (state_ == State::Idle) {
            discard();
        }
    }

    void on_delivered(std::string_view request_id) override {
        if (!is_handing(request_id)) {
            return;  // a verdict on an invocation that has already ended
        }
        handing_ = false;
        if (exit_status_) {
            complete_exited(*exit_status_);
            discard();
        }
    }

    void on_undelivered(runtime_api::Event event) override {
        if (!is_handing(event.request_id)) {
            return;
        }
        handing_ = false;
        restore(event);
        put_back();
    }

    void on_response(std::string body) override {
        if (job_) {
            complete(std::move(body), std::nullopt);
        }
    }

    void on_error(std::string error_type, std::string body) override {
        if (job_) {
            complete(body.empty() ? error_payload(error_type, "") : std::move(body), kUnhandled);
        }
    }

    void on_response_too_large() override {
        if (job_) {
            complete(error_payload("Function.ResponseSizeTooLarge",
                                   fmt::format("Response payload size exceeded maximum allowed "
                                               "payload size ({} bytes).",
                                               runtime_api::kMaxResponseBytes)),
                     kUnhandled);
        }
    }

    void on_init_error(std::string error_type, std::string body) override {
        // AWS: the pending invoke gets the runtime's init error; the environment is discarded
        // and the next invoke initialises a new one (facts §3.5).
        if (job_) {
            complete(body.empty() ? error_payload(error_type, "") : std::move(body), kUnhandled);
        }
        discard();
    }

private:
    /// What the spawner made of a start.
    struct Spawned {
        std::unique_ptr<sandbox::EnvironmentSandbox> sandbox;
        std::optional<sandbox::Process> process;
        std::uint64_t oom_kills = 0;
        // Init Duration counts from the spawn, not from the sandbox's set-up: it is the init
        // of the runtime and the function, as the name says on AWS.
        Clock::time_point spawned_at;
        std::string prepare_error;  // the sandbox could not be made
        std::string spawn_error;    // the runtime could not be started
    };

    /// On the spawner: makes the sandbox (unless `sandbox` is kept from before a timeout, with
    /// its /tmp) and starts the runtime. Touches only immutable state of this environment.
    Spawned spawn(std::unique_ptr<sandbox::EnvironmentSandbox> sandbox, std::uint16_t port) const {
        const auto& core = *pool_->core;
        const auto& spec = *pool_->spec;
        Spawned spawned;
        try {
            if (!sandbox) {
                sandbox = core.sandboxing->prepare(
                    id_, spec.config.memory_size, spec.config.ephemeral_storage);
            }
        } catch (const std::exception& e) {
            spawned.prepare_error = e.what();
            return spawned;
        }
        spawned.sandbox = std::move(sandbox);
        try {
            const auto& box = *spawned.sandbox;
            const LaunchContext context{box.runtimes_dir(),
                                        core.settings.endpoint_url,
                                        box.tmp_dir(),
                                        port,
                                        log_stream_,
                                        provisioning_ != nullptr,
                                        box.task_root(spec.code_dir)};
            box.boost_cpu(true);  // until the runtime's init is done (on_next)
            spawned.spawned_at = Clock::now();
            spawned.process.emplace(sandbox::Process::spawn(
                make_process_spec(spec, pool_->command, context), box.confinement(spec.code_dir)));
            spawned.oom_kills = box.oom_kills();
        } catch (const std::system_error& e) {
            spawned.spawn_error = e.what();
        }
        return spawned;
    }

    /// Back on the home loop after spawn().
    void on_spawned(Spawned spawned) {
        sandbox_ = std::move(spawned.sandbox);
        if (state_ != State::Starting) {
            // Discarded meanwhile: the process dies with `spawned` (~Process kills and reaps).
            release_sandbox();
            return;
        }
        if (!spawned.prepare_error.empty()) {
            fail_start(spawned.prepare_error);
            return;
        }
        if (!spawned.spawn_error.empty()) {
            // AWS words a missing or unusable entry point as Runtime.InvalidEntrypoint.
            if (job_) {
                complete(error_payload("Runtime.InvalidEntrypoint",
                                       fmt::format("RequestId: {} Error: {}",
                                                   job_->invocation.request_id,
                                                   spawned.spawn_error)),
                         kUnhandled);
            }
            discard();
            return;
        }
        process_.emplace(std::move(*spawned.process));
        spawned_at_ = spawned.spawned_at;
        oom_kills_at_spawn_ = spawned.oom_kills;
        pid_watch_.assign(process_->pidfd());
        watch_exit();
        output_.assign(process_->release_output());
        output_.non_blocking(true);
        watch_output();
        listener_->start();
    }

    /// The environment could not be made: the bound job gets a service error.
    void fail_start(std::string_view why) {
        if (job_) {
            fail(model::errors::service(
                fmt::format("Cannot prepare an execution environment: {}", why)));
        }
        discard();
    }

    /// One deadline per phase, disarmed when the phase ends: the start timeout (Starting), the
    /// wait for an answered runtime's next GET /next (Busy, job not handed) and the
    /// invocation's timeout (Busy, job handed).
    void arm_deadline(std::chrono::milliseconds after) {
        deadline_.arm(Clock::now() + after, [self = shared_from_this()] { self->on_deadline(); });
    }

    void on_deadline() {
        if (state_ == State::Starting) {
            on_start_timeout();
        } else if (state_ == State::Busy && job_) {
            if (started_at_) {
                on_invoke_timeout();
            } else {
                on_repoll_timeout();
            }
        }
    }

    /// Armed once per idle period at most; re-arms itself while the environment keeps being
    /// used, so a warm invoke costs no timer operation.
    void arm_keep_alive() {
        // AWS: provisioned environments are never evicted for idleness (facts §3.6).
        if (keep_alive_armed_ || provisioning_) {
            return;
        }
        keep_alive_armed_ = true;
        keep_alive_.expires_at(idle_since_ + pool_->core->settings.keep_alive);
        keep_alive_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            self->keep_alive_armed_ = false;
            if (ec || (self->state_ != State::Idle && self->state_ != State::Stopped)) {
                return;
            }
            if (Clock::now() - self->idle_since_ >= self->pool_->core->settings.keep_alive) {
                self->discard();
            } else {
                self->arm_keep_alive();
            }
        });
    }

    void watch_exit() {
        pid_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                              [self = shared_from_this()](const boost::system::error_code& ec) {
                                  if (!ec) {
                                      self->on_exit();
                                  }
                              });
    }

    void watch_output() {
        output_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [self = shared_from_this()](const boost::system::error_code& ec) {
                               if (ec) {
                                   return;
                               }
                               self->drain_output();
                               if (self->output_.is_open()) {
                                   self->watch_output();
                               }
                           });
    }

    /// Reads what the runtime has written so far: into the bound job's log, else straight to
    /// the function's log files. Called before a job completes, so output printed before the
    /// runtime answered is in that invocation's log.
    void drain_output() {
        if (!output_.is_open()) {
            return;
        }
        std::array<char, 16384> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
        for (;;) {
            // SAFETY: reads into a local buffer of its size from the non-blocking pipe we own.
            const ssize_t n = ::read(output_.native_handle(), buffer.data(), buffer.size());
            if (n > 0) {
                const std::string_view text(buffer.data(), static_cast<std::size_t>(n));
                if (job_) {
                    job_->log.append(text);
                    if (auto full = job_->log.take_if_full()) {
                        pool_->core->log_store.append(pool_->log_scope, std::move(*full));
                    }
                } else {
                    pool_->core->log_store.append(pool_->log_scope, std::string(text));
                }
                if (static_cast<std::size_t>(n) < buffer.size()) {
                    // A short read emptied the pipe: asking again would only return EAGAIN,
                    // and whatever is written next finds the pipe empty, so the edge-triggered
                    // watch fires for it.
                    return;
                }
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                if (n == 0 || errno != EAGAIN) {
                    boost::system::error_code ignored;
                    output_.close(ignored);
                }
                return;
            }
        }
    }

    void on_exit() {
        const auto status = process_ ? process_->try_reap() : std::nullopt;
        if (!status) {
            watch_exit();  // not ours to reap yet
            return;
        }
        drain_output();
        exit_status_ = *status;
        switch (state_) {
            case State::Stopped:  // killed after a timeout: ready for a re-init
                reset_process();
                return;
            case State::Dead:
                reset_process();
                release_sandbox();
                return;
            case State::Busy:
                if (job_ && !started_at_) {
                    put_back();  // enqueued, never handed
                    return;
                }
                if (job_ && handing_) {
                    // Whether the runtime read the event is known when its connection ends
                    // (the exit closes it): on_delivered (then ExitError) or on_undelivered
                    // (then put back). The deadline bounds the wait.
                    return;
                }
                if (job_) {
                    complete_exited(*status);
                }
                discard();
                return;
            case State::Starting:
                // The job never reached the runtime, but it is the invocation AWS reports the
                // init crash to (facts §3.5: a missing wrapper is "exit status 127").
                if (job_) {
                    complete_exited(*status);
                }
                discard();
                return;
            case State::Idle:
                discard();
                return;
        }
    }

    void on_start_timeout() {
        if (state_ != State::Starting) {
            return;
        }
        if (job_) {
            fail(model::errors::service(fmt::format(
                "The execution environment of function {} timed out during startup: its runtime "
                "did not call GET /2018-06-01/runtime/invocation/next within {} ms",
                pool_->spec->config.function_name,
                pool_->core->settings.start_timeout.count())));
        }
        discard();
    }

    void on_repoll_timeout() {
        if (state_ == State::Busy && job_ && !started_at_) {
            put_back();  // a runtime that answered but never asks again is of no use
        }
    }

    void on_invoke_timeout() {
        if (state_ != State::Busy || !job_) {
            return;
        }
        // AWS: Sandbox.Timedout with the configured timeout (facts §3.5).
        complete(
            error_payload("Sandbox.Timedout",
                          fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds",
                                      job_->invocation.request_id,
                                      static_cast<double>(pool_->spec->config.timeout))),
            kUnhandled);
        // AWS: the runtime is re-initialised on the next invoke while /tmp is kept (facts §3.5).
        state_ = State::Stopped;
        listener_.reset();
        process_->kill_group();
        idle_since_ = Clock::now();
        arm_keep_alive();
        pool_->on_stopped(*this);
    }

    /// Gives the bound job to the runtime parked on GET /next.
    void hand() {
        invariant(state_ == State::Busy && job_, "hand() needs a busy environment with a job");
        auto& invocation = job_->invocation;
        const auto timeout = std::chrono::seconds(pool_->spec->config.timeout);
        runtime_api::Event event{invocation.request_id,
                                 std::move(invocation.payload),
                                 std::move(invocation.invoked_function_arn),
                                 epoch_ms(std::chrono::system_clock::now() + timeout),
                                 std::move(invocation.trace_id),
                                 std::move(invocation.client_context),
                                 std::move(invocation.cognito_identity)};
        if (!listener_->deliver(event)) {
            // The runtime left GET /next (it exited or closed): the job goes elsewhere.
            restore(event);
            put_back();
            return;
        }
        handing_ = true;
        started_at_ = Clock::now();
        job_->log.append(logs::start_line(invocation.request_id, pool_->spec->config.version));
        arm_deadline(timeout);
    }

    bool is_handing(std::string_view request_id) const {
        return handing_ && job_ && job_->invocation.request_id == request_id;
    }

    void restore(runtime_api::Event& event) {
        auto& invocation = job_->invocation;
        invocation.payload = std::move(event.payload);
        invocation.invoked_function_arn = std::move(event.invoked_function_arn);
        invocation.trace_id = std::move(event.trace_id);
        invocation.client_context = std::move(event.client_context);
        invocation.cognito_identity = std::move(event.cognito_identity);
    }

    /// The bound job never reached the runtime: this environment goes, the job is dispatched
    /// again (never swallowed).
    void put_back() {
        Job job = std::move(*job_);
        job_.reset();
        job.log.clear();
        const auto pool = pool_;
        discard();
        pool->dispatch(std::move(job));
    }

    /// Answers the bound job with a result: END and REPORT close its log (facts §3.5). Unless
    /// the caller wants the log's tail, the answer goes first and the log is finished after it
    /// (the runtime's last output drained, the memory peak read): two system calls off the
    /// invocation's latency.
    void complete(std::string payload,
                  std::optional<std::string> function_error,
                  std::optional<std::string> report_error = std::nullopt) {
        invariant(job_.has_value(), "complete() needs a job");
        const double duration_ms =
            started_at_ ? milliseconds_between(*started_at_, Clock::now()) : 0.0;
        started_at_.reset();
        handing_ = false;
        deadline_.disarm();
        const auto& config = pool_->spec->config;
        InvocationResult result{std::move(payload), std::move(function_error), config.version, {}};
        if (state_ == State::Busy) {
            pool_->on_answered(*this);
        }
        Job& job = *job_;  // stays bound until the log is done: output drains into it
        const bool wants_tail = job.invocation.wants_log_tail;
        if (!wants_tail) {
            pool_->core->finish(job, InvocationOutcome{std::move(result), std::nullopt});
        }
        drain_output();
        const auto& id = job.invocation.request_id;
        job.log.append(logs::end_line(id));
        job.log.append(logs::report_line({id,
                                          duration_ms,
                                          config.memory_size,
                                          max_memory_used_mb(),
                                          std::exchange(init_duration_ms_, std::nullopt)},
                                         report_error.value_or("")));
        pool_->core->log_store.append(pool_->log_scope, job.log.take());
        if (wants_tail) {
            result.log = job.log.tail();
            pool_->core->finish(job, InvocationOutcome{std::move(result), std::nullopt});
        }
        job_.reset();
    }

    /// Answers the bound job with an error for the client instead of a result.
    void fail(model::AwsError error) {
        Job job = std::move(*job_);
        job_.reset();
        handing_ = false;
        deadline_.disarm();
        if (std::string rest = job.log.take(); !rest.empty()) {
            pool_->core->log_store.append(pool_->log_scope, std::move(rest));
        }
        pool_->core->finish(job, InvocationOutcome{std::nullopt, std::move(error)});
    }

    /// Forgets the runtime process: stops the watches and reaps it (SIGKILLing what is left).
    void reset_process() {
        boost::system::error_code ignored;
        pid_watch_.cancel(ignored);
        // The pidfd belongs to the Process: release, not close.
        if (pid_watch_.is_open()) {
            pid_watch_.release();
        }
        drain_output();
        output_.close(ignored);
        process_.reset();
        exit_status_.reset();
        handing_ = false;
    }

    /// The function's CPU share applies from here on (the init ran with the quota lifted).
    void end_init_boost() {
        try {
            sandbox_->boost_cpu(false);
        } catch (const std::system_error& e) {
            spdlog::warn("sandbox: {}", e.what());
        }
    }

    /// Removes the environment's cgroup, /tmp and directory (sandbox::EnvironmentSandbox).
    void release_sandbox() { sandbox_.reset(); }

    /// Answers the bound job for a runtime that exited with `status`: Runtime.OutOfMemory when
    /// the environment saw an OOM kill since the spawn, else Runtime.ExitError (facts §3.5).
    void complete_exited(int status) {
        const auto& request_id = job_->invocation.request_id;
        if (sandbox_ && sandbox_->oom_kills() > oom_kills_at_spawn_) {
            complete(out_of_memory_payload(request_id, status), kUnhandled, kOutOfMemory);
        } else {
            complete(exit_error_payload(request_id, status), kUnhandled);
        }
    }

    /// Max Memory Used: the environment's cgroup peak, else the runtime process's VmHWM.
    int max_memory_used_mb() const {
        if (const auto peak = sandbox_ ? sandbox_->max_memory_used_mb() : std::nullopt) {
            return *peak;
        }
        return process_ ? logs::max_memory_used_mb(process_->pid()) : 0;
    }

    friend class Pool;

    const std::shared_ptr<Pool> pool_;
    const Executor home_;
    const std::shared_ptr<Provisioning> provisioning_;  // null: on-demand
    bool reserved_ = false;  // guarded by the pool's mutex: chosen for a job not yet taken
    bool initialised_ = false;
    const std::string id_;
    // Its cgroup and /tmp (<data-dir>/envs/<id>/), kept across re-inits after a timeout.
    std::unique_ptr<sandbox::EnvironmentSandbox> sandbox_;
    std::uint64_t oom_kills_at_spawn_ = 0;
    const std::string log_stream_;
    State state_ = State::Stopped;
    // Invariant: job_ is set in Starting, and in Busy until the runtime answers; never in
    // Idle, Stopped or Dead (checked by start(), run() and hand()).
    std::optional<Job> job_;
    bool handing_ = false;  // deliver() succeeded; no verdict yet on whether the runtime read it
    std::optional<runtime_api::Listener> listener_;
    std::optional<sandbox::Process> process_;
    std::optional<int> exit_status_;
    Clock::time_point spawned_at_;
    std::optional<Clock::time_point> started_at_;  // the bound job was handed
    std::optional<double> init_duration_ms_;       // until the first REPORT of this process
    Clock::time_point idle_since_;
    bool keep_alive_armed_ = false;
    util::LazyDeadline deadline_;  // one per phase (arm_deadline)
    asio::steady_timer keep_alive_;
    asio::posix::stream_descriptor pid_watch_;
    asio::posix::stream_descriptor output_;
};

template <typename Action>
void on_home(const std::shared_ptr<Environment>& env, Action action, bool inline_ok) {
    if (inline_ok && env->home().running_in_this_thread()) {
        action(*env);
        return;
    }
    asio::post(env->home(), [env, action = std::move(action)]() mutable { action(*env); });
}

void Pool::Followup::run() {
    for (const auto& env : discard) {
        on_home(env, [](Environment& e) { e.discard(); });
    }
    for (const auto& env : start) {
        on_home(env, [](Environment& e) { e.start(std::nullopt); });
    }
    if (done) {
        done(ready);
    }
}

void Pool::dispatch(Job job) {
    asio::io_context* here = core->loops.current();
    std::shared_ptr<Environment> env;
    {
        std::lock_guard lock(mutex_);
        // AWS: a provisioned lease is served by its qualifier's environments first (facts
        // §3.6); should none be there (one is being replaced), the job runs on an on-demand one.
        const Provisioning* provisioning = nullptr;
        if (const auto it = provisions_.find(job.provisioned); it != provisions_.end()) {
            provisioning = it->second.get();
        }
        const std::array<const Provisioning*, 2> kinds{provisioning, nullptr};
        for (std::size_t i = provisioning != nullptr ? 0 : 1; i < kinds.size() && !env; ++i) {
            for (auto* list : {&idle_, &answered_, &stopped_}) {
                if ((env = take_locked(*list, kinds[i], here))) {
                    break;
                }
            }
        }
        if (!env) {
            // One invocation per environment: no idle one means a new one (bounded by the
            // concurrency lease already taken in invoke()).
            env = add_locked(here != nullptr ? *here : core->loops.next());
        }
    }
    on_home(
        env,
        [job = std::move(job)](Environment& e) mutable { e.take(std::move(job)); },
        /*inline_ok=*/true);
}

std::shared_ptr<Environment> Pool::take_locked(std::vector<Environment*>& list,
                                               const Provisioning* provisioning,
                                               const asio::io_context* here) {
    auto chosen = list.rend();
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
        if ((*it)->provisioning().get() != provisioning) {
            continue;
        }
        if (chosen == list.rend()) {
            chosen = it;
        }
        if (here == nullptr || &(*it)->home().context() == here) {
            chosen = it;
            break;
        }
    }
    if (chosen == list.rend()) {
        return nullptr;
    }
    Environment* env = *chosen;
    list.erase(std::next(chosen).base());
    env->reserved_ = true;
    return env->shared_from_this();
}

std::shared_ptr<Environment> Pool::add_locked(asio::io_context& home,
                                              std::shared_ptr<Provisioning> provisioning) {
    const bool for_job = provisioning == nullptr;
    auto env = std::make_shared<Environment>(shared_from_this(), home, std::move(provisioning));
    env->reserved_ = for_job;
    envs_.push_back(env);
    return env;
}

/// A provisioned environment whose provisioning was replaced or removed. Pool mutex held.
bool retired(const Environment& env) {
    return env.provisioning() && !env.provisioning()->active;
}

void Pool::on_taken(Environment& env) {
    std::lock_guard lock(mutex_);
    env.reserved_ = false;
}

void Pool::on_idle(Environment& env) {
    list_or_discard(env, idle_);
}

void Pool::on_answered(Environment& env) {
    std::lock_guard lock(mutex_);
    if (!env.reserved_) {
        answered_.push_back(&env);
    }
}

void Pool::on_stopped(Environment& env) {
    list_or_discard(env, stopped_);
}

void Pool::list_or_discard(Environment& env, std::vector<Environment*>& list) {
    {
        std::lock_guard lock(mutex_);
        std::erase(answered_, &env);
        if (!draining_ && !retired(env)) {
            if (!env.reserved_) {  // reserved: already chosen for a job, not free
                list.push_back(&env);
            }
            return;
        }
    }
    env.discard();
}

void Pool::on_initialised(Environment& env) {
    Scheduler::Provisioned done;
    {
        std::lock_guard lock(mutex_);
        Provisioning& provisioning = *env.provisioning();
        if (provisioning.active && ++provisioning.initialised == provisioning.count) {
            done = std::exchange(provisioning.done, nullptr);
        }
    }
    if (done) {
        done(true);
    }
}

void Pool::start_provisioned_locked(const std::shared_ptr<Provisioning>& provisioning,
                                    Followup& followup) {
    // Spread over the loops: provisioned environments serve whichever connection comes.
    followup.start.push_back(add_locked(core->loops.next(), provisioning));
}

void Pool::provision(const std::string& qualifier, unsigned count, Scheduler::Provisioned done) {
    Followup followup;
    {
        std::lock_guard lock(mutex_);
        deprovision_locked(qualifier, followup);
        if (!draining_) {
            auto provisioning =
                std::make_shared<Provisioning>(Provisioning{qualifier, count, 0, std::move(done)});
            provisions_[qualifier] = provisioning;
            for (unsigned i = 0; i < count; ++i) {
                start_provisioned_locked(provisioning, followup);
            }
        }
    }
    followup.run();
}

void Pool::deprovision(const std::string& qualifier) {
    Followup followup;
    {
        std::lock_guard lock(mutex_);
        deprovision_locked(qualifier, followup);
    }
    followup.run();
}

void Pool::deprovision_locked(const std::string& qualifier, Followup& followup) {
    const auto it = provisions_.find(qualifier);
    if (it == provisions_.end()) {
        return;
    }
    const auto provisioning = it->second;
    provisions_.erase(it);
    provisioning->active = false;
    provisioning->done = nullptr;
    // Listed ones go now; busy and reserved ones follow when their invocation ends (on_idle,
    // on_stopped see them retired).
    for (auto* list : {&idle_, &stopped_}) {
        std::erase_if(*list, [&](Environment* env) {
            if (env->provisioning() != provisioning) {
                return false;
            }
            followup.discard.push_back(env->shared_from_this());
            return true;
        });
    }
}

void Pool::fail_provisioning_locked(const std::shared_ptr<Provisioning>& provisioning,
                                    Followup& followup) {
    provisioning->active = false;
    if (const auto it = provisions_.find(provisioning->qualifier);
        it != provisions_.end() && it->second == provisioning) {
        provisions_.erase(it);
    }
    followup.done = std::exchange(provisioning->done, nullptr);
    followup.ready = false;
    for (const auto& env : envs_) {
        if (env->provisioning() == provisioning) {
            followup.discard.push_back(env);
        }
    }
}

void Pool::remove(Environment& env) {
    Followup followup;
    {
        std::lock_guard lock(mutex_);
        std::erase(idle_, &env);
        std::erase(answered_, &env);
        std::erase(stopped_, &env);
        std::erase_if(envs_, [&](const auto& e) { return e.get() == &env; });
        const std::shared_ptr<Provisioning>& provisioning = env.provisioning();
        if (provisioning && provisioning->active && !draining_) {
            if (!env.initialised()) {
                // AWS: an init that fails fails the allocation: FAILED (facts §3.6). A
                // replacement failing after READY just leaves one environment fewer.
                if (provisioning->done) {
                    fail_provisioning_locked(provisioning, followup);
                }
            } else {
                start_provisioned_locked(provisioning, followup);  // keep the allocation whole
            }
        }
    }
    followup.run();
}

void Pool::drain() {
    Followup followup;
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
        for (auto* list : {&idle_, &stopped_}) {
            for (Environment* env : *list) {
                followup.discard.push_back(env->shared_from_this());
            }
            list->clear();
        }
    }
    followup.run();
}

void Pool::shutdown(bool loops_running) {
    std::vector<std::shared_ptr<Environment>> envs;
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
        envs = envs_;
    }
    for (const auto& env : envs) {
        if (loops_running) {
            on_home(env, [](Environment& e) { e.discard(/*wait=*/true); });
        } else {
            env->discard(/*wait=*/true);
        }
    }
}

using PoolKey = std::tuple<std::string, std::string, std::string, std::string>;
/// (account, region, function, qualifier) of a provisioned-concurrency allocation.
using ProvisionKey = PoolKey;

}  // namespace

struct Scheduler::Impl {
    Impl(util::IoLoops& loops, Settings settings)
        : core(std::make_shared<Core>(loops, std::move(settings))),
          child_signals(loops.main(), SIGCHLD) {}

    void watch_children() {
        child_signals.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            // Grandchildren re-parented to us (subreaper); our own children stay with their
            // Process, whose pidfd watch reaps them.
            sandbox::reap_orphans();
            watch_children();
        });
    }

    /// Drains `pool` (superseded or retired); it stays reachable for shutdown. Caller holds
    /// `mutex`.
    void retire_locked(const std::shared_ptr<Pool>& pool) {
        std::erase_if(retired, [](const auto& weak) { return weak.expired(); });
        retired.push_back(pool);
        pool->drain();
    }

    /// The pool of `spec`'s revision. A new revision drains the pool of the previous one.
    std::shared_ptr<Pool> pool_for(const std::shared_ptr<const FunctionVersionSpec>& spec,
                                   std::string& error) {
        const auto& config = spec->config;
        const auto* command = core->runtimes ? core->runtimes->command(config.runtime) : nullptr;
        if (!command) {
            error = core->runtimes ? fmt::format("Runtime {} has no command in {}/runtimes.json",
                                                 config.runtime,
                                                 core->settings.runtimes_dir.string())
                                   : core->runtimes_error;
            return nullptr;
        }
        PoolKey key{spec->scope.account, spec->scope.region, config.function_name, config.version};
        std::lock_guard lock(mutex);
        if (stopped) {
            error = "The server is shutting down";
            return nullptr;
        }
        auto& pool = pools[std::move(key)];
        if (pool && pool->spec->config.revision_id == config.revision_id) {
            return pool;
        }
        if (pool) {
            retire_locked(pool);
        }
        pool = std::make_shared<Pool>(core, spec, *command);
        return pool;
    }

    std::shared_ptr<Core> core;
    asio::signal_set child_signals;
    std::mutex mutex;
    std::map<PoolKey, std::shared_ptr<Pool>> pools;
    std::vector<std::weak_ptr<Pool>> retired;  // superseded, draining: shut down with the rest
    std::map<ProvisionKey, std::weak_ptr<Pool>> provisioned;  // where each allocation lives
    bool stopped = false;
};

Scheduler::Scheduler(util::IoLoops& loops, Settings settings)
    : impl_(std::make_unique<Impl>(loops, std::move(settings))) {
    sandbox::become_subreaper();
    impl_->watch_children();
}

Scheduler::~Scheduler() {
    // Runs once no io thread runs (the app joins them first): pools are touched directly.
    // Pool::shutdown() is idempotent, so pools that shutdown() already reached are no-ops.
    // Spawns still running finish first; what they made is killed with their unrun handlers.
    impl_->core->spawner.join();
    std::vector<std::shared_ptr<Pool>> pools;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopped = true;
        for (const auto& [key, pool] : impl_->pools) {
            pools.push_back(pool);
        }
        for (const auto& retired : impl_->retired) {
            if (auto pool = retired.lock()) {
                pools.push_back(std::move(pool));
            }
        }
        impl_->pools.clear();
    }
    for (const auto& pool : pools) {
        pool->shutdown(/*loops_running=*/false);
    }
    boost::system::error_code ignored;
    impl_->child_signals.cancel(ignored);
    // The core lives on in the loops' unrun handlers until those are destroyed: what the
    // finished invocations logged is on disk when the scheduler is gone, not some time after.
    impl_->core->log_store.flush();
}

void Scheduler::retire(const std::shared_ptr<const FunctionVersionSpec>& spec) {
    const auto& config = spec->config;
    std::lock_guard lock(impl_->mutex);
    const auto it = impl_->pools.find(
        PoolKey{spec->scope.account, spec->scope.region, config.function_name, config.version});
    // Another revision's pool: this one was superseded, and drained, already.
    if (it != impl_->pools.end() && it->second->spec->config.revision_id == config.revision_id) {
        impl_->retire_locked(it->second);
        impl_->pools.erase(it);
    }
}

void Scheduler::shutdown() {
    std::lock_guard lock(impl_->mutex);
    impl_->stopped = true;
    // Pools stay in the map: if the io_context stops before these run, the destructor does it.
    for (const auto& [key, pool] : impl_->pools) {
        pool->shutdown(/*loops_running=*/true);
    }
}

void Scheduler::invoke(std::shared_ptr<const FunctionVersionSpec> spec,
                       Invocation invocation,
                       Done done) {
    auto& core = *impl_->core;
    const auto answer_now = [&](model::AwsError error) {
        asio::post(core.loops.current_or_next(),
                   [done = std::move(done), error = std::move(error)]() mutable {
                       done(InvocationOutcome{std::nullopt, std::move(error)});
                   });
    };
    const std::string_view qualifier =
        invocation.qualifier ? std::string_view(*invocation.qualifier) : std::string_view();
    auto acquired = core.limits.acquire(spec->scope, spec->config.function_name, qualifier);
    if (!acquired.lease) {
        // AWS: "Rate Exceeded." with the Reason of the exhausted limit (facts §3.6).
        answer_now(model::errors::too_many_requests(std::string(acquired.throttle_reason)));
        return;
    }
    std::string provisioned(acquired.lease.kind() == LeaseKind::Provisioned ? qualifier
                                                                            : std::string_view());
    std::string error;
    auto pool = impl_->pool_for(spec, error);
    if (!pool) {
        answer_now(model::errors::service(std::move(error)));
        return;
    }
    pool->dispatch(Job{std::move(invocation),
                       std::move(done),
                       {},
                       std::move(acquired.lease),
                       std::move(provisioned)});
}

ConcurrencyLimits& Scheduler::limits() {
    return impl_->core->limits;
}

void Scheduler::provision(std::shared_ptr<const FunctionVersionSpec> spec,
                          const std::string& qualifier,
                          unsigned count,
                          Provisioned done) {
    std::string error;
    auto pool = impl_->pool_for(spec, error);
    if (!pool) {
        spdlog::warn("cannot provision {}:{}: {}", spec->config.function_name, qualifier, error);
        asio::post(impl_->core->loops.main(), [done = std::move(done)] { done(false); });
        return;
    }
    std::shared_ptr<Pool> previous;
    {
        std::lock_guard lock(impl_->mutex);
        auto& slot = impl_->provisioned[ProvisionKey{
            spec->scope.account, spec->scope.region, spec->config.function_name, qualifier}];
        previous = slot.lock();
        slot = pool;
    }
    if (previous && previous != pool) {  // an alias moved to another version
        previous->deprovision(qualifier);
    }
    pool->provision(qualifier, count, std::move(done));
}

void Scheduler::deprovision(const model::Scope& scope,
                            const std::string& function,
                            const std::string& qualifier) {
    std::shared_ptr<Pool> pool;
    {
        std::lock_guard lock(impl_->mutex);
        const auto it =
            impl_->provisioned.find(ProvisionKey{scope.account, scope.region, function, qualifier});
        if (it == impl_->provisioned.end()) {
            return;
        }
        pool = it->second.lock();
        impl_->provisioned.erase(it);
    }
    if (pool) {
        pool->deprovision(qualifier);
    }
}

}  // namespace lambdahost::scheduler
