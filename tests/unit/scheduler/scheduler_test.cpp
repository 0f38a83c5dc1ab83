// SPDX-License-Identifier: Apache-2.0
// Scheduler: real runtime processes, no OS mocks. Each function is a `provided.al2023` bootstrap
// written as a bash script using curl (the shape of AWS's custom-runtime tutorial) into a temp
// code dir, mapped through a temp runtimes.json. The bootstrap obeys a command in the event
// ({"cmd":"exit3"}, ...) and answers {"pid":..,"count":..,"tmp":..,"marker":..}, so tests see
// which process served them and what it kept. The io_context runs in the test thread, one
// handler at a time, until the awaited completion (bounded). No sleeps in the tests (the runtimes
// may sleep).
#include "scheduler/scheduler.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "support/temp_dir.hpp"
#include "util/ids.hpp"

namespace lambdahost::scheduler {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

constexpr auto kRunLimit = 30s;

// The runtime of most tests: AWS's tutorial bootstrap loop, plus commands taken from the event.
constexpr std::string_view kBootstrap = R"BASH(#!/bin/bash
set -u
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
count=0
while true; do
  headers="$(mktemp)"
  event="$(curl -sS -D "$headers" "$api/invocation/next")" || exit 1
  id="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$headers" | tr -d '[:space:]' | cut -d: -f2)"
  count=$((count + 1))
  echo "handling $id"
  case "$event" in
    *'"sleep"'*) sleep 30 ;;
    *'"nap"'*) sleep 0.5 ;;
    *'"exit0"'*) exit 0 ;;
    *'"exit3"'*) exit 3 ;;
    *'"kill"'*) kill -9 $$ ;;
    *'"mark"'*) echo kept > "$TMPDIR/marker" ;;
    *'"chatty"'*)
      for burst in 1 2 3; do
        head -c 100000 /dev/zero | tr '\0' x; echo; sleep 0.05
      done
      echo "chatty done" ;;
    *'"orphan"'*) ( sleep 0.2 & echo $! > "$TMPDIR/orphan" ) ;;
    *'"headers"'*) cp "$headers" "$TMPDIR/headers" ;;
    *'"env"'*) env > "$TMPDIR/env"; pwd > "$TMPDIR/cwd" ;;
    *'"error"'*)
      curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: MyError' \
        --data-binary '{"errorMessage":"bad","errorType":"MyError"}' "$api/invocation/$id/error"
      continue ;;
    *'"big"'*)
      head -c 7000000 /dev/zero | tr '\0' a > "$TMPDIR/big"
      curl -sS -o "$TMPDIR/big-answer" -w '%{http_code}' -X POST --data-binary @"$TMPDIR/big" \
        "$api/invocation/$id/response" > "$TMPDIR/big-status"
      continue ;;
  esac
  rm -f "$headers"
  marker=no
  [ -f "$TMPDIR/marker" ] && marker=yes
  response="{\"pid\":$$,\"count\":$count,\"tmp\":\"$TMPDIR\",\"marker\":\"$marker\"}"
  curl -sS -o /dev/null -X POST --data-binary "$response" "$api/invocation/$id/response"
  case "$event" in
    # Park on GET /next as the runtime process itself, so that killing $$ drops the connection.
    *'"park-exec"'*) exec curl -sS -o /dev/null "$api/invocation/next" ;;
  esac
done
)BASH";

// glibc 2.36's <sys/pidfd.h> lacks extern "C".
int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string comm_of(pid_t pid) {
    std::string name = read_file(fs::path("/proc") / std::to_string(pid) / "comm");
    while (!name.empty() && name.back() == '\n') {
        name.pop_back();
    }
    return name;
}

class SchedulerTest : public ::testing::Test {
protected:
    SchedulerTest() {
        fs::create_directories(runtimes_dir());
        std::ofstream(runtimes_dir() / "runtimes.json")
            << R"({"provided.al2023": {"command": ["${LAMBDA_TASK_ROOT}/bootstrap"]}})";
    }

    ~SchedulerTest() override {
        scheduler_.reset();
        ::unsetenv("LAMBDAHOST_TEST_LEAK");
    }

