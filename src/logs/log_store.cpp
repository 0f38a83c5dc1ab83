// SPDX-License-Identifier: Apache-2.0
#include "logs/log_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/utc_date.hpp"

namespace lambdahost::logs {
namespace fs = std::filesystem;

namespace {

fs::path rotated_name(const fs::path& file, int index) {
    return fs::path(file.string() + "." + std::to_string(index));
}

/// "<account>/<region>/<function>": a function's log directory below <data-dir>/logs.
std::string function_key(const LogScope& scope) {
    std::string key;
    key.reserve(scope.account.size() + scope.region.size() + scope.function_name.size() + 2);
    key.append(scope.account)
        .append(1, '/')
        .append(scope.region)
        .append(1, '/')
        .append(scope.function_name);
    return key;
}

}  // namespace

LogStore::LogStore(fs::path data_dir, LogStoreOptions options)
    : data_dir_(std::move(data_dir)), options_(options), writer_([this] { run(); }) {}

LogStore::~LogStore() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_writer_.notify_one();
    writer_.join();
}

fs::path function_log_dir(const fs::path& data_dir, const LogScope& scope) {
    return data_dir / "logs" / function_key(scope);
}

fs::path LogStore::function_dir(const LogScope& scope) const {
    return function_log_dir(data_dir_, scope);
}

void LogStore::append(const LogScope& scope, std::string text, util::SystemTime when) {
    if (text.empty()) {
        return;
    }
    Entry entry{{function_key(scope), std::chrono::floor<std::chrono::days>(when)},
                std::move(text)};
    {
        std::unique_lock lock(mutex_);
        if (queued_bytes_ + entry.text.size() > options_.max_queued_bytes) {
            dropped_bytes_ += entry.text.size();
            // Warn once per overflow episode, not once per dropped line.
            const bool first_drop = !dropping_;
            dropping_ = true;
            lock.unlock();
            if (first_drop) {
                spdlog::warn(
                    "logs: {} bytes of function output waiting for the disk; dropping "
                    "further output until it catches up",
                    options_.max_queued_bytes);
            }
            return;
        }
        dropping_ = false;
        queued_bytes_ += entry.text.size();
        queue_.push_back(std::move(entry));
        ++enqueued_;
        if (!writer_asleep_ && queued_bytes_ < kEarlyBatchBytes) {
            return;  // the writer is busy or between batches: it takes this with the next one
        }
    }
    wake_writer_.notify_one();
}

void LogStore::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = enqueued_;
    ++flush_waiters_;
    wake_writer_.notify_one();
    written_.wait(lock, [&] { return done_ >= target; });
    --flush_waiters_;
}

std::uint64_t LogStore::dropped_bytes() const {
    std::lock_guard lock(mutex_);
    return dropped_bytes_;
}

void LogStore::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        writer_asleep_ = true;
        wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        writer_asleep_ = false;
        if (queue_.empty()) {
            close_files();
            return;  // stopping, and everything queued is written
        }
        // Busy: batches follow each other at most kBatchWindow apart, and append() does not
        // wake the writer meanwhile (one wakeup per batch, not one per invocation). flush()
        // and stopping cut the window short.
        do {
            std::deque<Entry> batch;
            batch.swap(queue_);
            queued_bytes_ = 0;
            lock.unlock();
            write_batch(batch);
            lock.lock();
            done_ += batch.size();
            written_.notify_all();
            wake_writer_.wait_for(lock, kBatchWindow, [&] {
                return stopping_ || flush_waiters_ > 0 || queued_bytes_ >= kEarlyBatchBytes;
            });
        } while (!queue_.empty());
    }
}

void LogStore::write_batch(std::deque<Entry>& batch) {
    // Consecutive entries for one file (the usual case: one invocation's lines) become one write.
    for (auto it = batch.begin(); it != batch.end();) {
        std::string text = std::move(it->text);
        auto next = std::next(it);
        for (; next != batch.end() && next->file == it->file; ++next) {
            text += next->text;
        }
        write_one(it->file, text);
        it = next;
    }
}

