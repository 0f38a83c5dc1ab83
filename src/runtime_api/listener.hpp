// SPDX-License-Identifier: Apache-2.0
// The Runtime API (2018-06-01) of one execution environment: an HTTP/1.1 listener on
// 127.0.0.1:<ephemeral port> (passed to the runtime as AWS_LAMBDA_RUNTIME_API) that serves
//   GET  /2018-06-01/runtime/invocation/next           (long poll, parked until deliver())
//   POST /2018-06-01/runtime/invocation/{id}/response   (202; body > 6291556 bytes: 413)
//   POST /2018-06-01/runtime/invocation/{id}/error      (202)
//   POST /2018-06-01/runtime/init/error                 (202)
// and reports what the runtime does to a Handler (the environment). A parked GET /next is
// watched for disconnect, and deliver() checks that the parked connection is still open. Once
// the event is written, the connection tells whether the runtime read it: its next request or
// a clean close means it did (on_delivered); a reset (a socket closed with unread data) or a
// failed write means it did not, and the event comes back whole (on_undelivered), so an
// invocation is never lost with a runtime that died while parked.
// Beast stays in listener.cpp; this header only needs Asio's io_context.
// Threading: everything (the listener's calls and the Handler's callbacks) runs on the
// executor given to the constructor, whose io_context one thread runs (util::IoLoops).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

namespace lambdahost::runtime_api {

/// AWS: a synchronous response above this many bytes is Function.ResponseSizeTooLarge
/// (facts §3.5).
inline constexpr std::size_t kMaxResponseBytes = 6291556;

/// One event loop's executor: its io_context is run by one thread, so it serialises like a
/// strand without a strand's queue hop per completion.
using Executor = boost::asio::io_context::executor_type;

/// One invocation as GET /next hands it to the runtime.
struct Event {
    std::string request_id;            // Lambda-Runtime-Aws-Request-Id
    std::string payload;               // the response body, moved in (and back on on_undelivered)
    std::string invoked_function_arn;  // Lambda-Runtime-Invoked-Function-Arn
    std::int64_t deadline_ms = 0;      // Lambda-Runtime-Deadline-Ms, epoch milliseconds
    std::string trace_id;              // Lambda-Runtime-Trace-Id
    std::optional<std::string> client_context;    // Lambda-Runtime-Client-Context
    std::optional<std::string> cognito_identity;  // Lambda-Runtime-Cognito-Identity
};

/// What the runtime did. Called on the listener's executor; must not block.
class Handler {
public:
    /// The runtime is parked on GET /next and nothing is being delivered.
    virtual void on_next() = 0;
    /// The parked GET /next's connection closed before an event was delivered to it.
    virtual void on_parked_lost() = 0;
    /// The runtime read the event `request_id` (it sent another request on that connection,
    /// or closed it cleanly).
    virtual void on_delivered(std::string_view request_id) = 0;
    /// The runtime never read the event (the write failed or the connection was reset); it
    /// comes back whole.
    virtual void on_undelivered(Event event) = 0;
    /// POST /invocation/{id}/response for the delivered event.
    virtual void on_response(std::string body) = 0;
    /// POST /invocation/{id}/error for the delivered event.
    virtual void on_error(std::string error_type, std::string body) = 0;
    /// POST /invocation/{id}/response with a body above kMaxResponseBytes (the runtime got 413).
    virtual void on_response_too_large() = 0;
    /// POST /init/error.
    virtual void on_init_error(std::string error_type, std::string body) = 0;

protected:
    ~Handler() = default;
};

class Listener {
public:
    /// Binds 127.0.0.1:0 and listens (connections wait in the backlog until start()). Throws
    /// boost::system::system_error. `handler` must stay valid until detach().
    Listener(Executor executor, Handler& handler);
    /// Closes and detaches.
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    std::uint16_t port() const;

    /// Accepts connections from now on: no Handler callback comes before this.
    void start();

    /// Completes the parked GET /next with `event` (its payload moved into the response body).
    /// Returns false, leaving `event` untouched, when no GET /next is parked (a parked
    /// connection the loop has seen close is not parked any more). After true, exactly one of
    /// on_delivered/on_undelivered follows (unless detached first); responses for the event
    /// may come before it.
    bool deliver(Event& event);

    /// Stops accepting and closes every connection.
    void close();
    /// No callback reaches the handler after this.
    void detach();

private:
    friend class Session;  // listener.cpp's connections share Impl
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace lambdahost::runtime_api