    fs::path runtimes_dir() const { return dir_.path() / "runtimes"; }
    fs::path data_dir() const { return dir_.path() / "data"; }

    Settings settings() const {
        Settings s;
        s.runtimes_dir = runtimes_dir();
        s.data_dir = data_dir();
        s.endpoint_url = "http://127.0.0.1:9";
        s.start_timeout = 10s;
        return s;
    }

    Scheduler& scheduler() {
        if (!scheduler_) {
            scheduler_ = std::make_unique<Scheduler>(loops_, settings_);
        }
        return *scheduler_;
    }

    /// A function whose code dir holds `script` as its executable bootstrap.
    std::shared_ptr<FunctionVersionSpec> function(const std::string& name,
                                                  std::string_view script = kBootstrap,
                                                  int timeout = 3,
                                                  const std::string& revision = "r1") {
        const fs::path code = dir_.path() / "code" / (name + "-" + revision);
        fs::create_directories(code);
        {
            std::ofstream out(code / "bootstrap");
            out << script;
        }
        fs::permissions(code / "bootstrap", fs::perms::owner_all, fs::perm_options::add);
        auto spec = std::make_shared<FunctionVersionSpec>();
        spec->config.function_name = name;
        spec->config.runtime = "provided.al2023";
        spec->config.handler = "function.handler";
        spec->config.timeout = timeout;
        spec->config.memory_size = 256;
        spec->config.revision_id = revision;
        spec->config.environment = std::map<std::string, std::string>{{"FOO", "bar"}};
        spec->code_dir = code;
        return spec;
    }

    static Invocation invocation(std::string payload) {
        Invocation inv;
        inv.request_id = util::uuid4();
        inv.payload = std::move(payload);
        inv.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        inv.trace_id = "Root=1-5e1b4151-5ac6c58f5b5dbd7a1b3c9e2d;Parent=1;Sampled=0";
        inv.wants_log_tail = true;  // the tests read the log's tail
        return inv;
    }

