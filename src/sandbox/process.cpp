// SPDX-License-Identifier: Apache-2.0
#include "sandbox/process.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/fd.hpp"
#include "sandbox/init.hpp"

namespace lambdahost::sandbox {
namespace {

// Pids of the unreaped children of live Process objects; reap_orphans() must leave them to
// their owner. A multiset: the kernel may hand a pid just reaped by one Process to the next
// spawn before the first owner has unregistered it, and each owner removes only its own entry.
std::mutex registry_mutex;
std::unordered_multiset<pid_t> registry;
// Spawns hold it shared from clone() until the pid is registered, reap_orphans() exclusively,
// so a child that fails execve and exits at once is never taken for an orphan.
std::shared_mutex spawn_gate;

void register_pid(pid_t pid) {
    std::lock_guard lock(registry_mutex);
    registry.insert(pid);
}

void unregister_pid(pid_t pid) {
    std::lock_guard lock(registry_mutex);
    if (const auto it = registry.find(pid); it != registry.end()) {
        registry.erase(it);
    }
}

bool is_registered(pid_t pid) {
    std::lock_guard lock(registry_mutex);
    return registry.count(pid) != 0;
}

[[noreturn]] void throw_errno(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), what);
}

// Moves a new descriptor above 0..2 so that the child's dup2() onto stdin/stdout/stderr can
// never overwrite another descriptor it still needs (possible when the server closed its stdio).
int above_stdio(int fd) {
    if (fd > 2) {
        return fd;
    }
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int error = errno;
    ::close(fd);
    if (moved < 0) {
        throw_errno(error, "fcntl(F_DUPFD_CLOEXEC)");
    }
    return moved;
}

std::pair<Fd, Fd> make_pipe(int flags = 0) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC | flags) != 0) {
        throw_errno(errno, "pipe2");
    }
    Fd read_end(fds[0]);
    Fd write_end(fds[1]);
    Fd read_moved(above_stdio(read_end.release()));
    Fd write_moved(above_stdio(write_end.release()));
    return {std::move(read_moved), std::move(write_moved)};
}

// Everything the child needs, prepared by the parent before clone(): the child allocates nothing.
struct ChildArgs {
    const char* path;
    char* const* argv;
    char* const* envp;
    const char* cwd;
    int stdin_fd;
    int output_fd;
    int error_fd;
    const sigset_t* empty_mask;
    const int* cgroup_procs;
    std::size_t cgroup_count;
    const ResourceLimit* rlimits;
    std::size_t rlimit_count;
    const int* inherit_fds;  // stay open across execve (the init's descriptors)
    std::size_t inherit_count;
};

[[noreturn]] void child_fail(const ChildArgs& args, ChildStep step) {
    const ChildFailure failure{step, errno};
    // Nothing useful can be done if this write fails: the parent then sees exit status 127.
    [[maybe_unused]] const ssize_t n = ::write(args.error_fd, &failure, sizeof failure);
    ::_exit(127);
}

