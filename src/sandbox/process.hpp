// SPDX-License-Identifier: Apache-2.0
// Process: one runtime process of an execution environment. Spawned without fork()ing the
// multi-threaded server (clone(CLONE_VFORK) whose child only makes async-signal-safe calls
// before execve), in its own process group, with PR_SET_PDEATHSIG(SIGKILL) so it dies with the
// server, and with stdout and stderr on one pipe the caller reads for the logs.
// Threading: a Process is owned by one environment (one strand); the free functions are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lambdahost::sandbox {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is an absolute path
    std::vector<std::string> env;  // "KEY=value", the whole environment (nothing inherited)
    std::filesystem::path cwd;
};

class Process {
public:
    /// Throws std::system_error naming argv[0] when the process cannot be started (an execve
    /// failure in the child is reported to the caller through a CLOEXEC pipe, not as an exit).
    static Process spawn(const ProcessSpec& spec);

    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    /// Kills the process group and reaps the process if still running.
    ~Process();

    pid_t pid() const { return pid_; }
    /// A pidfd (readable once the process has exited) for an async wait; owned by Process.
    int pidfd() const { return pidfd_; }
    /// Read end of the stdout+stderr pipe; the caller may take ownership with release_output().
    int release_output();

    /// SIGKILL to the whole process group (the runtime and anything it started).
    void kill_group();
    /// Reaps the process if it has exited: nullopt while it runs; otherwise the wait status.
    std::optional<int> try_reap();

private:
    Process(pid_t pid, int pidfd, int output_fd) : pid_(pid), pidfd_(pidfd), output_fd_(output_fd) {}
    pid_t pid_ = -1;
    int pidfd_ = -1;
    int output_fd_ = -1;
    bool reaped_ = false;
};

/// Makes the server the child subreaper (PR_SET_CHILD_SUBREAPER), so orphaned grandchildren of
/// runtimes are re-parented to it and reaped instead of lingering as zombies.
void become_subreaper();

/// Reaps every exited child that nobody else waits for (grandchildren re-parented to us).
/// Call on SIGCHLD.
void reap_orphans();

/// "exit status 127" / "signal: killed" style description of a wait status, as AWS words
/// Runtime.ExitError messages (facts §3.5).
std::string describe_wait_status(int status);

}  // namespace lambdahost::sandbox
