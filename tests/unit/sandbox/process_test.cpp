// SPDX-License-Identifier: Apache-2.0
// Process: spawning real programs (/bin/sh, /usr/bin/env) and checking what the kernel reports
// back: output pipe, wait status, process group, death signal, subreaper reaping. Waits are
// poll()s on pidfds with a bounded timeout, never sleep loops.
#include "sandbox/process.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lambdahost::sandbox {
namespace {

constexpr int kWaitMs = 10'000;

ProcessSpec shell(const std::string& script) {
    return {{"/bin/sh", "-c", script}, {"PATH=/usr/bin:/bin"}, "/"};
}

// Reads until EOF.
std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return out;
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

// Reads one '\n'-terminated line (without the newline).
std::string read_line(int fd) {
    std::string line;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n') {
        line.push_back(c);
    }
    return line;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link its pidfd_open().
int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

bool wait_readable(int fd, int timeout_ms = kWaitMs) {
    pollfd item{fd, POLLIN, 0};
    return ::poll(&item, 1, timeout_ms) == 1;
}

int wait_exit(Process& process) {
    EXPECT_TRUE(wait_readable(process.pidfd())) << "process did not exit";
    const auto status = process.try_reap();
    EXPECT_TRUE(status.has_value());
    return status.value_or(-1);
}

TEST(Process, CapturesStdoutAndStderrAndExitStatus) {
    auto process = Process::spawn(shell("echo out; echo err >&2; exit 3"));
    const int output = process.release_output();
    EXPECT_EQ(read_all(output), "out\nerr\n");
    ::close(output);
    const int status = wait_exit(process);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 3);
    EXPECT_EQ(process.try_reap(), status);  // stable once reaped
}

TEST(Process, DoesNotInheritTheServersDescriptors) {
    // Asio sockets are not CLOEXEC; a runtime must still not see them.
    const int inheritable = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(inheritable, 3);
    auto process = Process::spawn(shell("test -e /proc/self/fd/" + std::to_string(inheritable) +
                                        " && echo leaked || echo closed"));
    const int output = process.release_output();
    EXPECT_EQ(read_all(output), "closed\n");
    ::close(output);
    ::close(inheritable);
    wait_exit(process);
}

TEST(Process, ExecFailureThrowsSystemErrorNamingTheProgram) {
    try {
        Process::spawn({{"/nonexistent/bootstrap"}, {}, "/"});
        FAIL() << "spawn succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory);
        EXPECT_NE(std::string(error.what()).find("/nonexistent/bootstrap"), std::string::npos)
            << error.what();
    }
}

TEST(Process, ChdirFailureThrows) {
    try {
        Process::spawn({{"/bin/true"}, {}, "/nonexistent-dir"});
        FAIL() << "spawn succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory);
        EXPECT_NE(std::string(error.what()).find("chdir /nonexistent-dir"), std::string::npos)
            << error.what();
    }
}

TEST(Process, EnvironmentIsExactlyWhatWasPassed) {
    auto process = Process::spawn({{"/usr/bin/env"}, {"A=1", "B=two words", "EMPTY="}, "/"});
    const int output = process.release_output();
    EXPECT_EQ(read_all(output), "A=1\nB=two words\nEMPTY=\n");
    ::close(output);
    EXPECT_EQ(wait_exit(process), 0);
}

TEST(Process, RunsInTheGivenDirectoryWithStdinFromDevNull) {
    auto spec = shell("pwd; cat; echo done");
    spec.cwd = "/usr";
    auto process = Process::spawn(spec);
    const int output = process.release_output();
    EXPECT_EQ(read_all(output), "/usr\ndone\n");
    ::close(output);
    EXPECT_EQ(wait_exit(process), 0);
}

TEST(Process, LeadsItsOwnProcessGroup) {
    auto process = Process::spawn(shell("read x"));  // stdin is /dev/null: exits at once
    EXPECT_EQ(::getpgid(process.pid()), process.pid());
    EXPECT_NE(::getpgid(process.pid()), ::getpgrp());
    wait_exit(process);
}

TEST(Process, SignalDispositionsAndMaskAreReset) {
    // The test binary ignores SIGPIPE-style signals the server would ignore; the child must not.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction saved {};
    ::sigaction(SIGTERM, &ignore, &saved);
    auto process = Process::spawn(shell("kill -TERM $$; exit 0"));
    ::sigaction(SIGTERM, &saved, nullptr);
    const int status = wait_exit(process);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(Process, KillGroupKillsGrandchildren) {
    auto process = Process::spawn(shell("sleep 100 & echo $!; wait"));
    const int output = process.release_output();
    const pid_t grandchild = std::stoi(read_line(output));
    ::close(output);
    const int grandchild_fd = pidfd_open(grandchild);
    ASSERT_GE(grandchild_fd, 0) << std::strerror(errno);

    process.kill_group();
    const int status = wait_exit(process);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_TRUE(wait_readable(grandchild_fd)) << "grandchild survived";
    ::close(grandchild_fd);
    reap_orphans();  // in case the grandchild was re-parented to this (subreaper) process
}

TEST(Process, DestructorKillsAndReaps) {
    pid_t pid;
    {
        auto process = Process::spawn(shell("sleep 100"));
        pid = process.pid();
    }
    errno = 0;
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST(Process, DiesWhenTheSpawningThreadExits) {
    std::optional<Process> process;
    std::thread([&] { process.emplace(Process::spawn(shell("sleep 100"))); }).join();
    ASSERT_TRUE(process);
    const int status = wait_exit(*process);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(Process, ReapOrphansReapsReparentedGrandchildrenOnly) {
    become_subreaper();
    // Owned child first: its zombie is the first waitid(P_ALL) sees, hiding the orphan.
    auto owned = Process::spawn(shell("exit 7"));
    ASSERT_TRUE(wait_readable(owned.pidfd()));

    auto parent = Process::spawn(shell("sleep 0.2 & echo $!; exit 0"));
    const int output = parent.release_output();
    const pid_t orphan = std::stoi(read_line(output));
    ::close(output);
    const int orphan_fd = pidfd_open(orphan);
    ASSERT_GE(orphan_fd, 0) << std::strerror(errno);
    wait_exit(parent);
    ASSERT_TRUE(wait_readable(orphan_fd)) << "orphan did not exit";
    ::close(orphan_fd);

    reap_orphans();

    errno = 0;
    EXPECT_EQ(::waitpid(orphan, nullptr, WNOHANG), -1) << "orphan not reaped";
    EXPECT_EQ(errno, ECHILD);
    const auto status = owned.try_reap();
    ASSERT_TRUE(status.has_value()) << "reap_orphans stole the owned child's status";
    ASSERT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 7);
}

TEST(DescribeWaitStatus, UsesGoWording) {
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, 0)), "exit status 0");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(127, 0)), "exit status 127");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGKILL)), "signal: killed");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGSEGV)), "signal: segmentation fault");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGABRT)), "signal: aborted");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGTERM)), "signal: terminated");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, SIGSEGV) | 0x80),
              "signal: segmentation fault (core dumped)");
    EXPECT_EQ(describe_wait_status(W_EXITCODE(0, 40)), "signal: signal 40");
}

TEST(DescribeWaitStatus, RealExitAndSignal) {
    auto exited = Process::spawn(shell("exit 127"));
    EXPECT_EQ(describe_wait_status(wait_exit(exited)), "exit status 127");
    auto killed = Process::spawn(shell("kill -SEGV $$"));
    EXPECT_EQ(describe_wait_status(wait_exit(killed)).rfind("signal: segmentation fault", 0), 0u);
}

}  // namespace
}  // namespace lambdahost::sandbox
