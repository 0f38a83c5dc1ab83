// SPDX-License-Identifier: Apache-2.0
// CodeStore on libarchive. put() reads the whole zip from memory and decompresses every entry
// (the unzipped limit is enforced on real bytes, so a zip bomb with lying headers is caught while
// reading), checks every entry name and symlink target, then writes <hex>.zip durably (temp file,
// fsync, rename, fsync of the directory). extract() unpacks once per digest into a temp dir with
// archive_write_disk and renames it into place. Threading: any thread; concurrent extract() calls
// of one digest are serialised by `extracting_`, different digests extract in parallel.
#include "store/code_store.hpp"

#include <cerrno>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/aws_error.hpp"
#include "util/crypto.hpp"
#include "util/ids.hpp"

namespace lambdahost::store {
namespace fs = std::filesystem;
namespace {

// AWS: the texts of a refused package (facts §3.1).
constexpr std::string_view kCouldNotUnzip =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

constexpr std::string_view kTempMarker = ".tmp-";
constexpr std::size_t kReadBlockSize = 64 * 1024;
// Symlink hops allowed while resolving one target (Linux's own limit, MAXSYMLINKS).
constexpr int kMaxSymlinkHops = 40;

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriteArchive = std::unique_ptr<archive, decltype(&archive_write_free)>;

model::AwsError could_not_unzip() {
    return model::errors::invalid_parameter(std::string(kCouldNotUnzip));
}

[[noreturn]] void throw_errno(std::string_view what, const fs::path& path) {
    throw std::system_error(
        errno, std::system_category(), fmt::format("{} {}", what, path.string()));
}

void check_digest(const std::string& sha256_hex) {
    const bool valid = sha256_hex.size() == 64 &&
                       sha256_hex.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!valid) {
        throw std::invalid_argument(fmt::format("not a SHA-256 hex digest: '{}'", sha256_hex));
    }
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        parts.emplace_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

std::string join_path(const std::vector<std::string>& parts) {
    return fmt::format("{}", fmt::join(parts, "/"));
}

// The components of a zip entry name relative to the code dir ("" and "." dropped), or nullopt
// when the name would land outside it: absolute, or any ".." component (even one that would
// cancel out: unzip tools disagree on those, so none are trusted).
std::optional<std::vector<std::string>> entry_components(const char* name) {
    if (name == nullptr || name[0] == '/') {
        return std::nullopt;
    }
    std::vector<std::string> parts;
    for (std::string& part : split_path(name)) {
        if (part == "..") {
            return std::nullopt;
        }
        if (!part.empty() && part != ".") {
            parts.push_back(std::move(part));
        }
    }
    return parts;
}

// Whether the symlink at `link` (a relative entry path) resolves inside the code dir, following
// the other symlinks of the same archive as the kernel would: a chain of links that are each
// harmless on their own ("a/up -> ..", "b -> a/up/..") can still escape.
bool symlink_stays_inside(const std::map<std::string, std::string>& symlinks,
                          const std::string& link) {
    const std::string& target = symlinks.at(link);
    if (target.starts_with('/')) {
        return false;
    }
    std::vector<std::string> resolved;
    std::vector<std::string> pending;  // components still to walk, the next one at the back
    auto push_front = [&pending](std::string_view path) {
        auto parts = split_path(path);
        pending.insert(pending.end(), parts.rbegin(), parts.rend());
    };
    push_front(target);
    auto parent = split_path(link);
    parent.pop_back();
    push_front(join_path(parent));
    int hops = 0;
    while (!pending.empty()) {
        std::string part = std::move(pending.back());
        pending.pop_back();
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == "..") {
            if (resolved.empty()) {
                return false;
            }
            resolved.pop_back();
            continue;
        }
        resolved.push_back(std::move(part));
        const auto next = symlinks.find(join_path(resolved));
        if (next == symlinks.end()) {
            continue;
        }
        if (++hops > kMaxSymlinkHops || next->second.starts_with('/')) {
            return false;
        }
        resolved.pop_back();
        push_front(next->second);
    }
    return true;
}

// Reads every entry of `zip` and returns the total decompressed size; throws the AWS refusals.
std::uint64_t validate(std::string_view zip, std::uint64_t unzipped_limit) {
    ReadArchive reader(archive_read_new(), archive_read_free);
    archive_read_support_format_zip(reader.get());
    if (archive_read_open_memory(reader.get(), zip.data(), zip.size()) != ARCHIVE_OK) {
        throw could_not_unzip();
    }
    std::map<std::string, std::string> symlinks;  // entry path -> target
    std::uint64_t total = 0;
    archive_entry* entry = nullptr;
    for (;;) {
        const int rc = archive_read_next_header(reader.get(), &entry);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc < ARCHIVE_WARN) {
            throw could_not_unzip();
        }
        const auto parts = entry_components(archive_entry_pathname(entry));
        // Hard links are not a zip feature; an entry claiming one is refused rather than trusted.
        if (!parts || archive_entry_hardlink(entry) != nullptr) {
            throw could_not_unzip();
        }
        switch (archive_entry_filetype(entry)) {
            case AE_IFREG:
            case AE_IFDIR:
                break;
            case AE_IFLNK: {
                const char* target = archive_entry_symlink(entry);
                if (target == nullptr || parts->empty()) {
                    throw could_not_unzip();
                }
                symlinks[join_path(*parts)] = target;
                break;
            }
            default:  // devices, fifos, sockets have no place in a deployment package
                throw could_not_unzip();
        }
        const void* block = nullptr;
        std::size_t size = 0;
        la_int64_t offset = 0;
        int data_rc = ARCHIVE_OK;
        while ((data_rc = archive_read_data_block(reader.get(), &block, &size, &offset)) ==
               ARCHIVE_OK) {
            total += size;
            if (total > unzipped_limit) {
                throw model::errors::invalid_parameter(
                    fmt::format("Unzipped size must be smaller than {} bytes", unzipped_limit));
            }
        }
        if (data_rc != ARCHIVE_EOF) {
            throw could_not_unzip();
        }
    }
    for (const auto& [link, target] : symlinks) {
        if (!symlink_stays_inside(symlinks, link)) {
            throw could_not_unzip();
        }
    }
    return total;
}