    /// Runs the io_context in this thread, one handler at a time, until `done()` or the limit.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = kRunLimit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                return false;
            }
            if (io_.stopped()) {
                io_.restart();
            }
            io_.run_one_for(deadline - now);
        }
        return true;
    }

    /// Starts every invocation at once, then runs until all are answered. Outcomes in order.
    std::vector<InvocationOutcome> invoke_all(const std::shared_ptr<FunctionVersionSpec>& spec,
                                              std::vector<Invocation> invocations) {
        const std::size_t n = invocations.size();
        std::vector<std::optional<InvocationOutcome>> outcomes(n);
        std::size_t answered = 0;
        for (std::size_t i = 0; i < n; ++i) {
            scheduler().invoke(spec, std::move(invocations[i]), [&, i](InvocationOutcome outcome) {
                EXPECT_FALSE(outcomes[i].has_value()) << "done called twice";
                outcomes[i] = std::move(outcome);
                ++answered;
            });
        }
        EXPECT_TRUE(run_until([&] { return answered == n; })) << answered << " of " << n;
        std::vector<InvocationOutcome> result;
        for (auto& outcome : outcomes) {
            result.push_back(outcome.value_or(InvocationOutcome{}));
        }
        return result;
    }

    InvocationOutcome invoke(const std::shared_ptr<FunctionVersionSpec>& spec, Invocation inv) {
        std::vector<Invocation> one;
        one.push_back(std::move(inv));
        return std::move(invoke_all(spec, std::move(one)).front());
    }

    InvocationOutcome invoke(const std::shared_ptr<FunctionVersionSpec>& spec,
                             const std::string& payload) {
        return invoke(spec, invocation(payload));
    }

    /// The result of a successful invoke, as JSON (fails the test otherwise).
    static json answer(const InvocationOutcome& outcome) {
        EXPECT_FALSE(outcome.error.has_value())
            << (outcome.error ? outcome.error->code() + ": " + outcome.error->message() : "");
        EXPECT_TRUE(outcome.result.has_value());
        if (!outcome.result) {
            return {};
        }
        EXPECT_FALSE(outcome.result->function_error.has_value()) << outcome.result->payload;
        return json::parse(outcome.result->payload, nullptr, false);
    }

    /// The error payload of an invoke that ended in a function error.
    static json function_error(const InvocationOutcome& outcome) {
        EXPECT_FALSE(outcome.error.has_value())
            << (outcome.error ? outcome.error->code() + ": " + outcome.error->message() : "");
        EXPECT_TRUE(outcome.result.has_value());
        if (!outcome.result) {
            return {};
        }
        EXPECT_EQ(outcome.result->function_error, std::optional<std::string>("Unhandled"));
        return json::parse(outcome.result->payload, nullptr, false);
    }

    /// Runs the io_context until `pid` has exited (a pidfd watch; no polling).
    bool run_until_exited(pid_t pid) {
        const int fd = pidfd_open(pid);
        if (fd < 0) {
            return errno == ESRCH;  // already gone and reaped
        }
        boost::asio::posix::stream_descriptor watch(io_, fd);
        bool exited = false;
        watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [&](const boost::system::error_code& ec) { exited = !ec; });
        return run_until([&] { return exited; });
    }

    test::TempDir dir_;
    util::IoLoops loops_{1};
    boost::asio::io_context& io_ = loops_.main();
    Settings settings_ = settings();
    std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, RunsAnInvocationAndLogsStartEndReport) {
    auto spec = function("hello");
    auto inv = invocation(R"({"cmd":"plain"})");
    const std::string id = inv.request_id;
    const auto outcome = invoke(spec, std::move(inv));
    const json body = answer(outcome);
    EXPECT_EQ(body["count"], 1);
    ASSERT_TRUE(outcome.result);
    EXPECT_EQ(outcome.result->executed_version, "$LATEST");
    const std::string& log = outcome.result->log;
    const auto start = log.find("START RequestId: " + id + " Version: $LATEST\n");
    const auto output = log.find("handling " + id + "\n");
    const auto end = log.find("END RequestId: " + id + "\n");
    const auto report = log.find("REPORT RequestId: " + id + "\tDuration: ");
    ASSERT_NE(start, std::string::npos) << log;
    ASSERT_NE(output, std::string::npos) << log;
    ASSERT_NE(end, std::string::npos) << log;
    ASSERT_NE(report, std::string::npos) << log;
    EXPECT_LT(start, output);
    EXPECT_LT(output, end);
    EXPECT_LT(end, report);
    EXPECT_THAT(log, HasSubstr("\tMemory Size: 256 MB\tMax Memory Used: "));
    EXPECT_THAT(log, HasSubstr("\tInit Duration: "));  // the cold start's first invoke
    EXPECT_EQ(log.back(), '\n');
}

TEST_F(SchedulerTest, ReusesTheWarmEnvironment) {
    auto spec = function("warm");
    const auto first = invoke(spec, R"({"cmd":"plain"})");
    const auto second = invoke(spec, R"({"cmd":"plain"})");
    EXPECT_EQ(answer(first)["count"], 1);
    EXPECT_EQ(answer(second)["count"], 2);
    EXPECT_EQ(answer(first)["pid"], answer(second)["pid"]);
    ASSERT_TRUE(second.result);
    EXPECT_THAT(second.result->log, Not(HasSubstr("Init Duration")));
    EXPECT_THAT(second.result->log, HasSubstr("START RequestId: "));
}

TEST_F(SchedulerTest, ConcurrentInvokesGetOneEnvironmentEach) {
    auto spec = function("parallel");
    std::vector<Invocation> invocations;
    for (int i = 0; i < 10; ++i) {
        invocations.push_back(invocation(R"({"cmd":"nap"})"));
    }
    const auto outcomes = invoke_all(spec, std::move(invocations));
    std::set<int> pids;
    std::set<std::string> tmp_dirs;
    for (const auto& outcome : outcomes) {
        const json body = answer(outcome);
        if (body.is_object()) {
            pids.insert(body["pid"].get<int>());
            tmp_dirs.insert(body["tmp"].get<std::string>());
            EXPECT_EQ(body["count"], 1);
        }
    }
    EXPECT_EQ(pids.size(), 10u);
    EXPECT_EQ(tmp_dirs.size(), 10u);  // a private TMPDIR per environment
}

