// SPDX-License-Identifier: Apache-2.0
// Cgroup detection, the server's lambdahost parent and environments' cgroups (cgroup.hpp).
#include "sandbox/cgroup.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lambdahost::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kParentName = "lambdahost";
// Where a v2 server moves itself when its own cgroup must hold no process (the "no internal
// processes" rule) to let its children have controllers.
constexpr std::string_view kServerLeafName = "lambdahost-server";
constexpr int kKillRounds = 100;
constexpr int kRemoveAttempts = 100;
constexpr auto kRemoveRetryDelay = std::chrono::milliseconds(2);

[[noreturn]] void throw_errno(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), what);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

/// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            const std::string_view octal = text.substr(i + 1, 3);
            if (octal.find_first_not_of("01234567") == std::string_view::npos) {
                out.push_back(static_cast<char>((octal[0] - '0') * 64 + (octal[1] - '0') * 8 +
                                                (octal[2] - '0')));
                i += 3;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::optional<Controller> controller_named(std::string_view name) {
    for (const Controller controller : kControllers) {
        if (controller_name(controller) == name) {
            return controller;
        }
    }
    return std::nullopt;
}

/// `own` (a path inside the hierarchy) as a directory below the mount of `root` at `mount`.
fs::path cgroup_dir(const fs::path& fs_root,
                    const std::string& mount_point,
                    const std::string& mount_root,
                    const std::string& own) {
    fs::path dir = fs_root / fs::path(mount_point).relative_path();
    // A container without a cgroup namespace sees its host path in /proc/self/cgroup, but only
    // its own subtree mounted: then the mount itself is our cgroup.
    if (own.starts_with(mount_root)) {
        const fs::path relative = fs::path(own.substr(mount_root.size())).relative_path();
        if (!relative.empty()) {
            dir /= relative;
        }
    }
    return dir;
}

/// The file that holds a memory cgroup's peak: v1 memory.max_usage_in_bytes, v2 memory.peak
/// (Linux 5.19+) or, before it, memory.current (the usage now, the best there is).
fs::path peak_memory_file(const fs::path& dir, CgroupVersion version) {
    if (version == CgroupVersion::V1) {
        return dir / "memory.max_usage_in_bytes";
    }
    return fs::exists(dir / "memory.peak") ? dir / "memory.peak" : dir / "memory.current";
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, std::string_view value) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        throw_errno(errno, "cannot open " + path.string());
    }
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
        throw_errno(errno, fmt::format("cannot write {:?} to {}", value, path.string()));
    }
}

/// Makes `dir`; an existing one is fine.
void make_dir(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        throw_errno(errno, "cannot create " + dir.string());
    }
}

/// Kills every process in the cgroup at `dir`.
void kill_cgroup(const fs::path& dir, CgroupVersion version) {
    if (version == CgroupVersion::V2 && fs::exists(dir / "cgroup.kill")) {
        try {
            write_file(dir / "cgroup.kill", "1");
            return;
        } catch (const std::system_error& e) {
            spdlog::debug("sandbox: {}", e.what());
        }
    }
    // A process may fork while we kill: read again until the cgroup is empty. pids.max bounds
    // how many can appear.
    for (int round = 0; round < kKillRounds; ++round) {
        std::istringstream procs(read_file(dir / "cgroup.procs"));
        bool any = false;
        for (pid_t pid = 0; procs >> pid;) {
            any = true;
            ::kill(pid, SIGKILL);
        }
        if (!any) {
            return;
        }
    }
}

/// Removes the (killed) cgroup at `dir`; its processes may take a moment to exit.
bool remove_cgroup(const fs::path& dir) {
    for (int attempt = 0; attempt < kRemoveAttempts; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
            return true;
        }
        if (errno != EBUSY) {
            break;
        }
        std::this_thread::sleep_for(kRemoveRetryDelay);
    }
    spdlog::warn("sandbox: cannot remove cgroup {}: {}", dir.string(), std::strerror(errno));
    return false;
}

/// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); nullopt if gone.
std::optional<std::string> start_time(const std::string& pid) {
    const std::string stat = read_file("/proc/" + pid + "/stat");
    const auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(close_paren + 2));
    std::string field;
    // Field 3 (state) is the first after ')': 20 more fields up to field 22.
    for (int i = 3; i <= 22; ++i) {
        if (!(fields >> field)) {
            return std::nullopt;
        }
    }
    return field;
}

/// "<pid>-<start time>": unique for the life of the machine.
std::string instance_name() {
    const std::string pid = std::to_string(::getpid());
    return pid + "-" + start_time(pid).value_or("0");
}

/// An instance directory of a server that no longer runs.
bool is_stale_instance(const std::string& name) {
    const auto dash = name.find('-');
    if (dash == std::string::npos) {
        return false;  // not ours
    }
    const std::string pid = name.substr(0, dash);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    return start_time(pid) != name.substr(dash + 1);
}

/// Kills and removes environments of crashed servers below `parent`.
void remove_stale(const fs::path& parent, CgroupVersion version) {
    std::error_code error;
    for (const auto& instance : fs::directory_iterator(parent, error)) {
        const std::string name = instance.path().filename();
        if (!instance.is_directory() || !is_stale_instance(name)) {
            continue;
        }
        for (const auto& env : fs::directory_iterator(instance.path(), error)) {
            if (env.is_directory()) {
                kill_cgroup(env.path(), version);
                remove_cgroup(env.path());
            }
        }
        if (remove_cgroup(instance.path())) {
            spdlog::info("sandbox: removed stale cgroup {}", instance.path().string());
        }
    }
}

/// "+memory +pids" for the controllers of `hierarchy` not yet in `dir`'s subtree_control.
std::string missing_subtree_controllers(const Hierarchy& hierarchy, const fs::path& dir) {
    std::istringstream enabled(read_file(dir / "cgroup.subtree_control"));
    std::vector<std::string> present;
    for (std::string name; enabled >> name;) {
        present.push_back(name);
    }
    std::string request;
    for (const Controller controller : hierarchy.controllers) {
        const std::string name(controller_name(controller));
        if (std::find(present.begin(), present.end(), name) == present.end()) {
            request += (request.empty() ? "+" : " +") + name;
        }
    }
    return request;
}

/// v2: lets `dir`'s children use the hierarchy's controllers.
void enable_subtree(const Hierarchy& hierarchy, const fs::path& dir) {
    const std::string request = missing_subtree_controllers(hierarchy, dir);
    if (!request.empty()) {
        write_file(dir / "cgroup.subtree_control", request);
    }
}

/// v2: enables the controllers in the server's own cgroup, first moving the server into a leaf
/// below it when the cgroup holds processes (which forbids enabling: EBUSY).
void enable_own_subtree(const Hierarchy& hierarchy) {
    try {
        enable_subtree(hierarchy, hierarchy.own);
    } catch (const std::system_error& e) {
        if (e.code() != std::errc::device_or_resource_busy) {
            throw;
        }
        const fs::path leaf = hierarchy.own / kServerLeafName;
        make_dir(leaf);
        write_file(leaf / "cgroup.procs", std::to_string(::getpid()));
        spdlog::info("sandbox: moved the server into {} to delegate controllers below {}",
                     leaf.string(),
                     hierarchy.own.string());
        enable_subtree(hierarchy, hierarchy.own);
    }
}

/// Makes <own>/lambdahost/<instance> in `hierarchy`; returns the instance directory.
fs::path make_instance(const Hierarchy& hierarchy, const std::string& instance) {
    const bool v2 = hierarchy.version == CgroupVersion::V2;
    if (v2) {
        enable_own_subtree(hierarchy);
    }
    const fs::path parent = hierarchy.own / kParentName;
    const fs::path dir = parent / instance;
    // Another server may remove an empty parent between our mkdirs: try again then.
    for (int attempt = 0;; ++attempt) {
        make_dir(parent);
        remove_stale(parent, hierarchy.version);
        if (v2) {
            enable_subtree(hierarchy, parent);
        }
        if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) {
            break;
        }
        if (errno != ENOENT || attempt == 3) {
            throw_errno(errno, "cannot create " + dir.string());
        }
    }
    if (v2) {
        enable_subtree(hierarchy, dir);
    }
    return dir;
}

}  // namespace