class UniqueFd {
public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int get() const { return fd_; }
    /// Closes now, so that a failing close (deferred write error) is reported.
    void close(const fs::path& path) {
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) {
            throw_errno("close", path);
        }
    }

private:
    int fd_;
};

void fsync_dir(const fs::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) {
        throw_errno("open", dir);
    }
    if (::fsync(fd.get()) != 0) {
        throw_errno("fsync", dir);
    }
}

// Deletes a file or a tree whose directories extract() made read-only.
void remove_tree(const fs::path& path) {
    if (!fs::exists(fs::symlink_status(path))) {
        return;
    }
    if (fs::is_directory(fs::symlink_status(path))) {
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add);
        for (const auto& item : fs::recursive_directory_iterator(path)) {
            if (item.is_directory() && !item.is_symlink()) {
                fs::permissions(item.path(), fs::perms::owner_all, fs::perm_options::add);
            }
        }
    }
    fs::remove_all(path);
}

// Best effort, for cleanup paths that are already failing: the original error matters more.
void remove_tree_quietly(const fs::path& path) noexcept {
    try {
        remove_tree(path);
    } catch (...) {
        // Left for the start-up sweep of temp entries.
    }
}

// Writes `path` so that after a crash it is either absent or complete.
void write_file_durably(const fs::path& path, std::string_view data) {
    const fs::path temp = fs::path(path).concat(fmt::format("{}{}", kTempMarker, util::uuid4()));
    try {
        UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (fd.get() < 0) {
            throw_errno("create", temp);
        }
        while (!data.empty()) {
            const ssize_t written = ::write(fd.get(), data.data(), data.size());
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw_errno("write", temp);
            }
            data.remove_prefix(static_cast<std::size_t>(written));
        }
        if (::fsync(fd.get()) != 0) {
            throw_errno("fsync", temp);
        }
        fd.close(temp);
        if (::rename(temp.c_str(), path.c_str()) != 0) {
            throw_errno(fmt::format("rename {} to", temp.string()), path);
        }
    } catch (...) {
        remove_tree_quietly(temp);
        throw;
    }
    fsync_dir(path.parent_path());
}