TEST_F(SchedulerTest, TimeoutKillsTheRuntimeAndReinitialisesKeepingTmp) {
    auto spec = function("slow", kBootstrap, /*timeout=*/1);
    const json marked = answer(invoke(spec, R"({"cmd":"mark"})"));
    auto inv = invocation(R"({"cmd":"sleep"})");
    const std::string id = inv.request_id;
    const auto started = std::chrono::steady_clock::now();
    const auto timed_out = invoke(spec, std::move(inv));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    const json error = function_error(timed_out);
    EXPECT_EQ(error,
              json::parse(R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: )" + id +
                          R"( Error: Task timed out after 1.00 seconds"})"));
    ASSERT_TRUE(timed_out.result);
    EXPECT_THAT(timed_out.result->log, HasSubstr("END RequestId: " + id));
    EXPECT_THAT(timed_out.result->log, HasSubstr("REPORT RequestId: " + id));

    const auto after = invoke(spec, R"({"cmd":"plain"})");
    const json body = answer(after);
    EXPECT_NE(body["pid"], marked["pid"]);  // a new runtime process
    EXPECT_EQ(body["count"], 1);            // module state is gone
    EXPECT_EQ(body["tmp"], marked["tmp"]);  // the same environment's TMPDIR ...
    EXPECT_EQ(body["marker"], "yes");       // ... with what was written before the timeout
    ASSERT_TRUE(after.result);
    EXPECT_THAT(after.result->log, HasSubstr("Init Duration"));
    // The timed-out runtime (and its `sleep`) is gone.
    const pid_t old_pid = marked["pid"].get<int>();
    EXPECT_TRUE(run_until_exited(old_pid));
}

TEST_F(SchedulerTest, RuntimeExitTexts) {
    auto spec = function("crash");
    const std::map<std::string, std::string> cases = {
        {R"({"cmd":"exit3"})", "Runtime exited with error: exit status 3"},
        {R"({"cmd":"kill"})", "Runtime exited with error: signal: killed"},
        {R"({"cmd":"exit0"})", "Runtime exited without providing a reason"},
    };
    for (const auto& [payload, reason] : cases) {
        auto inv = invocation(payload);
        const std::string id = inv.request_id;
        const json error = function_error(invoke(spec, std::move(inv)));
        EXPECT_EQ(error["errorType"], "Runtime.ExitError") << payload;
        EXPECT_EQ(error["errorMessage"], "RequestId: " + id + " Error: " + reason) << payload;
    }
    // Each crash cost only its own invocation: the function still works.
    EXPECT_EQ(answer(invoke(spec, R"({"cmd":"plain"})"))["count"], 1);
}

TEST_F(SchedulerTest, RuntimeExitDuringInitFailsTheColdInvocation) {
    auto spec = function("missing-wrapper", "#!/bin/bash\nexit 127\n");
    auto inv = invocation("{}");
    const std::string id = inv.request_id;
    const json error = function_error(invoke(spec, std::move(inv)));
    EXPECT_EQ(error["errorType"], "Runtime.ExitError");
    EXPECT_EQ(error["errorMessage"],
              "RequestId: " + id + " Error: Runtime exited with error: exit status 127");
}

TEST_F(SchedulerTest, FunctionErrorPassesTheRuntimeJsonThrough) {
    auto spec = function("failing");
    const auto outcome = invoke(spec, R"({"cmd":"error"})");
    EXPECT_EQ(function_error(outcome),
              json::parse(R"({"errorMessage":"bad","errorType":"MyError"})"));
    // The environment stays warm after a function error.
    EXPECT_EQ(answer(invoke(spec, R"({"cmd":"plain"})"))["count"], 2);
}

