// SPDX-License-Identifier: Apache-2.0
#include "logs/log_follower.hpp"

#include <array>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/log_store.hpp"

namespace lambdahost::logs {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

bool same_file(int fd, const fs::path& path) {
    struct stat held {};
    struct stat named {};
    return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

LogFollower::LogFollower(fs::path function_dir) : dir_(std::move(function_dir)) {
    fs::create_directories(dir_);
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
        throw_errno("inotify_init1");
    }
    // Set up before the first read, so nothing written after that read goes unnoticed.
    // IN_MODIFY covers appends, IN_CREATE/IN_MOVED_TO a new day's file and a rotation.
    if (::inotify_add_watch(inotify_fd_, dir_.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
        const int error = errno;
        ::close(inotify_fd_);
        throw std::system_error(
            error, std::generic_category(), "inotify_add_watch " + dir_.string());
    }
}

LogFollower::~LogFollower() {
    for (const int fd : {inotify_fd_, current_fd_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

std::string LogFollower::read_new() {
    std::string out;
    std::vector<fs::path> files = log_files(dir_);
    if (!started_) {
        started_ = true;
        if (files.empty()) {
            return out;
        }
        // Older files are complete: read them whole, and hold the newest one open.
        for (std::size_t i = 0; i + 1 < files.size(); ++i) {
            std::ifstream in(files[i], std::ios::binary);
            out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        open_current(files.back(), out);
        return out;
    }
    read_current(out);
    // A newer file than the one held (rotation, a new day) means the held one is complete:
    // read what was appended to it meanwhile, then move on. Repeats while files keep changing.
    while (!files.empty() && (current_fd_ < 0 || !same_file(current_fd_, files.back()))) {
        read_current(out);
        if (!open_current(files.back(), out)) {
            break;  // renamed or removed since the listing: the next event brings us back
        }
        files = log_files(dir_);
    }
    return out;
}

bool LogFollower::wait(std::chrono::milliseconds timeout) {
    pollfd item{inotify_fd_, POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&item, 1, timeout.count() < 0 ? -1 : static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        throw_errno("poll inotify");
    }
    if (ready == 0) {
        return false;
    }
    // The events only say "look again"; read_new() works out what changed. Drain them all.
    alignas(inotify_event) std::array<char, 4096> events;
    while (::read(inotify_fd_, events.data(), events.size()) > 0) {
    }
    return true;
}

bool LogFollower::open_current(const fs::path& file, std::string& out) {
    if (current_fd_ >= 0) {
        ::close(current_fd_);
    }
    current_fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    read_current(out);
    return current_fd_ >= 0;
}

void LogFollower::read_current(std::string& out) {
    if (current_fd_ < 0) {
        return;
    }
    std::array<char, 64 * 1024> buffer;
    for (;;) {
        const ssize_t n = ::read(current_fd_, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        out.append(buffer.data(), static_cast<std::size_t>(n));
    }
}

}  // namespace lambdahost::logs