[[noreturn]] void throw_archive(archive* handle, std::string_view what, const fs::path& path) {
    const char* message = archive_error_string(handle);
    throw std::runtime_error(fmt::format(
        "{} {}: {}", what, path.string(), message ? message : "unknown libarchive error"));
}

// Unpacks `zip` into the existing directory `dest` (canonical).
void unpack(const fs::path& zip, const fs::path& dest) {
    ReadArchive reader(archive_read_new(), archive_read_free);
    archive_read_support_format_zip(reader.get());
    if (archive_read_open_filename(reader.get(), zip.c_str(), kReadBlockSize) != ARCHIVE_OK) {
        throw_archive(reader.get(), "open", zip);
    }
    WriteArchive writer(archive_write_disk_new(), archive_write_free);
    // Entry names were checked by put(), and are checked again below before `dest` is prefixed;
    // ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS cannot be set because the prefixed names are
    // absolute (chdir() is not an option in a multi-threaded server).
    // No ARCHIVE_EXTRACT_OWNER: files belong to the server, never to the uid in the zip.
    archive_write_disk_set_options(
        writer.get(),
        ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    archive_entry* entry = nullptr;
    for (;;) {
        const int rc = archive_read_next_header(reader.get(), &entry);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc < ARCHIVE_WARN) {
            throw_archive(reader.get(), "read", zip);
        }
        const auto parts = entry_components(archive_entry_pathname(entry));
        if (!parts) {
            throw std::runtime_error(fmt::format("{}: entry escapes the code dir", zip.string()));
        }
        if (parts->empty()) {
            continue;  // "./": the code dir itself
        }
        const fs::path target = dest / join_path(*parts);
        archive_entry_set_pathname(entry, target.c_str());
        const auto perm = archive_entry_perm(entry);
        if (archive_entry_filetype(entry) == AE_IFDIR) {
            archive_entry_set_perm(entry, 0755);  // writable while extracting; sealed afterwards
        } else {
            // Keep the execute bits (an executable `bootstrap` must stay executable), drop
            // setuid/setgid/sticky and write bits (the code is shared and read-only), and let
            // every uid read it: environments may run under other uids than the server.
            archive_entry_set_perm(entry, (perm & 0555) | 0444);
        }
        if (archive_write_header(writer.get(), entry) < ARCHIVE_WARN) {
            throw_archive(writer.get(), "extract", target);
        }
        const void* block = nullptr;
        std::size_t size = 0;
        la_int64_t offset = 0;
        int data_rc = ARCHIVE_OK;
        while ((data_rc = archive_read_data_block(reader.get(), &block, &size, &offset)) ==
               ARCHIVE_OK) {
            if (archive_write_data_block(writer.get(), block, size, offset) < ARCHIVE_WARN) {
                throw_archive(writer.get(), "write", target);
            }
        }
        if (data_rc != ARCHIVE_EOF) {
            throw_archive(reader.get(), "read", zip);
        }
        if (archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
            throw_archive(writer.get(), "finish", target);
        }
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK) {
        throw_archive(writer.get(), "close", dest);
    }
}