TEST_F(SchedulerTest, InitErrorGoesToThePendingInvokeAndDiscardsTheEnvironment) {
    // The runtime reports the init failure and then waits: the engine must not.
    constexpr std::string_view kInitError = R"BASH(#!/bin/bash
echo "init failing in $$"
curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError' \
  --data-binary '{"errorMessage":"Unable to import module","errorType":"Runtime.ImportModuleError","requestId":"","stackTrace":[]}' \
  "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error"
exec sleep 30
)BASH";
    settings_.start_timeout = 20s;
    auto spec = function("broken", kInitError);
    const auto started = std::chrono::steady_clock::now();
    const auto first = invoke(spec, "{}");
    const json expected = json::parse(
        R"({"errorMessage":"Unable to import module","errorType":"Runtime.ImportModuleError","requestId":"","stackTrace":[]})");
    EXPECT_EQ(function_error(first), expected);
    ASSERT_TRUE(first.result);
    EXPECT_THAT(first.result->log, HasSubstr("init failing in "));
    // The next invoke initialises a new environment, which fails the same way.
    const auto second = invoke(spec, "{}");
    EXPECT_EQ(function_error(second), expected);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);  // no start timeout involved
    ASSERT_TRUE(second.result);
    EXPECT_NE(first.result->log, second.result->log);  // another process printed it
}

TEST_F(SchedulerTest, OversizeResponseIsFunctionResponseSizeTooLarge) {
    auto spec = function("big");
    const auto outcome = invoke(spec, R"({"cmd":"big"})");
    EXPECT_EQ(
        function_error(outcome),
        json::parse(
            R"({"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"})"));
    // The function goes on serving.
    const json next = answer(invoke(spec, R"({"cmd":"plain"})"));
    ASSERT_TRUE(next.is_object());
    // The runtime was told too: 413.
    EXPECT_EQ(read_file(fs::path(next["tmp"].get<std::string>()) / "big-status"), "413");
}

