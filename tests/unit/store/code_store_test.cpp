// SPDX-License-Identifier: Apache-2.0
// CodeStore: accepted packages and their digests, AWS's refusals (not a zip, zip-slip variants,
// zip bomb), extraction (modes kept, once per digest, concurrent callers) and removal. Zip
// fixtures are built in memory with libarchive's writer; no binary fixtures.
#include "store/code_store.hpp"

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "model/aws_error.hpp"
#include "support/temp_dir.hpp"
#include "util/crypto.hpp"

namespace lambdahost::store {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Property;
using ::testing::Throws;

constexpr std::uint64_t kAwsUnzippedLimit = 262144000;
constexpr const char* kCouldNotUnzip =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

struct Entry {
    std::string path;
    std::string data;  // file contents; for a symlink, its target
    unsigned int type = AE_IFREG;
    unsigned int perm = 0644;
    std::uint64_t zero_bytes = 0;  // appended zeros, for large files without a large string
};

Entry file(std::string path, std::string data, unsigned int perm = 0644) {
    return Entry{std::move(path), std::move(data), AE_IFREG, perm};
}
Entry directory(std::string path) {
    return Entry{std::move(path), "", AE_IFDIR, 0755};
}
Entry symlink(std::string path, std::string target) {
    return Entry{std::move(path), std::move(target), AE_IFLNK, 0777};
}

// A zip archive in memory, written by libarchive.
std::string make_zip(const std::vector<Entry>& entries) {
    std::string out;
    archive* writer = archive_write_new();
    archive_write_set_format_zip(writer);
    archive_write_set_bytes_in_last_block(writer, 1);
    // Fastest deflate: keeps building the 300 MB zip bomb quick.
    EXPECT_EQ(archive_write_set_options(writer, "zip:compression-level=1"), ARCHIVE_OK);
    const auto append = [](archive*, void* sink, const void* data, std::size_t size) -> la_ssize_t {
        static_cast<std::string*>(sink)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
    };
    EXPECT_EQ(archive_write_open(writer, &out, nullptr, append, nullptr), ARCHIVE_OK);
    for (const Entry& spec : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, spec.path.c_str());
        archive_entry_set_filetype(entry, spec.type);
        archive_entry_set_perm(entry, spec.perm);
        if (spec.type == AE_IFLNK) {
            archive_entry_set_symlink(entry, spec.data.c_str());
        }
        if (spec.type == AE_IFREG) {
            archive_entry_set_size(entry,
                                   static_cast<la_int64_t>(spec.data.size() + spec.zero_bytes));
        }
        EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK) << archive_error_string(writer);
        if (spec.type == AE_IFREG) {
            archive_write_data(writer, spec.data.data(), spec.data.size());
            const std::string zeros(1 << 20, '\0');
            for (std::uint64_t left = spec.zero_bytes; left > 0;) {
                const auto chunk = std::min<std::uint64_t>(left, zeros.size());
                archive_write_data(writer, zeros.data(), chunk);
                left -= chunk;
            }
        }
        archive_entry_free(entry);
    }
    EXPECT_EQ(archive_write_close(writer), ARCHIVE_OK);
    archive_write_free(writer);
    return out;
}

auto aws_error(const std::string& code, const std::string& message) {
    return Throws<model::AwsError>(AllOf(Property(&model::AwsError::code, code),
                                         Property(&model::AwsError::message, message)));
}