// Makes every directory of the tree read-only (files already are), so an environment cannot
// change code another environment runs.
void seal(const fs::path& dir) {
    constexpr auto kReadOnlyDir = fs::perms::owner_read | fs::perms::owner_exec |
                                  fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec;
    for (const auto& item : fs::recursive_directory_iterator(dir)) {
        if (item.is_directory() && !item.is_symlink()) {
            fs::permissions(item.path(), kReadOnlyDir);
        }
    }
    fs::permissions(dir, kReadOnlyDir);
}

}  // namespace

CodeStore::CodeStore(fs::path root, std::uint64_t unzipped_limit)
    : unzipped_limit_(unzipped_limit) {
    fs::create_directories(root);
    root_ = fs::canonical(root);
    // A crash between creating a temp file or dir and renaming it leaves it behind.
    for (const auto& item : fs::directory_iterator(root_)) {
        if (item.path().filename().string().find(kTempMarker) != std::string::npos) {
            remove_tree(item.path());
        }
    }
}

StoredCode CodeStore::put(std::string_view zip) {
    StoredCode stored;
    stored.unzipped_size = validate(zip, unzipped_limit_);
    const util::Sha256Digest digest = util::sha256(zip);
    stored.sha256_hex = util::to_hex(digest);
    stored.sha256_base64 = util::base64_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    stored.size = static_cast<std::int64_t>(zip.size());
    const fs::path path = zip_path(stored.sha256_hex);
    // Same digest, same bytes: a package uploaded twice is stored once.
    if (!fs::exists(path)) {
        write_file_durably(path, zip);
    }
    return stored;
}

fs::path CodeStore::zip_path(const std::string& sha256_hex) const {
    check_digest(sha256_hex);
    return root_ / (sha256_hex + ".zip");
}

bool CodeStore::contains(const std::string& sha256_hex) const {
    return fs::exists(zip_path(sha256_hex));
}

fs::path CodeStore::extracted_path(const std::string& sha256_hex) const {
    check_digest(sha256_hex);
    return root_ / sha256_hex;
}

fs::path CodeStore::extract(const std::string& sha256_hex) {
    const fs::path dir = extracted_path(sha256_hex);
    {
        std::unique_lock lock(extracting_mutex_);
        extracted_.wait(lock, [&] { return !extracting_.contains(sha256_hex); });
        if (fs::is_directory(dir)) {
            return dir;
        }
        extracting_.insert(sha256_hex);
    }
    // Clears this digest's mark however extract_into() ends, waking the callers waiting for it.
    struct Unmark {
        CodeStore& store;
        const std::string& digest;
        ~Unmark() {
            {
                std::lock_guard lock(store.extracting_mutex_);
                store.extracting_.erase(digest);
            }
            store.extracted_.notify_all();
        }
    } unmark{*this, sha256_hex};
    extract_into(sha256_hex, dir);
    return dir;
}

void CodeStore::extract_into(const std::string& sha256_hex, const fs::path& dir) const {
    const fs::path zip = zip_path(sha256_hex);
    if (!fs::exists(zip)) {
        throw std::runtime_error(fmt::format("{}: no such code package", zip.string()));
    }
    const fs::path temp = root_ / fmt::format("{}{}{}", sha256_hex, kTempMarker, util::uuid4());
    fs::create_directory(temp);
    try {
        unpack(zip, temp);
        seal(temp);
        if (::rename(temp.c_str(), dir.c_str()) != 0) {
            // Another process sharing the data dir extracted it first: same digest, same files.
            if ((errno == ENOTEMPTY || errno == EEXIST) && fs::is_directory(dir)) {
                remove_tree(temp);
                return;
            }
            throw_errno(fmt::format("rename {} to", temp.string()), dir);
        }
    } catch (...) {
        remove_tree_quietly(temp);
        throw;
    }
    fsync_dir(root_);
}

void CodeStore::remove(const std::string& sha256_hex) {
    check_digest(sha256_hex);
    remove_tree(root_ / sha256_hex);
    remove_tree(zip_path(sha256_hex));
    fsync_dir(root_);
}

}  // namespace lambdahost::store
