// SPDX-License-Identifier: Apache-2.0
// Deliverer: sends destination records and dead-letter messages to SQS, SNS and EventBridge
// endpoints over HTTP (libcurl, SigV4 by CURLOPT_AWS_SIGV4), each delivery already durable as a
// "delivery" record. A failed call is retried (1 s, then 2 s); when the service has no endpoint
// configured or the endpoint keeps failing, the message moves to the dead-letter store in one
// transaction with the removal of its delivery record, so it is never dropped.
// Threading: libcurl calls block, so they run on the Deliverer's own threads, never on io
// threads. deliver() and stop() are safe from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "async/event.hpp"
#include "store/database.hpp"

namespace lambdahost::async {

/// Where each service is reached; empty: not configured (deliveries go to the dead-letter
/// store). From --sqs-endpoint / AWS_ENDPOINT_URL_SQS and the like.
struct Endpoints {
    std::string sqs;
    std::string sns;
    std::string events;
};

/// What the requests are signed with (dummy values do for emulators).
struct Credentials {
    std::string access_key_id = "test";
    std::string secret_access_key = "test";
    std::string session_token;  // sent as X-Amz-Security-Token when set
};

struct DeliverySettings {
    Endpoints endpoints;
    Credentials credentials;
    unsigned threads = 2;
    int attempts = 3;  // calls per message before it goes to the dead-letter store
    std::chrono::milliseconds first_retry{1000};  // doubled after each failure
    std::chrono::milliseconds timeout{5000};      // per call
};

class Deliverer {
public:
    Deliverer(store::Database& db, DeliverySettings settings);
    /// stop()s.
    ~Deliverer();
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    /// Queues a delivery whose record is durable; it is sent as soon as a thread is free.
    void deliver(Delivery delivery);
    /// Finishes the calls in progress and stops; queued deliveries stay in the database and are
    /// delivered after the next start.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lambdahost::async