// SAFETY: runs in the clone(CLONE_VM | CLONE_VFORK) child on its own stack while the parent
// thread is suspended and its memory shared: only async-signal-safe calls, no allocation, no
// locks, no C++ exceptions, and no writes to memory the parent reads afterwards (errno is
// thread-local to the suspended parent thread; the parent never relies on it across clone).
int child_main(void* raw) {
    const auto& args = *static_cast<const ChildArgs*>(raw);
    if (::setpgid(0, 0) != 0) {
        child_fail(args, ChildStep::kSetpgid);
    }
    // Joined before anything runs: the runtime never executes outside its limits.
    for (std::size_t i = 0; i < args.cgroup_count; ++i) {
        if (::write(args.cgroup_procs[i], "0", 1) != 1) {
            child_fail(args, ChildStep::kCgroup);
        }
    }
    for (std::size_t i = 0; i < args.rlimit_count; ++i) {
        const rlimit limit{static_cast<rlim_t>(args.rlimits[i].soft),
                           static_cast<rlim_t>(args.rlimits[i].hard)};
        if (::setrlimit(static_cast<__rlimit_resource_t>(args.rlimits[i].resource), &limit) != 0) {
            child_fail(args, ChildStep::kRlimits);
        }
    }
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        child_fail(args, ChildStep::kPdeathsig);
    }
    // The parent may have died before PR_SET_PDEATHSIG took effect: then nobody kills us. Only
    // the parent holds the error pipe's read end, so the write end reports POLLERR once it is
    // gone (getppid() cannot tell: it is 0 in a new pid namespace).
    pollfd error_pipe{args.error_fd, 0, 0};
    if (::poll(&error_pipe, 1, 0) > 0 && (error_pipe.revents & POLLERR) != 0) {
        errno = ESRCH;
        child_fail(args, ChildStep::kParentGone);
    }
    // Handlers would run server code in this half-made process, and SIG_IGN survives execve:
    // every disposition back to default, then the mask (all blocked by the parent) emptied.
    for (int signal = 1; signal < NSIG; ++signal) {
        if (signal == SIGKILL || signal == SIGSTOP) {
            continue;
        }
        struct sigaction action {};
        action.sa_handler = SIG_DFL;
        // glibc-reserved real-time signals reject this with EINVAL: harmless, skip them.
        ::sigaction(signal, &action, nullptr);
    }
    if (::sigprocmask(SIG_SETMASK, args.empty_mask, nullptr) != 0) {
        child_fail(args, ChildStep::kSignals);
    }
    // The descriptors are all above 2 (above_stdio), so dup2 always copies and clears CLOEXEC.
    if (::dup2(args.stdin_fd, STDIN_FILENO) < 0 || ::dup2(args.output_fd, STDOUT_FILENO) < 0 ||
        ::dup2(args.output_fd, STDERR_FILENO) < 0) {
        child_fail(args, ChildStep::kStdio);
    }
    // Asio opens sockets without CLOEXEC: without this every runtime would inherit the server's
    // listeners and connections (other environments' Runtime API sockets among them). Marking
    // them CLOEXEC rather than closing them keeps the error pipe open until execve succeeds.
    // The child's descriptor table is its own copy (no CLONE_FILES), so the parent is unaffected.
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        child_fail(args, ChildStep::kCloseFds);
    }
    for (std::size_t i = 0; i < args.inherit_count; ++i) {
        if (::fcntl(args.inherit_fds[i], F_SETFD, 0) != 0) {
            child_fail(args, ChildStep::kCloseFds);
        }
    }
    if (::chdir(args.cwd) != 0) {
        child_fail(args, ChildStep::kChdir);
    }
    ::execve(args.path, args.argv, args.envp);
    child_fail(args, ChildStep::kExec);
}

std::vector<char*> to_pointers(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const auto& s : strings) {
        pointers.push_back(const_cast<char*>(s.c_str()));
    }
    pointers.push_back(nullptr);
    return pointers;
}

// Blocks every signal in the calling thread for the scope: no handler may run in the child
// that shares this thread's memory and stack-adjacent state (the posix_spawn technique).
class AllSignalsBlocked {
public:
    AllSignalsBlocked() {
        sigset_t all;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
    }
    ~AllSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    AllSignalsBlocked(const AllSignalsBlocked&) = delete;
    AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

private:
    sigset_t saved_{};
};

constexpr std::size_t kChildStackBytes = 64 * 1024;

// Waits for `pid` to exit and reaps it, discarding the status.
void reap_blocking(pid_t pid) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