std::string_view controller_name(Controller controller) {
    switch (controller) {
        case Controller::Memory:
            return "memory";
        case Controller::Cpu:
            return "cpu";
        case Controller::Pids:
            return "pids";
    }
    return "?";
}

CpuQuota cpu_quota(int memory_mb) {
    const std::int64_t quota =
        (static_cast<std::int64_t>(memory_mb) * kCpuPeriodUs + kMbPerVcpu - 1) / kMbPerVcpu;
    return {std::max(quota, kMinCpuQuotaUs), kCpuPeriodUs};
}

std::int64_t memory_limit_bytes(int memory_mb) {
    return static_cast<std::int64_t>(memory_mb) * 1024 * 1024;
}

CgroupLayout detect_cgroups(std::string_view proc_self_cgroup,
                            std::string_view mountinfo,
                            const fs::path& fs_root) {
    // /proc/self/cgroup: "<id>:<controllers>:<path>"; v2 is "0::<path>".
    std::map<std::string, std::string, std::less<>> v1_paths;  // controller -> own path
    std::optional<std::string> v2_path;
    for (const auto line : split(proc_self_cgroup, '\n')) {
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) {
            continue;
        }
        const auto controllers = line.substr(first + 1, second - first - 1);
        const std::string path(line.substr(second + 1));
        if (line.substr(0, first) == "0" && controllers.empty()) {
            v2_path = path;
            continue;
        }
        for (const auto name : split(controllers, ',')) {
            v1_paths.emplace(std::string(name), path);
        }
    }

    CgroupLayout layout;
    std::map<std::string, std::size_t> by_dir;  // hierarchy directory -> index in layout
    std::optional<fs::path> v2_dir;
    // mountinfo: "id parent major:minor root mount-point options [optional...] - type source
    // super-options".
    for (const auto line : split(mountinfo, '\n')) {
        const auto fields = split(line, ' ');
        const auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) {
            continue;
        }
        const std::string_view type = dash[1];
        const std::string root = unescape_mount_path(fields[3]);
        const std::string mount_point = unescape_mount_path(fields[4]);
        if (type == "cgroup2") {
            if (v2_path && !v2_dir) {
                v2_dir = cgroup_dir(fs_root, mount_point, root, *v2_path);
            }
            continue;
        }
        if (type != "cgroup") {
            continue;
        }
        for (const auto option : split(dash[3], ',')) {
            const auto controller = controller_named(option);
            const auto own = controller ? v1_paths.find(option) : v1_paths.end();
            if (own == v1_paths.end()) {
                continue;
            }
            const fs::path dir = cgroup_dir(fs_root, mount_point, root, own->second);
            auto [it, added] = by_dir.emplace(dir.string(), layout.hierarchies.size());
            if (added) {
                layout.hierarchies.push_back({CgroupVersion::V1, dir, {}});
            }
            auto& controllers = layout.hierarchies[it->second].controllers;
            if (std::find(controllers.begin(), controllers.end(), *controller) ==
                controllers.end()) {
                controllers.push_back(*controller);
            }
        }
    }

    const auto on_v1 = [&](Controller controller) {
        return std::any_of(layout.hierarchies.begin(), layout.hierarchies.end(), [&](auto& h) {
            return std::find(h.controllers.begin(), h.controllers.end(), controller) !=
                   h.controllers.end();
        });
    };
    Hierarchy v2{CgroupVersion::V2, v2_dir.value_or(fs::path()), {}};
    if (v2_dir) {
        std::istringstream offered(read_file(*v2_dir / "cgroup.controllers"));
        for (std::string name; offered >> name;) {
            const auto controller = controller_named(name);
            if (controller && !on_v1(*controller)) {
                v2.controllers.push_back(*controller);
            }
        }
    }
    for (const Controller controller : kControllers) {
        const bool on_v2 = std::find(v2.controllers.begin(), v2.controllers.end(), controller) !=
                           v2.controllers.end();
        if (!on_v1(controller) && !on_v2) {
            layout.missing.push_back(controller);
        }
    }
    if (!v2.controllers.empty()) {
        // Kernel order (memory, cpu, pids) keeps limit_writes() deterministic.
        std::sort(v2.controllers.begin(), v2.controllers.end());
        layout.hierarchies.insert(layout.hierarchies.begin(), std::move(v2));
    }
    for (auto& hierarchy : layout.hierarchies) {
        std::sort(hierarchy.controllers.begin(), hierarchy.controllers.end());
    }
    return layout;
}

