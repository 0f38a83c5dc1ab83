// SPDX-License-Identifier: Apache-2.0
// CodeStore: uploaded deployment packages, content-addressed by SHA-256 under <data-dir>/code/:
//   <root>/<sha256 hex>.zip   the package as uploaded (written once, fsync'd, then renamed)
//   <root>/<sha256 hex>/      its contents, extracted once, read-only, shared by environments
// Zips are checked with libarchive before they are accepted: unreadable archives, entries that
// would land outside the code dir (absolute paths, "..", symlinks pointing outside) and archives
// whose contents exceed the unzipped limit are refused with AWS's texts. Unix mode bits are kept
// (an executable `bootstrap` stays executable). Thread-safe; every call blocks on disk I/O, so
// call it from a blocking pool, never an io thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace lambdahost::store {

struct StoredCode {
    std::string sha256_hex;
    std::string sha256_base64;  // CodeSha256 on the wire
    std::int64_t size = 0;      // CodeSize: bytes of the zip
    std::uint64_t unzipped_size = 0;
};

class CodeStore {
public:
    /// `unzipped_limit`: contents larger than this are refused (AWS: 262144000). Creates `root`
    /// if needed and deletes temp files and dirs a crash left behind.
    CodeStore(std::filesystem::path root, std::uint64_t unzipped_limit);

    /// Validates `zip` and stores it (idempotent per digest). Throws AwsError:
    ///  - IPVE "Could not unzip uploaded file. Please check your file, then try to upload again."
    ///    for data that is not a readable zip or has an entry escaping the code dir;
    ///  - IPVE "Unzipped size must be smaller than 262144000 bytes" when the decompressed
    ///    contents exceed the limit (counted while decompressing, not from headers).
    StoredCode put(std::string_view zip);

    /// The stored zip of a digest (for GetFunction's Code.Location download).
    std::filesystem::path zip_path(const std::string& sha256_hex) const;
    bool contains(const std::string& sha256_hex) const;

    /// <root>/<hex>/, where extract() puts a digest's contents. Computed without touching the
    /// disk, so it is fit for an io thread: the caller knows the package is extracted (a function
    /// is Active only once its package is).
    std::filesystem::path extracted_path(const std::string& sha256_hex) const;

    /// Extracts the package once (into a temp dir, then renamed into place) and returns
    /// <root>/<hex>/. Later calls return the existing directory.
    std::filesystem::path extract(const std::string& sha256_hex);

    /// Deletes the zip and extracted dir of a digest no function refers to any more.
    void remove(const std::string& sha256_hex);

private:
    void extract_into(const std::string& sha256_hex, const std::filesystem::path& dir) const;

    std::filesystem::path root_;  // canonical: extraction refuses paths through symlinks
    std::uint64_t unzipped_limit_;

    // Digests being extracted right now: a second extract() of one waits for the first.
    std::mutex extracting_mutex_;
    std::condition_variable extracted_;
    std::set<std::string, std::less<>> extracting_;  // guarded by extracting_mutex_
};

}  // namespace lambdahost::store
