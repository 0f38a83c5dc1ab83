// SPDX-License-Identifier: Apache-2.0
// Sandbox and EnvironmentSandbox (sandbox.hpp): the start-up decisions and each environment's
// directory, /tmp mount and cgroup.
#include "sandbox/sandbox.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

namespace lambdahost::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEphemeralStorage = "ephemeral-storage";
constexpr const char* kIsolation = "isolation";  // namespaces, own root, unprivileged user

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Threads of this process, from /proc/self/status.
int thread_count() {
    std::istringstream status(read_file("/proc/self/status"));
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("Threads:")) {
            return std::stoi(line.substr(8));
        }
    }
    return 0;
}

/// Moves the server into a mount namespace of its own whose mounts (environments' /tmp) never
/// reach the host, and vanish with the server however it ends. Host mounts still propagate in.
/// false when not permitted (unprivileged).
bool enter_private_mount_namespace() {
    // unshare() changes the calling thread only: every thread must share the new namespace.
    if (const int threads = thread_count(); threads != 1) {
        throw std::logic_error(
            fmt::format("the sandbox must be set up before threads start ({} running)", threads));
    }
    if (::unshare(CLONE_NEWNS) != 0) {
        if (errno == EPERM) {
            return false;
        }
        throw std::system_error(errno, std::generic_category(), "unshare(CLONE_NEWNS)");
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(), "making / a slave mount");
    }
    return true;
}

std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text.empty() ? "none" : text;
}

}  // namespace

std::string_view isolation_name(IsolationMode mode) {
    return mode == IsolationMode::Namespace ? "namespace" : "process";
}

std::vector<ResourceLimit> aws_rlimits() {
    // AWS (facts §3.10): NOFILE 1024, CORE 10737418240, MEMLOCK 65536, STACK 8 MB soft. NPROC
    // (742 on AWS) is left out: it counts every process of the uid, which all environments
    // share here, so it would couple functions; pids.max bounds each environment instead.
    constexpr std::uint64_t kUnlimited = RLIM_INFINITY;
    const std::vector<ResourceLimit> wanted = {{RLIMIT_NOFILE, 1024, 1024},
                                               {RLIMIT_CORE, 10737418240ULL, 10737418240ULL},
                                               {RLIMIT_MEMLOCK, 65536, 65536},
                                               {RLIMIT_STACK, 8ULL * 1024 * 1024, kUnlimited}};
    std::vector<ResourceLimit> limits;
    for (auto limit : wanted) {
        // Without privileges a hard limit can only be lowered: never ask above the current one.
        rlimit current{};
        if (::getrlimit(static_cast<__rlimit_resource_t>(limit.resource), &current) == 0 &&
            current.rlim_max != RLIM_INFINITY) {
            limit.hard = std::min<std::uint64_t>(limit.hard, current.rlim_max);
            limit.soft = std::min(limit.soft, limit.hard);
        }
        limits.push_back(limit);
    }
    return limits;
}

std::shared_ptr<const Sandbox> Sandbox::create(const SandboxOptions& options) {
    std::shared_ptr<Sandbox> sandbox(new Sandbox());
    sandbox->options_ = options;
    auto& status = sandbox->status_;

    const bool want_namespace =
        options.isolation.value_or(IsolationMode::Namespace) == IsolationMode::Namespace;
    if (want_namespace && enter_private_mount_namespace()) {
        status.isolation = IsolationMode::Namespace;
        sandbox->init_program_ = fs::read_symlink("/proc/self/exe");
    } else if (options.isolation == IsolationMode::Namespace) {
        throw std::runtime_error(
            "--isolation namespace needs CAP_SYS_ADMIN (run as root, or use --isolation process)");
    } else {
        status.isolation = IsolationMode::Process;
        if (!options.isolation) {
            status.notes.push_back(
                "not privileged: functions run as the server's user without namespaces");
        }
    }

    const auto layout = detect_cgroups(
        read_file("/proc/self/cgroup"), read_file("/proc/self/mountinfo"), fs::path("/"));
    sandbox->cgroups_ = CgroupTree::open(layout);
    for (const Controller controller : sandbox->cgroups_->enforced()) {
        status.enforced.emplace_back(controller_name(controller));
    }
    for (const Controller controller : sandbox->cgroups_->unenforced()) {
        status.unenforced.emplace_back(controller_name(controller));
    }
    if (!layout.missing.empty()) {
        std::vector<std::string> names;
        for (const Controller controller : layout.missing) {
            names.emplace_back(controller_name(controller));
        }
        status.notes.push_back("no cgroup hierarchy offers " + join(names));
    }
    status.notes.insert(
        status.notes.end(), sandbox->cgroups_->notes().begin(), sandbox->cgroups_->notes().end());
    bool v1 = false;
    bool v2 = false;
    for (const auto& hierarchy : sandbox->cgroups_->hierarchies()) {
        (hierarchy.version == CgroupVersion::V1 ? v1 : v2) = true;
    }
    status.cgroups = v1 && v2 ? "v1+v2" : v1 ? "v1" : v2 ? "v2" : "none";
    auto& namespace_only =
        status.isolation == IsolationMode::Namespace ? status.enforced : status.unenforced;
    namespace_only.emplace_back(kEphemeralStorage);
    namespace_only.emplace_back(kIsolation);
    return sandbox;
}