std::vector<ControlWrite> limit_writes(const Hierarchy& hierarchy, int memory_mb) {
    const bool v2 = hierarchy.version == CgroupVersion::V2;
    const std::string memory = std::to_string(memory_limit_bytes(memory_mb));
    const CpuQuota cpu = cpu_quota(memory_mb);
    std::vector<ControlWrite> writes;

    for (const Controller controller : hierarchy.controllers) {
        switch (controller) {
            case Controller::Memory:
                if (v2) {
                    writes.push_back({"memory.max", memory});
                    // AWS: no swap; an OOM takes the whole environment down.
                    writes.push_back({"memory.swap.max", "0", true});
                    writes.push_back({"memory.oom.group", "1", true});
                } else {
                    // memsw (memory + swap) only exists with swap accounting; swappiness 0
                    // keeps anonymous memory out of swap where it does not.
                    writes.push_back({"memory.limit_in_bytes", memory});
                    writes.push_back({"memory.memsw.limit_in_bytes", memory, true});
                    writes.push_back({"memory.swappiness", "0", true});
                }
                break;
            case Controller::Cpu:
                if (!v2) {
                    // The period first: a quota is checked against the current period.
                    writes.push_back({"cpu.cfs_period_us", std::to_string(cpu.period_us)});
                }
                writes.push_back(cpu_quota_write(hierarchy.version, memory_mb, false));
                break;
            case Controller::Pids:
                writes.push_back({"pids.max", std::to_string(kPidsMax)});
                break;
        }
    }
    return writes;
}

ControlWrite cpu_quota_write(CgroupVersion version, int memory_mb, bool unlimited) {
    const CpuQuota cpu = cpu_quota(memory_mb);
    if (version == CgroupVersion::V2) {
        return {
            "cpu.max",
            fmt::format("{} {}", unlimited ? "max" : std::to_string(cpu.quota_us), cpu.period_us)};
    }
    return {"cpu.cfs_quota_us", unlimited ? "-1" : std::to_string(cpu.quota_us)};
}