Process Process::spawn(const ProcessSpec& spec, const Confinement& confinement) {
    if (spec.argv.empty()) {
        throw_errno(EINVAL, "spawn: empty argv");
    }
    const std::string& program = spec.argv.front();
    const std::string cwd = spec.cwd.string();

    Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (dev_null.get() < 0) {
        throw_errno(errno, "open /dev/null");
    }
    dev_null = Fd(above_stdio(dev_null.release()));
    auto [output_read, output_write] = make_pipe();
    auto [error_read, error_write] = make_pipe();

    // Under namespaces the child execs the init, which gets the runtime's spec in a memfd and
    // reports the runtime's wait status on a pipe of its own.
    std::vector<std::string> init_argv;
    Fd config;
    Fd status_read;
    Fd status_write;
    int clone_flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD;
    if (const auto& namespaces = confinement.namespaces) {
        const int memfd = ::memfd_create("lambdahost-init", MFD_CLOEXEC);
        if (memfd < 0) {
            throw_errno(errno, "cannot start " + program + ": memfd_create");
        }
        config = Fd(above_stdio(memfd));
        const std::string text = encode_init_config(spec, *namespaces);
        if (::write(config.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            throw_errno(errno, "cannot start " + program + ": writing the sandbox config");
        }
        std::tie(status_read, status_write) = make_pipe(O_NONBLOCK);
        init_argv = {namespaces->init_program.string(),
                     std::string(kInitCommand),
                     std::to_string(config.get()),
                     std::to_string(error_write.get()),
                     std::to_string(status_write.get())};
        clone_flags |= CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC;
    }
    const std::vector<std::string> no_env;
    const bool init = confinement.namespaces.has_value();
    std::vector<char*> argv = to_pointers(init ? init_argv : spec.argv);
    std::vector<char*> envp = to_pointers(init ? no_env : spec.env);
    const std::array<int, 3> inherit{config.get(), error_write.get(), status_write.get()};

    // The child's stack: the parent is suspended until execve or _exit (CLONE_VFORK), so this
    // only has to outlive the clone() call below.
    auto stack = std::make_unique<unsigned char[]>(kChildStackBytes);
    sigset_t empty_mask;
    ::sigemptyset(&empty_mask);
    const ChildArgs args{argv.front(),
                         argv.data(),
                         envp.data(),
                         init ? "/" : cwd.c_str(),
                         dev_null.get(),
                         output_write.get(),
                         error_write.get(),
                         &empty_mask,
                         confinement.cgroup_procs.data(),
                         confinement.cgroup_procs.size(),
                         confinement.rlimits.data(),
                         confinement.rlimits.size(),
                         inherit.data(),
                         init ? inherit.size() : 0};

    int pidfd = -1;
    pid_t pid;
    std::shared_lock gate(spawn_gate);
    {
        AllSignalsBlocked blocked;
        // SAFETY: CLONE_VM shares our memory with a child that runs child_main() on the
        // separately allocated stack (its top, 16-byte aligned: the stack grows down on every
        // Linux architecture we build for) and whose every step is async-signal-safe;
        // CLONE_VFORK suspends this thread until the child has exec'd or exited, so nothing
        // it references (args, argv, envp, stack) can be freed under it. CLONE_PIDFD gives a
        // race-free handle; SIGCHLD makes it an ordinary child for waitpid(). New namespaces
        // belong to the child alone (no CLONE_FS, CLONE_THREAD or CLONE_SIGHAND).
        pid = ::clone(child_main,
                      stack.get() + kChildStackBytes,
                      clone_flags,
                      const_cast<ChildArgs*>(&args),
                      &pidfd);
    }
    if (pid < 0) {
        throw_errno(errno, "cannot start " + program + ": clone");
    }
    register_pid(pid);
    gate.unlock();
    Process process(pid, pidfd, output_read.release(), status_read.release());

    // Only the child (and the init's runtime until its execve) may hold the write end now.
    error_write.reset();
    status_write.reset();
    config.reset();
    ChildFailure failure{};
    ssize_t n;
    do {
        n = ::read(error_read.get(), &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        process.kill_group();  // an init whose runtime failed to exec is of no further use
        process.try_reap();    // the child has _exit()ed already; keep no zombie
        std::string what = "cannot start " + program + ": " + step_name(failure.step);
        if (failure.step == ChildStep::kChdir) {
            what += " " + cwd;
        }
        throw_errno(failure.error, what);  // ~Process reaps if it has not been reaped yet
    }
    return process;
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      output_fd_(std::exchange(other.output_fd_, -1)),
      status_fd_(std::exchange(other.status_fd_, -1)),
      status_(std::exchange(other.status_, std::nullopt)) {}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        release();
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::exchange(other.pidfd_, -1);
        output_fd_ = std::exchange(other.output_fd_, -1);
        status_fd_ = std::exchange(other.status_fd_, -1);
        status_ = std::exchange(other.status_, std::nullopt);
    }
    return *this;
}

Process::~Process() {
    release();
}

void Process::release() {
    if (pid_ > 0 && !status_) {
        kill_group();
        ::kill(pid_, SIGKILL);  // in case the runtime left its group
        reap_blocking(pid_);
        unregister_pid(pid_);  // reaped now; once reaped, try_reap() has unregistered it
    }
    for (int* fd : {&pidfd_, &output_fd_, &status_fd_}) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
    pid_ = -1;
}

int Process::release_output() {
    return std::exchange(output_fd_, -1);
}

void Process::kill_group() {
    if (pid_ <= 0 || status_) {
        return;
    }
    // ESRCH: the group is already empty. Nothing else can fail for our own children.
    ::kill(-pid_, SIGKILL);
}

std::optional<int> Process::try_reap() {
    if (status_ || pid_ <= 0) {
        return status_;
    }
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_) {
        return std::nullopt;  // still running
    }
    // The exited leader still pins its pid, so -pid_ is still our group: clear out stragglers.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        // A sandbox init reports how the runtime ended before it exits itself (it cannot die
        // of the runtime's signal: pid 1 ignores its own); a killed init reports nothing.
        int runtime_status = 0;
        if (status_fd_ >= 0 && ::read(status_fd_, &runtime_status, sizeof runtime_status) ==
                                   static_cast<ssize_t>(sizeof runtime_status)) {
            status = runtime_status;
        }
        status_ = status;
        unregister_pid(pid_);  // the pid is free for reuse from here on
    }
    return status_;
}