fs::path LogStore::file_path(const FileKey& file) const {
    return data_dir_ / "logs" / file.function_dir /
           (utc_date(util::SystemTime(file.day), '-') + ".log");
}

LogStore::OpenFile* LogStore::open_file(const FileKey& key) {
    if (const auto it = open_files_.find(key); it != open_files_.end()) {
        return &it->second;
    }
    if (open_files_.size() >= kMaxOpenFiles) {
        close_files();
    }
    const fs::path file = file_path(key);
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    if (error) {
        spdlog::warn("logs: cannot create {}: {}", file.parent_path().string(), error.message());
        return nullptr;
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        spdlog::warn("logs: cannot open {}: {}", file.string(), std::strerror(errno));
        return nullptr;
    }
    struct stat status {};
    const std::uintmax_t size =
        ::fstat(fd, &status) == 0 ? static_cast<std::uintmax_t>(status.st_size) : 0;
    return &open_files_.emplace(key, OpenFile{fd, size}).first->second;
}

void LogStore::close_files() {
    for (const auto& [path, open] : open_files_) {
        ::close(open.fd);
    }
    open_files_.clear();
}

void LogStore::write_one(const FileKey& file, const std::string& text) {
    OpenFile* open = open_file(file);
    if (open != nullptr && open->size > 0 && open->size + text.size() > options_.max_file_bytes) {
        ::close(open->fd);
        open_files_.erase(file);
        rotate(file_path(file));
        open = open_file(file);
    }
    if (open == nullptr) {
        return;
    }
    for (std::size_t offset = 0; offset < text.size();) {
        const ssize_t n = ::write(open->fd, text.data() + offset, text.size() - offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            spdlog::warn(
                "logs: cannot write {}: {}", file_path(file).string(), std::strerror(errno));
            break;
        }
        offset += static_cast<std::size_t>(n);
        open->size += static_cast<std::uintmax_t>(n);
    }
}

void LogStore::rotate(const fs::path& file) {
    // <date>.log.<keep> falls off; every other file moves one up; <date>.log becomes .log.1.
    std::error_code error;
    fs::remove(rotated_name(file, options_.keep_rotated), error);
    for (int index = options_.keep_rotated - 1; index >= 1; --index) {
        fs::rename(rotated_name(file, index), rotated_name(file, index + 1), error);
    }
    if (options_.keep_rotated > 0) {
        fs::rename(file, rotated_name(file, 1), error);
    } else {
        fs::remove(file, error);
    }
}

std::vector<fs::path> log_files(const fs::path& function_dir) {
    // Order key: (date file name, age) where age 0 is <date>.log and larger means older.
    struct LogFile {
        std::string base;
        int age;
        fs::path path;
    };
    std::vector<LogFile> files;
    std::error_code error;
    for (const auto& item : fs::directory_iterator(function_dir, error)) {
        const std::string name = item.path().filename().string();
        const auto log_at = name.find(".log");
        if (log_at == std::string::npos) {
            continue;
        }
        const std::string suffix = name.substr(log_at + 4);
        int age = 0;
        if (!suffix.empty()) {
            if (suffix.size() < 2 || suffix.size() > 6 || suffix[0] != '.' ||
                !std::all_of(suffix.begin() + 1, suffix.end(), [](char c) {
                    return c >= '0' && c <= '9';
                })) {
                continue;
            }
            age = std::stoi(suffix.substr(1));
        }
        files.push_back({name.substr(0, log_at), age, item.path()});
    }
    std::sort(files.begin(), files.end(), [](const LogFile& a, const LogFile& b) {
        return a.base != b.base ? a.base < b.base : a.age > b.age;
    });
    std::vector<fs::path> paths;
    paths.reserve(files.size());
    for (auto& file : files) {
        paths.push_back(std::move(file.path));
    }
    return paths;
}

std::string LogStore::read_all(const fs::path& function_dir) {
    std::string out;
    for (const auto& file : log_files(function_dir)) {
        std::ifstream in(file, std::ios::binary);
        out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}

}  // namespace lambdahost::logs
