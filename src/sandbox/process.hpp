// SPDX-License-Identifier: Apache-2.0
// Process: one runtime process of an execution environment. Spawned without fork()ing the
// multi-threaded server (clone(CLONE_VFORK) whose child only makes async-signal-safe calls
// before execve), in its own process group, with PR_SET_PDEATHSIG(SIGKILL) so it dies with the
// server, and with stdout and stderr on one pipe the caller reads for the logs.
// PR_SET_PDEATHSIG fires when the spawning *thread* exits, not the server process: call
// Process::spawn only on threads that live as long as the server (the io_context threads),
// never on a short-lived helper thread, or the runtime is killed when that thread ends.
// A Confinement adds what the sandbox imposes: cgroups joined and rlimits set in the child
// before execve, and optionally namespaces (the child then execs the sandbox init).
// Threading: a Process is owned by one environment (one strand); the free functions are
// thread-safe. Every Process registers its pid so that reap_orphans() leaves it to its owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace lambdahost::sandbox {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is an absolute path
    std::vector<std::string> env;   // "KEY=value", the whole environment (nothing inherited)
    std::filesystem::path cwd;
};

/// A host path made visible inside a namespace sandbox at `target`; an empty `source` makes an
/// empty directory. Read-only unless `writable`; never setuid or device files.
struct Mount {
    std::string source;
    std::string target;
    bool writable = false;
};

/// Namespace isolation (sandbox/init.hpp): the process runs under a small init, pid 1 of new
/// mount, pid and IPC namespaces, in a root built from read-only system directories, `mounts`,
/// a fresh /proc and a minimal /dev, as uid:gid. ProcessSpec's argv, env and cwd are then
/// those seen inside.
struct Namespaces {
    std::filesystem::path init_program;  // this binary, run as `<init_program> __sandbox-init`
    std::filesystem::path root;          // an empty directory: the new root is built over it
    std::vector<Mount> mounts;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct ResourceLimit {
    int resource;  // RLIMIT_*
    std::uint64_t soft;
    std::uint64_t hard;
};

/// Limits applied to a process before it runs any code of its own.
struct Confinement {
    std::vector<int> cgroup_procs;  // cgroup.procs files the child joins (writes "0" to)
    std::vector<ResourceLimit> rlimits;
    std::optional<Namespaces> namespaces;
};

class Process {
public:
    /// Throws std::system_error naming argv[0] when the process cannot be started (an execve
    /// failure in the child is reported to the caller through a CLOEXEC pipe, not as an exit).
    /// With namespaces, returns once the init has set up the sandbox and exec'd the runtime.
    static Process spawn(const ProcessSpec& spec, const Confinement& confinement = {});

    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    /// Kills the process group and reaps the process if still running.
    ~Process();

    pid_t pid() const { return pid_; }
    /// A pidfd (readable once the process has exited) for an async wait; owned by Process.
    int pidfd() const { return pidfd_; }
    /// Read end of the stdout+stderr pipe; the caller may take ownership with release_output().
    int release_output();

    /// SIGKILL to the whole process group (the runtime and anything it started). No-op once
    /// reaped: the pid could then name someone else's group.
    void kill_group();
    /// Reaps the process if it has exited: nullopt while it runs; otherwise the wait status
    /// (the same status again on later calls) — under a sandbox init, the runtime's status as
    /// the init reported it. Before reaping it SIGKILLs what is left of the process group,
    /// while the unreaped leader still pins the group id.
    std::optional<int> try_reap();

private:
    Process(pid_t pid, int pidfd, int output_fd, int status_fd)
        : pid_(pid), pidfd_(pidfd), output_fd_(output_fd), status_fd_(status_fd) {}
    void release();  // kill, reap, unregister, close: the destructor's work

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int output_fd_ = -1;
    int status_fd_ = -1;         // read end of the init's report of the runtime's wait status
    std::optional<int> status_;  // set once reaped
};

/// Makes the server the child subreaper (PR_SET_CHILD_SUBREAPER), so orphaned grandchildren of
/// runtimes are re-parented to it and reaped instead of lingering as zombies.
void become_subreaper();

/// Reaps every exited child that nobody else waits for (grandchildren re-parented to us),
/// leaving the children owned by a live Process to their owner. Call on SIGCHLD and now and then.
void reap_orphans();

/// "exit status 127" / "signal: killed" / "signal: segmentation fault" description of a wait
/// status, in Go's wording that AWS uses in Runtime.ExitError messages (facts §3.5).
std::string describe_wait_status(int status);

}  // namespace lambdahost::sandbox
