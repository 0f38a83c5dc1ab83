// SPDX-License-Identifier: Apache-2.0
// Cgroups of execution environments, v2 and v1. At start-up detect_cgroups() reads
// /proc/self/cgroup and /proc/self/mountinfo and finds, per controller (memory, cpu, pids),
// the hierarchy that offers it: a v1 hierarchy when the controller is bound to one (a
// controller lives in one hierarchy only), else the v2 one when its cgroup.controllers lists
// it. CgroupTree then makes the server's parent, <own cgroup>/lambdahost/<instance>/, in each
// hierarchy (enabling the v2 controllers level by level), and one Cgroup per environment below
// it with the limits of limit_writes(): memory = MemorySize with no swap, CPU in proportion to
// memory (1769 MB = one vCPU), pids.max = 1024. <instance> is "<server pid>-<start time>", so a
// later server recognises, kills and removes the cgroups a crashed one left.
// The pure parts (detection from texts, the control-file writes, the arithmetic, parsing of
// counters) take a filesystem root and are unit-tested against a fake tree.
// Threading: a CgroupTree is shared read-only after open() (create() only makes new
// directories); a Cgroup belongs to one environment (one strand).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/fd.hpp"

namespace lambdahost::sandbox {

enum class Controller { Memory, Cpu, Pids };
inline constexpr Controller kControllers[] = {
    Controller::Memory, Controller::Cpu, Controller::Pids};

/// "memory", "cpu", "pids": the kernel's names, also used in /health's "unenforced".
std::string_view controller_name(Controller controller);

/// AWS: a function gets CPU in proportion to its memory, one vCPU at 1769 MB.
inline constexpr int kMbPerVcpu = 1769;
inline constexpr std::int64_t kCpuPeriodUs = 100'000;
/// The kernel refuses a CFS quota below 1 ms.
inline constexpr std::int64_t kMinCpuQuotaUs = 1'000;
/// AWS quota: 1024 processes and threads per execution environment.
inline constexpr int kPidsMax = 1024;

struct CpuQuota {
    std::int64_t quota_us;
    std::int64_t period_us;
};

/// memory_mb / 1769 of one CPU per period, rounded up, at least kMinCpuQuotaUs.
CpuQuota cpu_quota(int memory_mb);
/// MemorySize in bytes (1 MB = 1 MiB, as AWS counts).
std::int64_t memory_limit_bytes(int memory_mb);

enum class CgroupVersion { V1, V2 };

/// One hierarchy the sandbox uses and the controllers it takes from it.
struct Hierarchy {
    CgroupVersion version = CgroupVersion::V2;
    std::filesystem::path own;  // the server's own cgroup there (a directory)
    std::vector<Controller> controllers;
};

struct CgroupLayout {
    std::vector<Hierarchy> hierarchies;
    std::vector<Controller> missing;  // offered by no hierarchy
};

/// Pure: the layout from the texts of /proc/self/cgroup and /proc/self/mountinfo. Mount points
/// are taken below `fs_root` ("/" on a real host; a fake tree in tests); a v2 hierarchy's
/// controllers are read from its cgroup.controllers file there.
CgroupLayout detect_cgroups(std::string_view proc_self_cgroup,
                            std::string_view mountinfo,
                            const std::filesystem::path& fs_root);

struct ControlWrite {
    std::string file;  // relative to the environment's cgroup directory
    std::string value;
    bool optional = false;  // skipped when the kernel does not have the file
};

/// The control-file writes, in order, that give an environment's cgroup in `hierarchy` its
/// limits for `memory_mb`.
std::vector<ControlWrite> limit_writes(const Hierarchy& hierarchy, int memory_mb);
/// The write that sets the CPU quota of `memory_mb` (`unlimited`: none) in a cpu hierarchy.
ControlWrite cpu_quota_write(CgroupVersion version, int memory_mb, bool unlimited);

/// The number after `key` in a "key value" per line file (memory.events, memory.oom_control);
/// nullopt when the key is absent.
std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key);

class Cgroup;

/// The server's cgroup parent in each usable hierarchy.
class CgroupTree {
public:
    /// Creates <own>/lambdahost/<instance>/ in each hierarchy of `layout`, after removing what
    /// crashed servers left there. A hierarchy where that fails (unprivileged, no delegation)
    /// is dropped, its controllers then unenforced, with the reason in notes().
    static std::shared_ptr<CgroupTree> open(const CgroupLayout& layout);
    /// Removes the instance directories (and lambdahost/ when no other server uses it).
    ~CgroupTree();
    CgroupTree(const CgroupTree&) = delete;
    CgroupTree& operator=(const CgroupTree&) = delete;

    const std::vector<Hierarchy>& hierarchies() const { return hierarchies_; }
    std::vector<Controller> enforced() const;
    std::vector<Controller> unenforced() const;
    /// Why hierarchies were dropped, one sentence each, for the start-up log.
    const std::vector<std::string>& notes() const { return notes_; }

    /// A new cgroup `name` in every hierarchy with the limits of `memory_mb`. Throws
    /// std::system_error naming the file that could not be made or written.
    std::unique_ptr<Cgroup> create(const std::string& name, int memory_mb) const;

private:
    CgroupTree() = default;

    std::vector<Hierarchy> hierarchies_;
    std::vector<std::filesystem::path> instance_dirs_;  // one per hierarchy, same order
    std::vector<Controller> missing_;
    std::vector<std::string> notes_;
};

/// One environment's cgroup (a directory per hierarchy).
class Cgroup {
public:
    /// Kills what is left in it and removes it.
    ~Cgroup();
    Cgroup(const Cgroup&) = delete;
    Cgroup& operator=(const Cgroup&) = delete;

    /// Open cgroup.procs files: a process joins by writing "0" to each (done by the spawned
    /// child before execve, so nothing runs outside the limits).
    std::vector<int> procs_fds() const;
    /// Peak memory of the whole environment; nullopt without a memory controller (or without
    /// memory.peak on v2, where the current usage is returned instead).
    std::optional<std::int64_t> peak_memory_bytes() const;
    /// OOM kills in this cgroup so far (v2 memory.events, v1 memory.oom_control oom_kill or,
    /// on old kernels, memory.failcnt); 0 without a memory controller.
    std::uint64_t oom_kills() const;
    /// SIGKILL to every process in it: cgroup.kill on v2, else each pid of cgroup.procs until
    /// none is left (bounded by pids.max).
    void kill_all() const;
    /// Lifts (`unlimited`) or restores the CPU quota; no-op without a cpu controller. Throws
    /// std::system_error when the kernel refuses.
    void set_cpu_unlimited(bool unlimited) const;

private:
    friend class CgroupTree;
    struct Dir {
        const Hierarchy* hierarchy;
        std::filesystem::path path;
        Fd procs;
    };
    Cgroup() = default;
    const Dir* dir_of(Controller controller) const;

    std::vector<Dir> dirs_;
    Fd peak_;  // the memory hierarchy's peak file, -1 without a memory controller
    int memory_mb_ = 0;
};

}  // namespace lambdahost::sandbox
