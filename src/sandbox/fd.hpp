// SPDX-License-Identifier: Apache-2.0
// Fd: an owned file descriptor, closed on scope exit unless released. Shared by the sandbox's
// spawning, cgroup and init code. Not thread-safe (one owner).
#pragma once

#include <utility>

#include <unistd.h>

namespace lambdahost::sandbox {

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.release();
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

private:
    int fd_;
};

}  // namespace lambdahost::sandbox