TEST_F(SchedulerTest, RuntimeDyingWhileParkedDoesNotLoseTheInvocation) {
    auto spec = function("fragile");
    const json first = answer(invoke(spec, R"({"cmd":"park-exec"})"));
    ASSERT_TRUE(first.is_object());
    const pid_t pid = first["pid"].get<int>();
    // Let the runtime (now curl itself) park on GET /next and the environment see it.
    run_until([&] { return comm_of(pid) == "curl"; }, 10s);
    run_until([] { return false; }, 300ms);
    // The runtime dies while the environment is idle; the invoke comes before the engine has
    // had a chance to notice (the io_context is not running).
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const int fd = pidfd_open(pid);
    ASSERT_GE(fd, 0);
    pollfd item{fd, POLLIN, 0};
    EXPECT_EQ(::poll(&item, 1, 10'000), 1);
    ::close(fd);

    const auto outcome = invoke(spec, R"({"cmd":"plain"})");
    const json body = answer(outcome);
    ASSERT_TRUE(body.is_object());
    EXPECT_NE(body["pid"], first["pid"]);
    EXPECT_EQ(body["count"], 1);
}

TEST_F(SchedulerTest, ConcurrencyLimitThrottles) {
    settings_.account_concurrency = 2;
    auto spec = function("limited");
    std::vector<Invocation> invocations;
    for (int i = 0; i < 3; ++i) {
        invocations.push_back(invocation(R"({"cmd":"nap"})"));
    }
    const auto outcomes = invoke_all(spec, std::move(invocations));
    answer(outcomes[0]);
    answer(outcomes[1]);
    ASSERT_TRUE(outcomes[2].error.has_value());
    EXPECT_FALSE(outcomes[2].result.has_value());
    EXPECT_EQ(outcomes[2].error->status(), 429);
    EXPECT_EQ(outcomes[2].error->code(), "TooManyRequestsException");
    EXPECT_EQ(outcomes[2].error->extra().at("Reason"), "ConcurrentInvocationLimitExceeded");
    // Slots come back when invocations end.
    answer(invoke(spec, R"({"cmd":"plain"})"));
    answer(invoke(spec, R"({"cmd":"plain"})"));
}

TEST_F(SchedulerTest, NewRevisionGetsNewEnvironmentsAndTheOldOnesGo) {
    auto old_spec = function("updated", kBootstrap, 3, "r1");
    const json before = answer(invoke(old_spec, R"({"cmd":"plain"})"));
    ASSERT_TRUE(before.is_object());

    // An invoke in flight on the old revision finishes there while the new one starts.
    auto new_spec = function("updated", kBootstrap, 3, "r2");
    std::optional<InvocationOutcome> in_flight;
    std::optional<InvocationOutcome> fresh;
    scheduler().invoke(old_spec, invocation(R"({"cmd":"nap"})"), [&](InvocationOutcome o) {
        in_flight = std::move(o);
    });
    scheduler().invoke(new_spec, invocation(R"({"cmd":"plain"})"), [&](InvocationOutcome o) {
        fresh = std::move(o);
    });
    ASSERT_TRUE(run_until([&] { return in_flight && fresh; }));
    const json old_body = answer(*in_flight);
    const json new_body = answer(*fresh);
    EXPECT_EQ(old_body["pid"], before["pid"]);  // finished on the old environment
    EXPECT_EQ(old_body["count"], 2);
    EXPECT_NE(new_body["pid"], before["pid"]);  // the new revision runs elsewhere
    EXPECT_EQ(new_body["count"], 1);
    // The superseded environment is stopped once its invocation is done.
    EXPECT_TRUE(run_until_exited(before["pid"].get<int>()));
    EXPECT_EQ(answer(invoke(new_spec, R"({"cmd":"plain"})"))["pid"], new_body["pid"]);
}

TEST_F(SchedulerTest, StartTimeoutFailsTheInvocationWithAServiceError) {
    settings_.start_timeout = 300ms;
    auto spec = function("never-ready", "#!/bin/bash\nexec sleep 30\n");
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = invoke(spec, "{}");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_FALSE(outcome.result.has_value());
    EXPECT_EQ(outcome.error->code(), "ServiceException");
    EXPECT_THAT(outcome.error->message(), HasSubstr("300 ms"));
}

TEST_F(SchedulerTest, UnknownRuntimeIsAClearError) {
    auto spec = function("cobol");
    spec->config.runtime = "cobol85";
    const auto outcome = invoke(spec, "{}");
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_THAT(outcome.error->message(), HasSubstr("cobol85"));
}

TEST_F(SchedulerTest, RuntimeGetsTheEnvironmentContractAndNothingElse) {
    ::setenv("LAMBDAHOST_TEST_LEAK", "1", 1);
    auto spec = function("contract");
    const json body = answer(invoke(spec, R"({"cmd":"env"})"));
    ASSERT_TRUE(body.is_object());
    const fs::path tmp = body["tmp"].get<std::string>();
    std::map<std::string, std::string> env;
    std::istringstream lines(read_file(tmp / "env"));
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) {
            env[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    EXPECT_THAT(env["AWS_LAMBDA_RUNTIME_API"], ::testing::StartsWith("127.0.0.1:"));
    EXPECT_EQ(env["_HANDLER"], "function.handler");
    EXPECT_EQ(env["LAMBDA_TASK_ROOT"], spec->code_dir.string());
    EXPECT_EQ(env["AWS_REGION"], "us-east-1");
    EXPECT_EQ(env["AWS_DEFAULT_REGION"], "us-east-1");
    EXPECT_EQ(env["AWS_EXECUTION_ENV"], "AWS_Lambda_provided.al2023");
    EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "contract");
    EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/contract");
    EXPECT_THAT(env["AWS_LAMBDA_LOG_STREAM_NAME"],
                ::testing::MatchesRegex(R"([0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32})"));
    EXPECT_FALSE(env["AWS_ACCESS_KEY_ID"].empty());
    EXPECT_FALSE(env["AWS_SECRET_ACCESS_KEY"].empty());
    EXPECT_FALSE(env["AWS_SESSION_TOKEN"].empty());
    EXPECT_EQ(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:9");
    EXPECT_EQ(env["AWS_XRAY_CONTEXT_MISSING"], "LOG_ERROR");
    EXPECT_EQ(env["LANG"], "en_US.UTF-8");
    EXPECT_EQ(env["TZ"], ":UTC");
    EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin:/bin");
    EXPECT_THAT(env["LD_LIBRARY_PATH"], HasSubstr((spec->code_dir / "lib").string()));
    EXPECT_EQ(env["TMPDIR"], tmp.string());
    EXPECT_EQ(tmp.parent_path().parent_path(), data_dir() / "envs");
    EXPECT_EQ(env["FOO"], "bar");                      // the function's own variables
    EXPECT_EQ(env.count("LAMBDAHOST_TEST_LEAK"), 0u);  // nothing inherited from the server
    EXPECT_EQ(read_file(tmp / "cwd"), spec->code_dir.string() + "\n");
}

TEST_F(SchedulerTest, EventHeadersReachTheRuntime) {
    auto spec = function("headers");
    auto inv = invocation(R"({"cmd":"headers"})");
    inv.client_context = R"({"custom":{"k":"v"}})";
    inv.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:headers:$LATEST";
    const std::string id = inv.request_id;
    const std::string trace = inv.trace_id;
    const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const json body = answer(invoke(spec, std::move(inv)));
    ASSERT_TRUE(body.is_object());
    const std::string headers = read_file(fs::path(body["tmp"].get<std::string>()) / "headers");
    EXPECT_THAT(headers, HasSubstr("Lambda-Runtime-Aws-Request-Id: " + id));
    EXPECT_THAT(headers, HasSubstr("Lambda-Runtime-Trace-Id: " + trace));
    EXPECT_THAT(headers,
                HasSubstr("Lambda-Runtime-Invoked-Function-Arn: "
                          "arn:aws:lambda:us-east-1:000000000000:function:headers:$LATEST"));
    EXPECT_THAT(headers, HasSubstr(R"(Lambda-Runtime-Client-Context: {"custom":{"k":"v"}})"));
    const auto at = headers.find("Lambda-Runtime-Deadline-Ms: ");
    ASSERT_NE(at, std::string::npos) << headers;
    const long long deadline = std::atoll(headers.c_str() + at + 28);
    EXPECT_GE(deadline, before_ms + 3000);
    EXPECT_LT(deadline, before_ms + 3000 + 10'000);
}

TEST_F(SchedulerTest, LogsReachTheFunctionLogFiles) {
    auto spec = function("logged");
    auto inv = invocation(R"({"cmd":"plain"})");
    inv.wants_log_tail = false;  // answered before its log is finished: the log is still whole
    const std::string id = inv.request_id;
    const auto outcome = invoke(spec, std::move(inv));
    ASSERT_TRUE(outcome.result.has_value());
    EXPECT_EQ(outcome.result->log, "");  // no tail asked for, none made
    answer(outcome);
    scheduler_.reset();  // flushes the log store (the test reads the files next)
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(data_dir() / "logs")) {
        if (entry.is_regular_file()) {
            all += read_file(entry.path());
        }
    }
    EXPECT_THAT(all, HasSubstr("START RequestId: " + id));
    EXPECT_THAT(all, HasSubstr("handling " + id));
    EXPECT_THAT(all, HasSubstr("REPORT RequestId: " + id));
}

TEST_F(SchedulerTest, OutputBeyondThePipeBufferIsDrainedWhileTheInvocationRuns) {
    // 300 KB in three bursts: more than a pipe holds, so the runtime would block (and the
    // invoke time out) unless the output is read while it runs; the pauses between bursts let
    // reads come up short, after which the next burst must still be noticed.
    auto spec = function("chatty");
    auto inv = invocation(R"({"cmd":"chatty"})");
    inv.wants_log_tail = false;
    const std::string id = inv.request_id;
    const auto outcome = invoke(spec, std::move(inv));
    EXPECT_EQ(answer(outcome)["count"], 1);
    scheduler_.reset();  // flushes the log store (the test reads the files next)
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(data_dir() / "logs")) {
        if (entry.is_regular_file()) {
            all += read_file(entry.path());
        }
    }
    const std::string burst = std::string(100000, 'x') + "\n";
    int bursts = 0;
    for (auto at = all.find(burst); at != std::string::npos; at = all.find(burst, at + 1)) {
        ++bursts;
    }
    EXPECT_EQ(bursts, 3);
    const auto done = all.find("chatty done\n");
    const auto end = all.find("END RequestId: " + id);
    ASSERT_NE(done, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LT(done, end);
}

TEST_F(SchedulerTest, KeepAliveEvictsIdleEnvironments) {
    settings_.keep_alive = 300ms;
    auto spec = function("evicted");
    const json body = answer(invoke(spec, R"({"cmd":"plain"})"));
    ASSERT_TRUE(body.is_object());
    EXPECT_TRUE(run_until_exited(body["pid"].get<int>()));
    // Its TMPDIR goes with it.
    const fs::path tmp = body["tmp"].get<std::string>();
    EXPECT_TRUE(run_until([&] { return !fs::exists(tmp); }, 5s));
    // The function still works: a cold start.
    const auto next = invoke(spec, R"({"cmd":"plain"})");
    EXPECT_NE(answer(next)["pid"], body["pid"]);
}

TEST_F(SchedulerTest, OrphanedGrandchildrenAreReaped) {
    auto spec = function("orphans");
    const json body = answer(invoke(spec, R"({"cmd":"orphan"})"));
    ASSERT_TRUE(body.is_object());
    const std::string text = read_file(fs::path(body["tmp"].get<std::string>()) / "orphan");
    const pid_t orphan = std::atoi(text.c_str());
    ASSERT_GT(orphan, 0);
    // Re-parented to this process (the subreaper); once it exits, SIGCHLD gets it reaped, so
    // no zombie is left behind.
    EXPECT_TRUE(run_until_exited(orphan));
    EXPECT_TRUE(
        run_until([&] { return !fs::exists(fs::path("/proc") / std::to_string(orphan)); }, 5s));
}

TEST_F(SchedulerTest, ShutdownStopsRuntimesAndAnswersInFlightInvocations) {
    auto spec = function("stopping", kBootstrap, /*timeout=*/20);
    const json idle = answer(invoke(spec, R"({"cmd":"plain"})"));
    ASSERT_TRUE(idle.is_object());
    int answered = 0;
    std::optional<InvocationOutcome> in_flight;
    // A second environment, busy in a 30 s sleep when the server shuts down.
    scheduler().invoke(spec, invocation(R"({"cmd":"nap"})"), [](InvocationOutcome) {});
    scheduler().invoke(spec, invocation(R"({"cmd":"sleep"})"), [&](InvocationOutcome o) {
        ++answered;
        in_flight = std::move(o);
    });
    run_until([] { return false; }, 1500ms);  // both are running by now
    const auto started = std::chrono::steady_clock::now();
    scheduler().shutdown();
    EXPECT_TRUE(run_until([&] { return answered > 0; }));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_TRUE(run_until_exited(idle["pid"].get<int>()));
    ASSERT_TRUE(in_flight.has_value());
    EXPECT_TRUE(in_flight->error.has_value() ||
                (in_flight->result && in_flight->result->function_error));
    // Nothing runs after shutdown.
    const auto refused = invoke(spec, R"({"cmd":"plain"})");
    EXPECT_TRUE(refused.error.has_value());
    run_until([] { return false; }, 200ms);
    EXPECT_EQ(answered, 1);
}

TEST_F(SchedulerTest, ShutdownKillsEveryRuntime) {
    auto spec = function("stopped");
    const json body = answer(invoke(spec, R"({"cmd":"plain"})"));
    ASSERT_TRUE(body.is_object());
    const pid_t pid = body["pid"].get<int>();
    const int fd = pidfd_open(pid);
    ASSERT_GE(fd, 0);
    scheduler_.reset();
    pollfd item{fd, POLLIN, 0};
    EXPECT_EQ(::poll(&item, 1, 10'000), 1) << "runtime still alive after the scheduler";
    ::close(fd);
}

}  // namespace
}  // namespace lambdahost::scheduler
