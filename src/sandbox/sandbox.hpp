// SPDX-License-Identifier: Apache-2.0
// Sandbox: what confines every execution environment, decided once at start-up, and the
// per-environment part (EnvironmentSandbox) the scheduler holds for an environment's life.
//
// - Isolation `namespace` (the default when the server may create namespaces, i.e. runs as
//   root): each runtime runs under the sandbox init (init.hpp) in its own mount, pid and IPC
//   namespaces, sees its code read-only at /var/task, a private /tmp of EphemeralStorage MB (a
//   tmpfs with size=, mounted at <data-dir>/envs/<id>/tmp inside the server's own private
//   mount namespace, so a killed server leaves no mount behind), runs as uid 993 / gid 990.
// - Isolation `process`: the runtime runs as the server's user in the host's namespaces, with
//   LAMBDA_TASK_ROOT the code dir and TMPDIR <data-dir>/envs/<id>/tmp (no size cap).
// - Either way: a cgroup per environment where the host offers controllers (cgroup.hpp), and
//   AWS's rlimits (facts §3.10).
// Threading: a Sandbox is immutable after create() and shared by all threads; an
// EnvironmentSandbox belongs to one environment (one strand).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.hpp"
#include "sandbox/process.hpp"

namespace lambdahost::sandbox {

enum class IsolationMode { Namespace, Process };

/// "namespace" / "process" (the --isolation values).
std::string_view isolation_name(IsolationMode mode);

/// AWS's sandbox user sbx_user1051 has uid 993 and gid 990.
inline constexpr uid_t kSandboxUid = 993;
inline constexpr gid_t kSandboxGid = 990;
inline constexpr const char* kTaskRoot = "/var/task";
inline constexpr const char* kSandboxTmp = "/tmp";
/// Where the shipped runtime clients (the runtimes dir) appear: a fixed path, so a runtimes dir
/// anywhere on the host (even under /tmp) never shows through the function's own /tmp.
inline constexpr const char* kSandboxRuntimes = "/var/runtime";

/// AWS's rlimits inside a function (facts §3.10), as resource.getrlimit() shows them.
std::vector<ResourceLimit> aws_rlimits();

struct SandboxOptions {
    std::optional<IsolationMode> isolation;  // nullopt: namespace when privileged
    std::filesystem::path data_dir;          // environments live under <data-dir>/envs/
    std::filesystem::path runtimes_dir;      // visible read-only inside namespace sandboxes
};

/// What is in force, for the start-up log and GET /health.
struct SandboxStatus {
    IsolationMode isolation = IsolationMode::Process;
    std::string cgroups;                  // "v1", "v2", "v1+v2" or "none"
    std::vector<std::string> enforced;    // "memory", "cpu", "pids", "ephemeral-storage", ...
    std::vector<std::string> unenforced;  // the same names
    std::vector<std::string> notes;       // why something is not enforced
};

class EnvironmentSandbox;

class Sandbox : public std::enable_shared_from_this<Sandbox> {
public:
    /// Detects what the host offers and prepares it. In namespace mode the calling process
    /// moves into a private mount namespace (environments' /tmp mounts stay there): call while
    /// the process is still single-threaded. Throws std::runtime_error when namespace
    /// isolation is asked for but cannot be had.
    static std::shared_ptr<const Sandbox> create(const SandboxOptions& options);
    /// Process isolation without cgroups: for tests and tools that run functions unconfined.
    static std::shared_ptr<const Sandbox> unconfined(std::filesystem::path data_dir);

    const SandboxStatus& status() const { return status_; }
    /// One line for the start-up log: isolation, cgroups, what is enforced and what is not.
    std::string summary() const;

    /// The sandbox of a new environment `id` (its cgroup, its /tmp). Throws std::system_error
    /// or std::runtime_error saying what could not be prepared.
    std::unique_ptr<EnvironmentSandbox> prepare(const std::string& id,
                                                int memory_mb,
                                                int ephemeral_storage_mb) const;

private:
    friend class EnvironmentSandbox;
    Sandbox() = default;

    SandboxOptions options_;
    SandboxStatus status_;
    std::shared_ptr<CgroupTree> cgroups_;  // null: no controller in force
    std::filesystem::path init_program_;   // this binary (namespace mode)
};

/// One environment's share of the sandbox. Kept across a timeout re-init of the environment
/// (its /tmp and cgroup survive), gone with the environment.
class EnvironmentSandbox {
public:
    /// Kills what is left in the cgroup, removes it, unmounts and removes the environment's
    /// directory.
    ~EnvironmentSandbox();
    EnvironmentSandbox(const EnvironmentSandbox&) = delete;
    EnvironmentSandbox& operator=(const EnvironmentSandbox&) = delete;

    /// LAMBDA_TASK_ROOT (and the working directory) as the function sees it.
    std::filesystem::path task_root(const std::filesystem::path& code_dir) const;
    /// TMPDIR as the function sees it.
    std::filesystem::path tmp_dir() const;
    /// The runtimes dir as the runtime sees it (${RUNTIMES_DIR}, LAMBDA_RUNTIME_DIR).
    std::filesystem::path runtimes_dir() const;
    /// The confinement to spawn the runtime with; `code_dir` is the extracted package.
    Confinement confinement(const std::filesystem::path& code_dir) const;

    /// The environment's peak memory in MB (rounded up) from its cgroup; nullopt without a
    /// memory controller.
    std::optional<int> max_memory_used_mb() const;
    /// OOM kills in the environment so far.
    std::uint64_t oom_kills() const;
    /// SIGKILL to every process of the environment (those that left the runtime's process
    /// group too). No-op without a cgroup.
    void kill_all() const;
    /// The runtime's init runs with the CPU quota lifted (`true` before the spawn); the
    /// function's share applies from its first GET /next on (`false`). Keeps cold starts of
    /// small functions short on a shared host. No-op without a cpu controller.
    void boost_cpu(bool on) const;

private:
    friend class Sandbox;
    EnvironmentSandbox(std::shared_ptr<const Sandbox> sandbox, std::filesystem::path dir)
        : sandbox_(std::move(sandbox)), dir_(std::move(dir)) {}

    std::shared_ptr<const Sandbox> sandbox_;
    std::filesystem::path dir_;  // <data-dir>/envs/<id>
    bool tmp_mounted_ = false;
    std::unique_ptr<Cgroup> cgroup_;
};

}  // namespace lambdahost::sandbox
