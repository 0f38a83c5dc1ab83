// SPDX-License-Identifier: Apache-2.0
// LogStore: the per-function log files under the data dir,
//   <data-dir>/logs/<account>/<region>/<function>/<YYYY-MM-DD>.log
// rotated by size (<date>.log.1 is the newest rotated file, .log.<keep> the oldest).
// Threading: append() is thread-safe and never touches the disk: it queues the text for the one
// writer thread the store owns, so a slow disk cannot stall an invocation. The writer is woken
// only from sleep; while busy it writes a batch at most every kBatchWindow, so a steady stream
// of invocations costs one wakeup per batch, not one per invocation. It keeps the files it
// writes open (no open/stat/close per batch). The destructor writes everything queued, then
// joins the writer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/time.hpp"

namespace lambdahost::logs {

/// Whose log a text belongs to (a function's logs span all its versions, like a log group).
struct LogScope {
    std::string account;
    std::string region;
    std::string function_name;
};

struct LogStoreOptions {
    std::uintmax_t max_file_bytes = 10 * 1024 * 1024;  // rotate a day's file beyond this size
    int keep_rotated = 5;  // rotated files kept per day; older ones are deleted
    std::size_t max_queued_bytes = 64 * 1024 * 1024;  // beyond this append() drops (counted)
};

/// The log files of one function directory, oldest first: dates ascending, within a date
/// .log.<keep> … .log.1 then .log. Empty when the directory does not exist.
std::vector<std::filesystem::path> log_files(const std::filesystem::path& function_dir);

/// Where one function's log files live: <data-dir>/logs/<account>/<region>/<function>.
std::filesystem::path function_log_dir(const std::filesystem::path& data_dir,
                                       const LogScope& scope);

class LogStore {
public:
    explicit LogStore(std::filesystem::path data_dir, LogStoreOptions options = {});
    ~LogStore();
    LogStore(const LogStore&) = delete;
    LogStore& operator=(const LogStore&) = delete;

    /// Queues `text` (already formatted lines, each ending in '\n') for the file of `when`'s UTC
    /// date. Never blocks on I/O; if the queue is over max_queued_bytes the text is dropped and
    /// counted in dropped_bytes().
    void append(const LogScope& scope,
                std::string text,
                util::SystemTime when = std::chrono::system_clock::now());

    /// Blocks until everything appended before the call is on disk (tests, shutdown, `logs`).
    void flush();

    /// Bytes dropped because the writer fell behind.
    std::uint64_t dropped_bytes() const;

    /// <data-dir>/logs/<account>/<region>/<function>
    std::filesystem::path function_dir(const LogScope& scope) const;

    /// Every log file of one function directory concatenated oldest first (see log_files()).
    /// Empty when the directory does not exist.
    static std::string read_all(const std::filesystem::path& function_dir);

private:
    /// Which file an entry goes to: the function directory relative to <data-dir>/logs
    /// ("<account>/<region>/<function>") and the UTC day. The path is built by the writer only
    /// when it opens a file: append() is on the invoke path.
    struct FileKey {
        std::string function_dir;
        std::chrono::sys_days day;
        bool operator==(const FileKey&) const = default;
        auto operator<=>(const FileKey&) const = default;
    };
    struct Entry {
        FileKey file;
        std::string text;
    };
    /// A log file the writer keeps open, and its size (for rotation).
    struct OpenFile {
        int fd;
        std::uintmax_t size;
    };
    /// Log lines become visible at most this long after append() while the writer is busy.
    static constexpr std::chrono::milliseconds kBatchWindow{20};
    /// A batch this large is written without waiting for the window to end.
    static constexpr std::size_t kEarlyBatchBytes = 1024 * 1024;
    /// More files than this (many functions logging at once) and all are closed and reopened.
    static constexpr std::size_t kMaxOpenFiles = 64;

    void run();
    void write_batch(std::deque<Entry>& batch);
    void write_one(const FileKey& file, const std::string& text);
    void rotate(const std::filesystem::path& file);
    std::filesystem::path file_path(const FileKey& file) const;
    /// Writer thread only.
    OpenFile* open_file(const FileKey& file);
    void close_files();

    std::filesystem::path data_dir_;
    LogStoreOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_writer_;
    std::condition_variable written_;
    std::deque<Entry> queue_;
    std::size_t queued_bytes_ = 0;
    std::uint64_t enqueued_ = 0;  // entries ever queued
    std::uint64_t done_ = 0;      // entries written (or failed) by the writer
    std::uint64_t dropped_bytes_ = 0;
    bool dropping_ = false;  // the last append was dropped (warned once per episode)
    bool stopping_ = false;
    bool writer_asleep_ = false;              // waiting for work: append() must wake it
    unsigned flush_waiters_ = 0;              // flush() callers waiting: no batch window
    std::map<FileKey, OpenFile> open_files_;  // writer thread only
    std::thread writer_;                      // last: started once the members above exist
};

}  // namespace lambdahost::logs
