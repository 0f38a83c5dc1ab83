// SPDX-License-Identifier: Apache-2.0
// Test harness for the control-plane handlers: a real Database, Catalog and CodeStore in a
// temporary directory, a fake Executor that queues work until the test runs it (so every state
// transition is observable and deterministic), zips written with libarchive, and call() that
// drives an operation through api::dispatch exactly as http/ would.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/operations.hpp"
#include "model/function_request.hpp"
#include "store/catalog.hpp"
#include "store/code_store.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"
#include "util/crypto.hpp"
#include "util/ids.hpp"

namespace lambdahost::api::test {

/// Queues posted and delayed work; the test decides when it runs.
class FakeExecutor : public Executor {
public:
    void post(std::function<void()> task) override { tasks_.push_back(std::move(task)); }
    void post_after(std::chrono::milliseconds delay, std::function<void()> task) override {
        delays_.push_back(delay);
        tasks_.push_back(std::move(task));
    }
    /// Runs queued work, including work queued meanwhile, until none is left.
    void run_all() {
        while (!tasks_.empty()) {
            run_one();
        }
    }
    /// Runs the oldest queued task.
    void run_one() {
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        task();
    }
    void discard() { tasks_.clear(); }
    std::size_t pending() const { return tasks_.size(); }
    const std::vector<std::chrono::milliseconds>& delays() const { return delays_; }

private:
    std::deque<std::function<void()>> tasks_;
    std::vector<std::chrono::milliseconds> delays_;
};

/// A zip archive in memory with the given (name, contents) files.
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string out;
    archive* writer = archive_write_new();
    archive_write_set_format_zip(writer);
    archive_write_set_bytes_in_last_block(writer, 1);
    const auto append = [](archive*, void* data, const void* buffer, size_t size) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
    };
    EXPECT_EQ(archive_write_open(writer, &out, nullptr, append, nullptr), ARCHIVE_OK);
    for (const auto& [name, contents] : files) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(contents.size()));
        EXPECT_EQ(archive_write_header(writer, entry), ARCHIVE_OK);
        archive_write_data(writer, contents.data(), contents.size());
        archive_entry_free(entry);
    }
    EXPECT_EQ(archive_write_close(writer), ARCHIVE_OK);
    archive_write_free(writer);
    return out;
}

/// A one-file python package whose handler returns `value`.
inline std::string handler_zip(const std::string& value) {
    return make_zip({{"handler.py", "def handler(event, context):\n    return " + value + "\n"}});
}

inline std::string hex_digest(const std::string& data) {
    return util::to_hex(util::sha256(data));
}

/// The parsed answer of one call.
struct Reply {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;
    std::string content_type;
    nlohmann::json body;  // null for empty or non-JSON bodies

    std::optional<std::string> header(const std::string& name) const {
        for (const auto& [key, value] : headers) {
            if (key == name) {
                return value;
            }
        }
        return std::nullopt;
    }
    /// The error message whatever its casing.
    std::string message() const {
        return body.value("message", body.value("Message", std::string()));
    }
};

/// The inputs of one call besides the operation.
struct Call {
    std::map<std::string, std::string> path{};
    std::multimap<std::string, std::string> query{};
    std::string body{};
    model::Scope scope{};
    std::map<std::string, std::string, HeaderNameLess> headers{};
};

class ApiTest : public ::testing::Test {
protected:
    static constexpr const char* kRole = "arn:aws:iam::123456789012:role/lambda-role";
    static constexpr const char* kArnPrefix = "arn:aws:lambda:us-east-1:000000000000:function:";

    ApiTest() { open(); }
    ~ApiTest() override { close(); }

    /// Simulates a restart: queued work is lost and everything is reopened from the same
    /// directory.
    void reopen() {
        executor_.discard();
        close();
        open();
    }

    static const Operation& operation(std::string_view name) {
        for (const Operation& op : operations()) {
            if (op.name == name) {
                return op;
            }
        }
        ADD_FAILURE() << "no operation " << name;
        return operations().front();
    }

    Reply call(std::string_view name, Call input = {}) {
        const Operation& op = operation(name);
        Request request;
        request.method = std::string(op.method);
        request.path = std::string(op.path_template);
        request.path_params = std::move(input.path);
        request.query = std::move(input.query);
        request.body = std::move(input.body);
        request.scope = input.scope;
        request.headers = std::move(input.headers);
        Response response = dispatch(op, *context_, request);
        Reply reply{response.status,
                    std::move(response.headers),
                    std::move(response.body),
                    std::move(response.content_type),
                    nullptr};
        if (!reply.raw.empty() && reply.content_type == "application/json") {
            reply.body = nlohmann::json::parse(reply.raw);
        }
        return reply;
    }

    static nlohmann::json create_body(const std::string& name,
                                      const std::string& zip,
                                      nlohmann::json extra = nlohmann::json::object()) {
        nlohmann::json body{{"FunctionName", name},
                            {"Runtime", "python3.12"},
                            {"Role", kRole},
                            {"Handler", "handler.handler"},
                            {"Code", {{"ZipFile", util::base64_encode(zip)}}}};
        body.update(extra);
        return body;
    }

    Reply create(const std::string& name,
                 const std::string& zip = handler_zip("1"),
                 nlohmann::json extra = nlohmann::json::object()) {
        return call("CreateFunction", {.body = create_body(name, zip, std::move(extra)).dump()});
    }

    /// Creates a function and lets it become Active.
    Reply create_active(const std::string& name, const std::string& zip = handler_zip("1")) {
        Reply reply = create(name, zip);
        EXPECT_EQ(reply.status, 201) << reply.raw;
        executor_.run_all();
        return reply;
    }

    Reply get_configuration(const std::string& name) {
        return call("GetFunctionConfiguration", {.path = {{"FunctionName", name}}});
    }

    lambdahost::test::TempDir dir_;  // declared first: removed after everything that uses it
    FakeExecutor executor_;
    std::unique_ptr<store::Database> database_;
    std::unique_ptr<store::Catalog> catalog_;
    std::unique_ptr<store::CodeStore> code_store_;
    std::unique_ptr<Context> context_;

private:
    void open() {
        database_ = std::make_unique<store::Database>(dir_.path() / "lambdahost.db");
        catalog_ = std::make_unique<store::Catalog>(*database_);
        code_store_ =
            std::make_unique<store::CodeStore>(dir_.path() / "code", model::kMaxUnzippedCodeBytes);
        context_.reset(new Context{*catalog_, *code_store_, executor_, Settings{}});
    }
    void close() {
        context_.reset();
        code_store_.reset();
        catalog_.reset();
        database_.reset();
    }
};

}  // namespace lambdahost::api::test
