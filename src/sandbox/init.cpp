// SPDX-License-Identifier: Apache-2.0
// The sandbox init (init.hpp): root file system, privilege drop, reaping.
// Runs single-threaded in a fresh process, so ordinary C++ is fine until the fork; the
// runtime child only makes system calls before its execve.
#include "sandbox/init.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lambdahost::sandbox {
namespace {

namespace fs = std::filesystem;

constexpr int kUsageError = 2;
constexpr int kSetupFailed = 127;

// Host directories every root gets read-only (as directories or as the symlinks they are on
// merged-/usr systems): the programs, libraries and configuration runtimes need.
constexpr std::array<const char*, 8> kSystemDirs = {
    "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc"};
// Device nodes bound into the sandbox's /dev; AWS offers no /dev/shm either.
constexpr std::array<const char*, 6> kDevices = {
    "null", "zero", "full", "random", "urandom", "tty"};

struct Config {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::string cwd;
    std::string root;
    std::vector<Mount> mounts;
    uid_t uid = 0;
    gid_t gid = 0;
};

/// A setup step that failed: its errno and a sentence for the function's log.
struct SetupError : std::runtime_error {
    SetupError(int e, const std::string& what) : std::runtime_error(what), error(e) {}
    int error;
};

void check(int result, const std::string& what) {
    if (result != 0) {
        throw SetupError(errno, what + ": " + std::strerror(errno));
    }
}

Config read_config(int fd) {
    std::string text;
    std::array<char, 8192> buffer{};
    for (off_t offset = 0;;) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        check(n < 0 ? -1 : 0, "reading the sandbox config");
        if (n == 0) {
            break;
        }
        text.append(buffer.data(), static_cast<std::size_t>(n));
        offset += n;
    }
    ::close(fd);
    const auto json = nlohmann::json::parse(text);
    Config config{json.at("argv").get<std::vector<std::string>>(),
                  json.at("env").get<std::vector<std::string>>(),
                  json.at("cwd").get<std::string>(),
                  json.at("root").get<std::string>(),
                  {},
                  json.at("uid").get<uid_t>(),
                  json.at("gid").get<gid_t>()};
    for (const auto& mount : json.at("mounts")) {
        config.mounts.push_back({mount.at("source").get<std::string>(),
                                 mount.at("target").get<std::string>(),
                                 mount.at("writable").get<bool>()});
    }
    return config;
}

/// Makes `path` and its missing parents (inside the new root's tmpfs).
void make_dirs(const fs::path& path) {
    std::error_code error;
    fs::create_directories(path, error);
    if (error) {
        throw SetupError(error.value(), "mkdir " + path.string() + ": " + error.message());
    }
}

/// Binds `source` over `target` (made first: a directory, or an empty file for a file), then
/// makes the whole bound tree nosuid, nodev and, unless `writable`, read-only.
void bind_mount(const fs::path& source, const fs::path& target, bool writable) {
    struct stat info {};
    check(::stat(source.c_str(), &info), "stat " + source.string());
    if (S_ISDIR(info.st_mode)) {
        make_dirs(target);
    } else {
        make_dirs(target.parent_path());
        const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        check(fd < 0 ? -1 : 0, "create " + target.string());
        ::close(fd);
    }
    check(::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr),
          "bind " + source.string());
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (writable ? 0 : MOUNT_ATTR_RDONLY);
    // mount_setattr (Linux 5.12) reaches the submounts too; before it, only the top mount.
    if (::syscall(SYS_mount_setattr, AT_FDCWD, target.c_str(), AT_RECURSIVE, &attr, sizeof attr) ==
        0) {
        return;
    }
    check(errno == ENOSYS ? 0 : -1, "mount_setattr " + target.string());
    const unsigned long flags =
        MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (writable ? 0 : MS_RDONLY);
    check(::mount(nullptr, target.c_str(), nullptr, flags, nullptr), "remount " + target.string());
}

