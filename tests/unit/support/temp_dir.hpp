// SPDX-License-Identifier: Apache-2.0
// TempDir: a fresh directory per test under the system temp dir, deleted with everything in it
// (including trees the CodeStore made read-only) when the test ends.
#pragma once

#include <filesystem>

#include <gtest/gtest.h>

#include "util/ids.hpp"

namespace lambdahost::test {

class TempDir {
public:
    TempDir()
        : path_(std::filesystem::temp_directory_path() / ("lambdahost-store-" + util::uuid4())) {
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code error;
        for (auto it = std::filesystem::recursive_directory_iterator(path_, error);
             it != std::filesystem::recursive_directory_iterator();
             it.increment(error)) {
            if (it->is_directory(error) && !it->is_symlink(error)) {
                std::filesystem::permissions(it->path(),
                                             std::filesystem::perms::owner_all,
                                             std::filesystem::perm_options::add,
                                             error);
            }
        }
        std::filesystem::remove_all(path_, error);
        EXPECT_FALSE(error) << "cleaning up " << path_ << ": " << error.message();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace lambdahost::test