void become_subreaper() {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        throw_errno(errno, "prctl(PR_SET_CHILD_SUBREAPER)");
    }
}

namespace {

// Reaps `pid` unless a Process owns it.
void reap_if_orphan(pid_t pid) {
    if (!is_registered(pid)) {
        int status = 0;
        ::waitpid(pid, &status, WNOHANG);
    }
}

// Our zombie children, read from /proc/<pid>/stat ("pid (comm) state ppid ..."). Only used when
// an owned zombie hides the others from waitid(P_ALL).
std::vector<pid_t> zombie_children() {
    std::vector<pid_t> zombies;
    const pid_t self = ::getpid();
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    if (!proc) {
        return zombies;
    }
    while (const dirent* entry = ::readdir(proc.get())) {
        const std::string_view name = entry->d_name;
        if (name.empty() || name.find_first_not_of("0123456789") != std::string_view::npos) {
            continue;
        }
        std::ifstream stat_file("/proc/" + std::string(name) + "/stat");
        std::string stat;
        std::getline(stat_file, stat);
        const auto close_paren = stat.rfind(')');
        if (close_paren == std::string::npos || close_paren + 4 >= stat.size()) {
            continue;
        }
        const char state = stat[close_paren + 2];
        const pid_t parent = static_cast<pid_t>(std::atol(stat.c_str() + close_paren + 4));
        if (state == 'Z' && parent == self) {
            zombies.push_back(static_cast<pid_t>(std::atol(std::string(name).c_str())));
        }
    }
    return zombies;
}

}  // namespace

void reap_orphans() {
    std::unique_lock gate(spawn_gate);
    for (;;) {
        siginfo_t info{};
        // Peek without reaping: the first exited child may belong to a Process.
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
            return;  // no children, or none exited
        }
        if (is_registered(info.si_pid)) {
            // waitid(P_ALL) would show this one again and hide any zombie behind it.
            for (const pid_t zombie : zombie_children()) {
                reap_if_orphan(zombie);
            }
            return;
        }
        reap_if_orphan(info.si_pid);
    }
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (!WIFSIGNALED(status)) {
        return "wait status " + std::to_string(status);
    }
    // Go's names for Linux signals (syscall.signals), which AWS's Runtime.ExitError quotes.
    static constexpr std::array<std::string_view, 32> kNames = {
        "",
        "hangup",
        "interrupt",
        "quit",
        "illegal instruction",
        "trace/breakpoint trap",
        "aborted",
        "bus error",
        "floating point exception",
        "killed",
        "user defined signal 1",
        "segmentation fault",
        "user defined signal 2",
        "broken pipe",
        "alarm clock",
        "terminated",
        "stack fault",
        "child exited",
        "continued",
        "stopped (signal)",
        "stopped",
        "stopped (tty input)",
        "stopped (tty output)",
        "urgent I/O condition",
        "CPU time limit exceeded",
        "file size limit exceeded",
        "virtual timer expired",
        "profiling timer expired",
        "window changed",
        "I/O possible",
        "power failure",
        "bad system call",
    };
    const int signal = WTERMSIG(status);
    std::string text = signal > 0 && signal < static_cast<int>(kNames.size())
                           ? "signal: " + std::string(kNames[static_cast<std::size_t>(signal)])
                           : "signal: signal " + std::to_string(signal);  // Go's fallback
    if (WCOREDUMP(status)) {
        text += " (core dumped)";
    }
    return text;
}

}  // namespace lambdahost::sandbox