std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key) {
    for (const auto line : split(text, '\n')) {
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
            try {
                return std::stoull(std::string(line.substr(key.size() + 1)));
            } catch (const std::exception&) {
                return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

std::shared_ptr<CgroupTree> CgroupTree::open(const CgroupLayout& layout) {
    std::shared_ptr<CgroupTree> tree(new CgroupTree());
    tree->missing_ = layout.missing;
    const std::string instance = instance_name();
    for (const auto& hierarchy : layout.hierarchies) {
        try {
            tree->instance_dirs_.push_back(make_instance(hierarchy, instance));
            tree->hierarchies_.push_back(hierarchy);
        } catch (const std::exception& e) {
            std::string names;
            for (const Controller controller : hierarchy.controllers) {
                names += (names.empty() ? "" : ", ") + std::string(controller_name(controller));
            }
            tree->notes_.push_back(fmt::format("cgroup v{} ({}) unusable: {}",
                                               hierarchy.version == CgroupVersion::V1 ? 1 : 2,
                                               names,
                                               e.what()));
            tree->missing_.insert(
                tree->missing_.end(), hierarchy.controllers.begin(), hierarchy.controllers.end());
        }
    }
    std::sort(tree->missing_.begin(), tree->missing_.end());
    return tree;
}

CgroupTree::~CgroupTree() {
    for (const auto& dir : instance_dirs_) {
        remove_cgroup(dir);
        ::rmdir(dir.parent_path().c_str());  // EBUSY while another server uses it: fine
    }
}

std::vector<Controller> CgroupTree::enforced() const {
    std::vector<Controller> controllers;
    for (const auto& hierarchy : hierarchies_) {
        controllers.insert(
            controllers.end(), hierarchy.controllers.begin(), hierarchy.controllers.end());
    }
    std::sort(controllers.begin(), controllers.end());
    return controllers;
}

std::vector<Controller> CgroupTree::unenforced() const {
    return missing_;
}

std::unique_ptr<Cgroup> CgroupTree::create(const std::string& name, int memory_mb) const {
    std::unique_ptr<Cgroup> cgroup(new Cgroup());
    cgroup->memory_mb_ = memory_mb;
    for (std::size_t i = 0; i < hierarchies_.size(); ++i) {
        const Hierarchy& hierarchy = hierarchies_[i];
        const fs::path dir = instance_dirs_[i] / name;
        if (::mkdir(dir.c_str(), 0755) != 0) {
            throw_errno(errno, "cannot create " + dir.string());  // ~Cgroup removes the others
        }
        cgroup->dirs_.push_back({&hierarchy, dir, Fd()});
        for (const auto& write : limit_writes(hierarchy, memory_mb)) {
            if (write.optional && !fs::exists(dir / write.file)) {
                continue;
            }
            write_file(dir / write.file, write.value);
        }
        cgroup->dirs_.back().procs =
            Fd(::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
        if (cgroup->dirs_.back().procs.get() < 0) {
            throw_errno(errno, "cannot open " + (dir / "cgroup.procs").string());
        }
        const auto& controllers = hierarchy.controllers;
        if (std::find(controllers.begin(), controllers.end(), Controller::Memory) !=
            controllers.end()) {
            // Unreadable: REPORT falls back to the runtime process's VmHWM.
            cgroup->peak_ =
                Fd(::open(peak_memory_file(dir, hierarchy.version).c_str(), O_RDONLY | O_CLOEXEC));
        }
    }
    return cgroup;
}

Cgroup::~Cgroup() {
    for (auto& dir : dirs_) {
        dir.procs.reset();
        kill_cgroup(dir.path, dir.hierarchy->version);
        remove_cgroup(dir.path);
    }
}

std::vector<int> Cgroup::procs_fds() const {
    std::vector<int> fds;
    for (const auto& dir : dirs_) {
        fds.push_back(dir.procs.get());
    }
    return fds;
}

const Cgroup::Dir* Cgroup::dir_of(Controller controller) const {
    for (const auto& dir : dirs_) {
        const auto& controllers = dir.hierarchy->controllers;
        if (std::find(controllers.begin(), controllers.end(), controller) != controllers.end()) {
            return &dir;
        }
    }
    return nullptr;
}

std::optional<std::int64_t> Cgroup::peak_memory_bytes() const {
    if (peak_.get() < 0) {
        return std::nullopt;
    }
    // Read once per invocation (REPORT): one pread on the file opened at create().
    std::array<char, 32> text{};
    // SAFETY: reads at most text.size() - 1 bytes into a local buffer from an fd we own.
    const ssize_t n = ::pread(peak_.get(), text.data(), text.size() - 1, 0);
    std::int64_t bytes = 0;
    if (n <= 0 || std::from_chars(text.data(), text.data() + n, bytes).ec != std::errc()) {
        return std::nullopt;
    }
    return bytes;
}

std::uint64_t Cgroup::oom_kills() const {
    const Dir* dir = dir_of(Controller::Memory);
    if (!dir) {
        return 0;
    }
    if (dir->hierarchy->version == CgroupVersion::V2) {
        return keyed_value(read_file(dir->path / "memory.events"), "oom_kill").value_or(0);
    }
    // oom_kill arrived in memory.oom_control with Linux 4.13; before it, failcnt (limit hits).
    if (const auto kills = keyed_value(read_file(dir->path / "memory.oom_control"), "oom_kill")) {
        return *kills;
    }
    try {
        return std::stoull(read_file(dir->path / "memory.failcnt"));
    } catch (const std::exception&) {
        return 0;
    }
}

void Cgroup::set_cpu_unlimited(bool unlimited) const {
    if (const Dir* dir = dir_of(Controller::Cpu)) {
        const auto write = cpu_quota_write(dir->hierarchy->version, memory_mb_, unlimited);
        write_file(dir->path / write.file, write.value);
    }
}

void Cgroup::kill_all() const {
    for (const auto& dir : dirs_) {
        kill_cgroup(dir.path, dir.hierarchy->version);
    }
}

}  // namespace lambdahost::sandbox