/// /dev: a small tmpfs with the harmless device nodes and the usual symlinks.
void make_dev(const fs::path& dev) {
    make_dirs(dev);
    check(::mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k"),
          "mount /dev");
    for (const char* device : kDevices) {
        const fs::path host = fs::path("/dev") / device;
        if (fs::exists(host)) {
            const int fd = ::open((dev / device).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
            check(fd < 0 ? -1 : 0, "create /dev/" + std::string(device));
            ::close(fd);
            check(::mount(host.c_str(), (dev / device).c_str(), nullptr, MS_BIND, nullptr),
                  "bind " + host.string());
        }
    }
    const std::array<std::pair<const char*, const char*>, 4> links = {
        {{"fd", "/proc/self/fd"},
         {"stdin", "/proc/self/fd/0"},
         {"stdout", "/proc/self/fd/1"},
         {"stderr", "/proc/self/fd/2"}}};
    for (const auto& [name, target] : links) {
        check(::symlink(target, (dev / name).c_str()), std::string("symlink /dev/") + name);
    }
}

/// Builds the root on `config.root`, pivots into it and enters the working directory.
void build_root(const Config& config) {
    // Nothing mounted here may propagate back to the server's namespace.
    check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
    const fs::path root = config.root;
    check(::mount("tmpfs", root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m"),
          "mount the root tmpfs on " + root.string());
    for (const char* name : kSystemDirs) {
        const fs::path host = fs::path("/") / name;
        struct stat info {};
        if (::lstat(host.c_str(), &info) != 0) {
            continue;  // e.g. no /lib32 on this host
        }
        if (S_ISLNK(info.st_mode)) {
            const fs::path target = fs::read_symlink(host);
            check(::symlink(target.c_str(), (root / name).c_str()), "symlink " + host.string());
        } else if (S_ISDIR(info.st_mode)) {
            bind_mount(host, root / name, /*writable=*/false);
        }
    }
    for (const auto& mount : config.mounts) {
        const fs::path target = root / fs::path(mount.target).relative_path();
        if (mount.source.empty()) {
            make_dirs(target);
        } else {
            bind_mount(mount.source, target, mount.writable);
        }
    }
    make_dirs(root / "proc");
    check(
        ::mount("proc", (root / "proc").c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
        "mount /proc");
    make_dev(root / "dev");

    // pivot_root(".", "."): the old root ends up under the new one and is detached at once.
    check(::chdir(root.c_str()), "chdir " + root.string());
    check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root");
    check(::umount2(".", MNT_DETACH), "detach the old root");
    check(::chdir("/"), "chdir /");
    check(::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr),
          "remount / read-only");
}

[[noreturn]] void report_failure(int error_fd, ChildStep step, int error) {
    const ChildFailure failure{step, error};
    [[maybe_unused]] const ssize_t n = ::write(error_fd, &failure, sizeof failure);
    ::_exit(kSetupFailed);
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (const auto& s : strings) {
        result.push_back(const_cast<char*>(s.c_str()));
    }
    result.push_back(nullptr);
    return result;
}

/// The runtime child: drops to the sandbox user and execs. Only system calls from here on.
[[noreturn]] void exec_runtime(
    const Config& config, char* const* argv, char* const* envp, int error_fd, int status_fd) {
    ::close(status_fd);
    if (::setgroups(0, nullptr) != 0 || ::setgid(config.gid) != 0 || ::setuid(config.uid) != 0) {
        report_failure(error_fd, ChildStep::kUser, errno);
    }
    // No setuid binary or file capability can give the function its privileges back.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        report_failure(error_fd, ChildStep::kUser, errno);
    }
    if (::chdir(config.cwd.c_str()) != 0) {
        report_failure(error_fd, ChildStep::kChdir, errno);
    }
    // Closed by a successful execve: the server's spawn() then stops waiting.
    if (::fcntl(error_fd, F_SETFD, FD_CLOEXEC) != 0) {
        report_failure(error_fd, ChildStep::kCloseFds, errno);
    }
    ::execve(argv[0], argv, envp);
    report_failure(error_fd, ChildStep::kExec, errno);
}

/// Reaps every process of the namespace until the runtime exits; returns its wait status.
int reap_until(pid_t runtime) {
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid == runtime) {
            return status;
        }
        if (pid < 0 && errno != EINTR) {
            return status;  // ECHILD: cannot happen while the runtime is ours
        }
    }
}

int parse_fd(const char* text) {
    try {
        return std::stoi(text);
    } catch (const std::exception&) {
        return -1;
    }
}

}  // namespace

const char* step_name(ChildStep step) {
    switch (step) {
        case ChildStep::kSetpgid:
            return "setpgid";
        case ChildStep::kPdeathsig:
            return "prctl(PR_SET_PDEATHSIG)";
        case ChildStep::kParentGone:
            return "parent exited";
        case ChildStep::kSignals:
            return "resetting signals";
        case ChildStep::kStdio:
            return "dup2";
        case ChildStep::kCloseFds:
            return "close_range";
        case ChildStep::kChdir:
            return "chdir";
        case ChildStep::kExec:
            return "execve";
        case ChildStep::kCgroup:
            return "joining the cgroup";
        case ChildStep::kRlimits:
            return "setrlimit";
        case ChildStep::kSandbox:
            return "building the sandbox";
        case ChildStep::kUser:
            return "switching to the sandbox user";
    }
    return "setup";
}

std::string encode_init_config(const ProcessSpec& runtime, const Namespaces& namespaces) {
    nlohmann::json mounts = nlohmann::json::array();
    for (const auto& mount : namespaces.mounts) {
        mounts.push_back(
            {{"source", mount.source}, {"target", mount.target}, {"writable", mount.writable}});
    }
    return nlohmann::json{{"argv", runtime.argv},
                          {"env", runtime.env},
                          {"cwd", runtime.cwd.string()},
                          {"root", namespaces.root.string()},
                          {"mounts", std::move(mounts)},
                          {"uid", namespaces.uid},
                          {"gid", namespaces.gid}}
        .dump();
}

int run_sandbox_init(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: lambdahost %s CONFIG-FD ERROR-FD STATUS-FD\n", argv[1]);
        return kUsageError;
    }
    const int config_fd = parse_fd(argv[2]);
    const int error_fd = parse_fd(argv[3]);
    const int status_fd = parse_fd(argv[4]);
    if (config_fd < 0 || error_fd < 0 || status_fd < 0) {
        std::fprintf(stderr, "lambdahost %s: invalid descriptor\n", argv[1]);
        return kUsageError;
    }
    Config config;
    try {
        config = read_config(config_fd);
        build_root(config);
    } catch (const SetupError& e) {
        std::fprintf(stderr, "lambdahost sandbox: %s\n", e.what());
        report_failure(error_fd, ChildStep::kSandbox, e.error);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambdahost sandbox: %s\n", e.what());
        report_failure(error_fd, ChildStep::kSandbox, EINVAL);
    }
    std::vector<char*> runtime_argv = pointers(config.argv);
    std::vector<char*> runtime_env = pointers(config.env);
    const pid_t runtime = ::fork();
    if (runtime < 0) {
        report_failure(error_fd, ChildStep::kSandbox, errno);
    }
    if (runtime == 0) {
        exec_runtime(config, runtime_argv.data(), runtime_env.data(), error_fd, status_fd);
    }
    ::close(error_fd);
    const int status = reap_until(runtime);
    [[maybe_unused]] const ssize_t n = ::write(status_fd, &status, sizeof status);
    // Our exit ends the namespace: the kernel kills whatever the runtime left behind.
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace lambdahost::sandbox