auto could_not_unzip() {
    return aws_error("InvalidParameterValueException", kCouldNotUnzip);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& item : fs::directory_iterator(dir)) {
        names.push_back(item.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class CodeStoreTest : public ::testing::Test {
protected:
    // The store's root is a subdirectory, so a test can see anything written beside it.
    test::TempDir dir_;
    fs::path root_ = dir_.path() / "code";
    CodeStore store_{root_, kAwsUnzippedLimit};

    // A refused package leaves nothing anywhere: not in the store, not beside it.
    void expect_nothing_written() {
        EXPECT_THAT(names_in(dir_.path()), ElementsAre("code"));
        EXPECT_THAT(names_in(root_), ElementsAre());
    }
};

TEST_F(CodeStoreTest, PutStoresZipUnderItsDigest) {
    const std::string source = "def handler(event, context):\n    return 1\n";
    const std::string zip = make_zip({file("index.py", source)});

    const StoredCode stored = store_.put(zip);

    const auto digest = util::sha256(zip);
    EXPECT_EQ(stored.sha256_hex, util::to_hex(digest));
    EXPECT_EQ(stored.sha256_base64,
              util::base64_encode(
                  std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())));
    EXPECT_EQ(stored.sha256_base64.size(), 44U);
    EXPECT_EQ(stored.size, static_cast<std::int64_t>(zip.size()));
    EXPECT_EQ(stored.unzipped_size, source.size());
    EXPECT_TRUE(store_.contains(stored.sha256_hex));
    EXPECT_EQ(store_.zip_path(stored.sha256_hex), root_ / (stored.sha256_hex + ".zip"));
    EXPECT_EQ(read_file(store_.zip_path(stored.sha256_hex)), zip);
    EXPECT_THAT(names_in(root_), ElementsAre(stored.sha256_hex + ".zip"));
}

TEST_F(CodeStoreTest, PutSamePackageTwiceStoresItOnce) {
    const std::string zip = make_zip({file("a.txt", "a")});

    const StoredCode first = store_.put(zip);
    const StoredCode second = store_.put(zip);

    EXPECT_EQ(first.sha256_hex, second.sha256_hex);
    EXPECT_THAT(names_in(root_), ElementsAre(first.sha256_hex + ".zip"));
}

TEST_F(CodeStoreTest, PutRefusesDataThatIsNotAZip) {
    EXPECT_THAT([&] { store_.put("def handler(event, context): pass\n"); }, could_not_unzip());
    EXPECT_THAT([&] { store_.put(""); }, could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesTruncatedZip) {
    const std::string zip = make_zip({file("a.txt", std::string(1000, 'a'))});

    EXPECT_THAT([&] { store_.put(zip.substr(0, zip.size() / 2)); }, could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesDotDotEntry) {
    EXPECT_THAT([&] { store_.put(make_zip({file("../evil.txt", "x")})); }, could_not_unzip());
    EXPECT_THAT([&] { store_.put(make_zip({file("lib/../../evil.txt", "x")})); },
                could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesAbsolutePathEntry) {
    const auto target = dir_.path() / "evil.txt";
    EXPECT_THAT([&] { store_.put(make_zip({file(target.string(), "x")})); }, could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesSymlinkToAbsolutePath) {
    EXPECT_THAT([&] { store_.put(make_zip({symlink("etc", "/etc")})); }, could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesSymlinkClimbingOut) {
    EXPECT_THAT([&] { store_.put(make_zip({symlink("up", "../..")})); }, could_not_unzip());
    EXPECT_THAT(
        [&] {
            store_.put(make_zip({directory("lib/"), symlink("lib/up", "../../x")}));
        },
        could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutRefusesSymlinkChainClimbingOut) {
    // Each link alone stays inside; following "a/up" (the code dir) first, "b" escapes.
    const std::string zip =
        make_zip({directory("a/"), symlink("a/up", ".."), symlink("b", "a/up/..")});

    EXPECT_THAT([&] { store_.put(zip); }, could_not_unzip());
    expect_nothing_written();
}

TEST_F(CodeStoreTest, PutAcceptsSymlinksInsideTheCodeDir) {
    const std::string zip = make_zip({file("lib/v1/tool", "#!/bin/sh\n", 0755),
                                      symlink("lib/current", "v1"),
                                      symlink("bin/tool", "../lib/current/tool")});

    EXPECT_NO_THROW(store_.put(zip));
}

TEST_F(CodeStoreTest, PutRefusesZipBombWhileDecompressing) {
    // 300 MB of zeros compress to about 1.3 MB at the fastest level: over 200:1. The limit is
    // hit while inflating.
    Entry bomb = file("zeros.bin", "");
    bomb.zero_bytes = 300ULL * 1024 * 1024;
    const std::string zip = make_zip({bomb});
    ASSERT_LT(zip.size(), 2U * 1024U * 1024U);

    EXPECT_THAT([&] { store_.put(zip); },
                aws_error("InvalidParameterValueException",
                          "Unzipped size must be smaller than 262144000 bytes"));
    expect_nothing_written();
}

TEST_F(CodeStoreTest, UnzippedLimitCountsAllEntries) {
    CodeStore small(dir_.path() / "small", 1000);
    const std::string zip =
        make_zip({file("a", std::string(600, 'a')), file("b", std::string(600, 'b'))});

    EXPECT_THAT([&] { small.put(zip); },
                aws_error("InvalidParameterValueException",
                          "Unzipped size must be smaller than 1000 bytes"));
}

TEST_F(CodeStoreTest, ExtractKeepsExecutableBitAndContents) {
    const StoredCode stored = store_.put(make_zip({file("bootstrap", "#!/bin/sh\necho hi\n", 0755),
                                                   file("lib/data.txt", "data", 0600),
                                                   symlink("current", "lib/data.txt")}));

    const fs::path dir = store_.extract(stored.sha256_hex);

    EXPECT_EQ(dir, root_ / stored.sha256_hex);
    EXPECT_EQ(read_file(dir / "bootstrap"), "#!/bin/sh\necho hi\n");
    struct stat info {};
    ASSERT_EQ(::stat((dir / "bootstrap").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0555U);  // executable, read-only
    // Readable by every uid (environments may not run as the server's uid), never writable.
    ASSERT_EQ(::stat((dir / "lib/data.txt").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0444U);
    ASSERT_EQ(::stat((dir / "lib").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0555U);
    EXPECT_TRUE(fs::is_symlink(dir / "current"));
    EXPECT_EQ(fs::read_symlink(dir / "current"), "lib/data.txt");
    EXPECT_EQ(read_file(dir / "current"), "data");
}

TEST_F(CodeStoreTest, ExtractNeverKeepsSetuidBits) {
    const StoredCode stored = store_.put(make_zip({file("tool", "x", 06755)}));

    const fs::path dir = store_.extract(stored.sha256_hex);

    struct stat info {};
    ASSERT_EQ(::stat((dir / "tool").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0555U);
}

TEST_F(CodeStoreTest, ExtractTwiceReturnsTheSameDirectory) {
    const StoredCode stored = store_.put(make_zip({file("index.js", "exports.handler=1")}));

    const fs::path first = store_.extract(stored.sha256_hex);
    const fs::path second = store_.extract(stored.sha256_hex);

    EXPECT_EQ(first, second);
    EXPECT_THAT(names_in(root_), ElementsAre(stored.sha256_hex, stored.sha256_hex + ".zip"));
}

TEST_F(CodeStoreTest, ConcurrentExtractsOfOneDigestShareOneDirectory) {
    const StoredCode stored = store_.put(make_zip({file("a.txt", "a"), file("b/c.txt", "c")}));

    std::vector<fs::path> dirs(8);
    std::vector<std::thread> threads;
    for (auto& dir : dirs) {
        threads.emplace_back([&] { dir = store_.extract(stored.sha256_hex); });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    for (const auto& dir : dirs) {
        EXPECT_EQ(dir, root_ / stored.sha256_hex);
    }
    EXPECT_EQ(read_file(dirs[0] / "b/c.txt"), "c");
    EXPECT_THAT(names_in(root_), ElementsAre(stored.sha256_hex, stored.sha256_hex + ".zip"));
}

TEST_F(CodeStoreTest, ExtractOfUnknownDigestNamesThePath) {
    const std::string unknown(64, 'a');

    EXPECT_THROW(store_.extract(unknown), std::runtime_error);
    EXPECT_THAT(names_in(root_), ElementsAre());
}

TEST_F(CodeStoreTest, MalformedDigestIsRefused) {
    EXPECT_THROW(store_.extract("../../etc"), std::invalid_argument);
    EXPECT_THROW(store_.remove("../x"), std::invalid_argument);
}

TEST_F(CodeStoreTest, RemoveDeletesZipAndExtractedDirectory) {
    const StoredCode stored = store_.put(make_zip({file("bootstrap", "x", 0755)}));
    store_.extract(stored.sha256_hex);

    store_.remove(stored.sha256_hex);

    EXPECT_FALSE(store_.contains(stored.sha256_hex));
    EXPECT_THAT(names_in(root_), ElementsAre());
}

TEST_F(CodeStoreTest, StartUpSweepsTempLeftovers) {
    const StoredCode stored = store_.put(make_zip({file("a", "a")}));
    std::ofstream(root_ / (stored.sha256_hex + ".zip.tmp-crashed")) << "partial";
    fs::create_directories(root_ / (stored.sha256_hex + ".tmp-crashed") / "sub");

    CodeStore reopened(root_, kAwsUnzippedLimit);

    EXPECT_THAT(names_in(root_), ElementsAre(stored.sha256_hex + ".zip"));
}

}  // namespace
}  // namespace lambdahost::store
