// SPDX-License-Identifier: Apache-2.0
// LogFollower: reads one function's log files (LogStore's layout) and then what is appended to
// them, for `lambdahost logs FUNCTION [--follow]`. It waits on inotify, never polls with sleeps,
// and follows a size rotation or a new day's file by holding the newest file open: once a newer
// file appears, the one it holds is complete and is read to its end first. Like `tail -F`, a
// file that is both created and rotated away between two reads is missed.
// Threading: one thread at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace lambdahost::logs {

class LogFollower {
public:
    /// Watches `function_dir`, creating it when missing so that a function that has not logged
    /// yet can be followed. Throws std::system_error when inotify cannot be set up.
    explicit LogFollower(std::filesystem::path function_dir);
    ~LogFollower();
    LogFollower(const LogFollower&) = delete;
    LogFollower& operator=(const LogFollower&) = delete;

    /// What was written since the last call; the first call returns every file, oldest first.
    std::string read_new();

    /// Blocks until the directory changes (read_new() may then have more) or `timeout` passes:
    /// false on timeout. A negative timeout waits without limit.
    bool wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1));

private:
    /// Holds `file` instead of the current one and reads it; false when it cannot be opened.
    bool open_current(const std::filesystem::path& file, std::string& out);
    void read_current(std::string& out);

    std::filesystem::path dir_;
    int inotify_fd_ = -1;
    int current_fd_ = -1;  // the newest file, read up to its end so far
    bool started_ = false;
};

}  // namespace lambdahost::logs