std::shared_ptr<const Sandbox> Sandbox::unconfined(fs::path data_dir) {
    std::shared_ptr<Sandbox> sandbox(new Sandbox());
    sandbox->options_.data_dir = std::move(data_dir);
    sandbox->status_ = {IsolationMode::Process,
                        "none",
                        {},
                        {"memory", "cpu", "pids", kEphemeralStorage, kIsolation},
                        {"unconfined"}};
    return sandbox;
}

std::string Sandbox::summary() const {
    std::string text = fmt::format("sandbox: isolation {}", isolation_name(status_.isolation));
    if (status_.isolation == IsolationMode::Namespace) {
        text += fmt::format(
            " (uid {}, code read-only at {}, tmpfs {})", kSandboxUid, kTaskRoot, kSandboxTmp);
    }
    text += fmt::format("; cgroups {}; enforced: {}; NOT enforced: {}",
                        status_.cgroups,
                        join(status_.enforced),
                        join(status_.unenforced));
    for (const auto& note : status_.notes) {
        text += "; " + note;
    }
    return text;
}

std::unique_ptr<EnvironmentSandbox> Sandbox::prepare(const std::string& id,
                                                     int memory_mb,
                                                     int ephemeral_storage_mb) const {
    const fs::path dir = options_.data_dir / "envs" / id;
    fs::create_directories(dir / "tmp");
    std::unique_ptr<EnvironmentSandbox> env(
        new EnvironmentSandbox(std::shared_ptr<const Sandbox>(shared_from_this()), dir));
    if (status_.isolation == IsolationMode::Namespace) {
        // AWS: /tmp holds at most EphemeralStorage MB; writes beyond fail with ENOSPC.
        const std::string options = fmt::format("size={}m,mode=1777", ephemeral_storage_mb);
        if (::mount(
                "tmpfs", (dir / "tmp").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) !=
            0) {
            throw std::system_error(
                errno, std::generic_category(), "cannot mount /tmp of environment " + id);
        }
        env->tmp_mounted_ = true;
        fs::create_directories(dir / "root");
    }
    if (cgroups_ && !cgroups_->hierarchies().empty()) {
        env->cgroup_ = cgroups_->create(id, memory_mb);
    }
    return env;
}

EnvironmentSandbox::~EnvironmentSandbox() {
    cgroup_.reset();
    if (tmp_mounted_ && ::umount2((dir_ / "tmp").c_str(), MNT_DETACH) != 0) {
        spdlog::warn(
            "sandbox: cannot unmount {}: {}", (dir_ / "tmp").string(), std::strerror(errno));
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

fs::path EnvironmentSandbox::task_root(const fs::path& code_dir) const {
    return sandbox_->status_.isolation == IsolationMode::Namespace ? fs::path(kTaskRoot) : code_dir;
}

fs::path EnvironmentSandbox::tmp_dir() const {
    return sandbox_->status_.isolation == IsolationMode::Namespace ? fs::path(kSandboxTmp)
                                                                   : dir_ / "tmp";
}

fs::path EnvironmentSandbox::runtimes_dir() const {
    return sandbox_->status_.isolation == IsolationMode::Namespace
               ? fs::path(kSandboxRuntimes)
               : sandbox_->options_.runtimes_dir;
}

Confinement EnvironmentSandbox::confinement(const fs::path& code_dir) const {
    Confinement confinement;
    if (cgroup_) {
        confinement.cgroup_procs = cgroup_->procs_fds();
    }
    confinement.rlimits = aws_rlimits();
    if (sandbox_->status_.isolation == IsolationMode::Namespace) {
        const std::string runtimes = sandbox_->options_.runtimes_dir.string();
        confinement.namespaces = Namespaces{sandbox_->init_program_,
                                            dir_ / "root",
                                            {{code_dir.string(), kTaskRoot, false},
                                             {(dir_ / "tmp").string(), kSandboxTmp, true},
                                             {"", "/opt", false},  // layers: none yet
                                             {runtimes, kSandboxRuntimes, false}},
                                            kSandboxUid,
                                            kSandboxGid};
    }
    return confinement;
}

std::optional<int> EnvironmentSandbox::max_memory_used_mb() const {
    const auto bytes = cgroup_ ? cgroup_->peak_memory_bytes() : std::nullopt;
    if (!bytes) {
        return std::nullopt;
    }
    constexpr std::int64_t kMiB = 1024 * 1024;
    return static_cast<int>((*bytes + kMiB - 1) / kMiB);
}

std::uint64_t EnvironmentSandbox::oom_kills() const {
    return cgroup_ ? cgroup_->oom_kills() : 0;
}

void EnvironmentSandbox::boost_cpu(bool on) const {
    if (cgroup_) {
        cgroup_->set_cpu_unlimited(on);
    }
}

void EnvironmentSandbox::kill_all() const {
    if (cgroup_) {
        cgroup_->kill_all();
    }
}

}  // namespace lambdahost::sandbox
