// SPDX-License-Identifier: Apache-2.0
// `lambdahost dlq` (see dlq_command.hpp). The HTTP mode uses libcurl (already linked for
// deliveries); the offline mode shares async/store with the server.
#include "app/dlq_command.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "async/event.hpp"
#include "async/store.hpp"
#include "store/database.hpp"

namespace lambdahost::app {
namespace {

using Json = nlohmann::ordered_json;

void print(const Json& json) {
    std::printf("%s\n", json.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

/// One admin call; returns the body of a 2xx answer, throws with the server's message else.
std::string call(const std::string& endpoint, const char* method, const std::string& path) {
    struct CurlDeleter {
        void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
    };
    const std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        throw std::runtime_error("curl_easy_init failed");
    }
    std::string url = endpoint;
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    url += path;
    std::string body;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
    const CURLcode rc = curl_easy_perform(curl.get());
    if (rc != CURLE_OK) {
        throw std::runtime_error(fmt::format("{} {}: {}", method, url, curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        const auto error = nlohmann::json::parse(body, nullptr, false);
        const std::string message = error.is_object() && error.contains("Message")
                                        ? error["Message"].get<std::string>()
                                        : body;
        throw std::runtime_error(fmt::format("{} {}: HTTP {}: {}", method, url, status, message));
    }
    return body;
}

void run_remote(const DlqOptions& options) {
    const auto show = [](const std::string& body) { print(Json::parse(body)); };
    if (options.action == "list") {
        show(call(options.endpoint, "GET", "/_lambdahost/dlq"));
    } else if (options.action == "show") {
        show(call(options.endpoint, "GET", "/_lambdahost/dlq/" + options.ids.front()));
    } else {
        const bool redrive = options.action == "redrive";
        if (options.all) {
            show(call(options.endpoint,
                      redrive ? "POST" : "DELETE",
                      redrive ? "/_lambdahost/dlq/redrive" : "/_lambdahost/dlq"));
            return;
        }
        std::size_t count = 0;
        for (const std::string& id : options.ids) {
            call(options.endpoint,
                 redrive ? "POST" : "DELETE",
                 "/_lambdahost/dlq/" + id + (redrive ? "/redrive" : ""));
            ++count;
        }
        print(Json{{redrive ? "Redriven" : "Purged", count}});
    }
}

async::DeadLetter require_entry(store::Database& db, const std::string& id) {
    std::optional<async::DeadLetter> entry = async::find_dead_letter(db, id);
    if (!entry) {
        throw std::runtime_error(fmt::format("No dead letter with Id {}", id));
    }
    return std::move(*entry);
}

void run_offline(const DlqOptions& options) {
    const std::filesystem::path file = async::database_file(options.data_dir);
    if (!std::filesystem::exists(file)) {
        throw std::runtime_error(fmt::format(
            "{} does not exist: no server ran on {}", file.string(), options.data_dir.string()));
    }
    std::optional<async::DataDirLock> lock;
    if (options.action == "redrive" || options.action == "purge") {
        lock.emplace(options.data_dir,
                     "a server is running on it; redrive and purge through it with --endpoint");
    }
    store::Database db(file);
    if (options.action == "list") {
        Json entries = Json::array();
        for (const async::DeadLetter& entry : async::load_dead_letters(db)) {
            entries.push_back(async::describe(entry, false));
        }
        print(Json{{"DeadLetters", std::move(entries)}});
        return;
    }
    if (options.action == "show") {
        print(async::describe(require_entry(db, options.ids.front()), true));
        return;
    }
    std::vector<async::DeadLetter> entries;
    if (options.all) {
        entries = async::load_dead_letters(db);
    } else {
        for (const std::string& id : options.ids) {
            entries.push_back(require_entry(db, id));
        }
    }
    std::vector<store::Write> batch;
    const bool redrive = options.action == "redrive";
    for (const async::DeadLetter& entry : entries) {
        if (redrive) {
            for (store::Write& write :
                 async::redrive_batch(entry, async::redriven(entry, async::now_ms()))) {
                batch.push_back(std::move(write));
            }
        } else {
            batch.push_back(async::erase(async::kDeadLetterKind, entry.id));
        }
    }
    db.commit(std::move(batch));
    print(Json{{redrive ? "Redriven" : "Purged", entries.size()}});
}

}  // namespace

void run_dlq(const DlqOptions& options) {
    if (options.action == "show" && options.ids.size() != 1) {
        throw std::runtime_error("dlq show takes exactly one Id");
    }
    if ((options.action == "redrive" || options.action == "purge") &&
        options.ids.empty() == !options.all) {
        throw std::runtime_error(fmt::format("dlq {} takes Ids or --all", options.action));
    }
    if (options.endpoint.empty()) {
        run_offline(options);
    } else {
        run_remote(options);
    }
}

}  // namespace lambdahost::app
