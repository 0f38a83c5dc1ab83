// SPDX-License-Identifier: Apache-2.0
// Deliverer on libcurl (see deliverer.hpp). Each thread takes the earliest due delivery, makes
// one blocking call, and either finishes it (delete the delivery record), schedules the next try
// in memory, or moves it to the dead-letter store. Retry counts live in memory only: after a
// restart a delivery starts its tries again (at least once, never lost).
#include "async/deliverer.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "async/destination.hpp"
#include "async/store.hpp"
#include "async/wire.hpp"
#include "util/ids.hpp"

namespace lambdahost::async {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

/// Makes one signed call; the error that kept it from being accepted, or nullopt.
std::optional<std::string> perform(const HttpCall& call,
                                   const Credentials& credentials,
                                   std::chrono::milliseconds timeout) {
    const std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        return "curl_easy_init failed";
    }
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    const auto add_header = [&headers](const std::string& header) {
        curl_slist* list = curl_slist_append(headers.get(), header.c_str());
        if (list != nullptr) {
            static_cast<void>(headers.release());
            headers.reset(list);
        }
    };
    for (const std::string& header : call.headers) {
        add_header(header);
    }
    if (!credentials.session_token.empty()) {
        add_header("X-Amz-Security-Token: " + credentials.session_token);
    }
    const std::string sigv4 = fmt::format("aws:amz:{}:{}", call.region, call.service);
    std::string response;
    char error_buffer[CURL_ERROR_SIZE] = {};
    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, call.url.c_str());
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(
        handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, credentials.access_key_id.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, credentials.secret_access_key.c_str());
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    const CURLcode rc = curl_easy_perform(handle);
    if (rc != CURLE_OK) {
        return fmt::format("{} {}: {}",
                           call.url,
                           curl_easy_strerror(rc),
                           error_buffer[0] != '\0' ? error_buffer : "no detail");
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (!accepted(call.service, status, response)) {
        constexpr std::size_t kQuoted = 300;
        return fmt::format(
            "{} answered HTTP {}: {}", call.url, status, response.substr(0, kQuoted));
    }
    return std::nullopt;
}

}  // namespace

struct Deliverer::Impl {
    struct Pending {
        Delivery delivery;
        int attempts = 0;
    };

    Impl(store::Database& database, DeliverySettings delivery_settings)
        : db(database), settings(std::move(delivery_settings)) {
        static std::once_flag curl_initialised;
        std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        for (unsigned i = 0; i < std::max(1U, settings.threads); ++i) {
            threads.emplace_back([this] { run(); });
        }
    }

    void run() {
        std::unique_lock lock(mutex);
        for (;;) {
            if (stopping) {
                return;
            }
            if (queue.empty()) {
                ready.wait(lock);
                continue;
            }
            const auto first = queue.begin();
            if (first->first > Clock::now()) {
                ready.wait_until(lock, first->first);
                continue;
            }
            Pending pending = std::move(first->second);
            queue.erase(first);
            lock.unlock();
            attempt(std::move(pending));
            lock.lock();
        }
    }

    const std::string& endpoint_for(const std::string& service) const {
        if (service == "sqs") {
            return settings.endpoints.sqs;
        }
        if (service == "sns") {
            return settings.endpoints.sns;
        }
        return settings.endpoints.events;
    }

    void attempt(Pending pending) {
        const std::optional<TargetArn> arn = parse_target_arn(pending.delivery.target_arn);
        if (!arn || arn->service == "lambda" || !is_supported_service(arn->service)) {
            dead_letter(std::move(pending.delivery), "lambdahost cannot deliver to this target");
            return;
        }
        const std::string& endpoint = endpoint_for(arn->service);
        if (endpoint.empty()) {
            std::string upper = arn->service;
            for (char& ch : upper) {
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            }
            dead_letter(std::move(pending.delivery),
                        fmt::format("no {} endpoint is configured (--{}-endpoint or "
                                    "AWS_ENDPOINT_URL_{})",
                                    arn->service,
                                    arn->service,
                                    upper));
            return;
        }
        const HttpCall call = build_call(pending.delivery, *arn, endpoint);
        std::optional<std::string> error = perform(call, settings.credentials, settings.timeout);
        if (!error) {
            spdlog::debug("delivered {} to {}", pending.delivery.id, pending.delivery.target_arn);
            db.submit({erase(kDeliveryKind, pending.delivery.id)},
                      [](std::exception_ptr failure) { log_if_failed(failure, "delivery done"); });
            return;
        }
        if (++pending.attempts >= settings.attempts) {
            dead_letter(std::move(pending.delivery), std::move(*error));
            return;
        }
        spdlog::info("delivery to {} failed (try {} of {}): {}",
                     pending.delivery.target_arn,
                     pending.attempts,
                     settings.attempts,
                     *error);
        const auto wait = settings.first_retry * (1 << (pending.attempts - 1));
        std::lock_guard lock(mutex);
        queue.emplace(Clock::now() + wait, std::move(pending));
        ready.notify_one();
    }

    void dead_letter(Delivery delivery, std::string error) {
        spdlog::warn("moving {} for {} to the dead-letter store: {}",
                     delivery.id,
                     delivery.target_arn,
                     error);
        const std::string delivery_id = delivery.id;
        const DeadLetter entry{util::uuid4(), now_ms(), std::move(error), std::move(delivery), {}};
        db.submit({erase(kDeliveryKind, delivery_id), put(entry)}, [](std::exception_ptr failure) {
            log_if_failed(failure, "moving a delivery to the dead-letter store");
        });
    }

    store::Database& db;
    const DeliverySettings settings;

    std::mutex mutex;
    std::condition_variable ready;
    std::multimap<Clock::time_point, Pending> queue;  // guarded by mutex; by due time
    bool stopping = false;                            // guarded by mutex
    std::vector<std::thread> threads;                 // last: they use everything above
};

Deliverer::Deliverer(store::Database& db, DeliverySettings settings)
    : impl_(std::make_unique<Impl>(db, std::move(settings))) {}

Deliverer::~Deliverer() {
    stop();
}

void Deliverer::deliver(Delivery delivery) {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.emplace(Clock::now(), Impl::Pending{std::move(delivery), 0});
    impl_->ready.notify_one();
}

void Deliverer::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping && impl_->threads.empty()) {
            return;
        }
        impl_->stopping = true;
    }
    impl_->ready.notify_all();
    for (std::thread& thread : impl_->threads) {
        thread.join();
    }
    impl_->threads.clear();
}

}  // namespace lambdahost::async
