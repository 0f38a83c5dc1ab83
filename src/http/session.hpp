// SPDX-License-Identifier: Apache-2.0
// Internal to src/http: what the listener shares with its sessions (the api context, the router
// built from api::operations(), the registry of live sessions used for graceful shutdown) and
// the entry point that starts one HTTP session on an accepted socket. Beast stays inside
// session.cpp; this header only needs Asio's socket type.
// Threading: ServerState is shared by every io thread; SessionRegistry locks internally.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include "api/context.hpp"
#include "api/operations.hpp"
#include "http/router.hpp"

namespace lambdahost::http {

/// A live connection as the registry sees it.
class SessionHandle {
public:
    virtual ~SessionHandle() = default;
    /// Finish the request in progress (if any), then close. Safe from any thread.
    virtual void stop() = 0;
};

/// The set of live sessions, so that shutdown can stop them and wait until they are gone.
class SessionRegistry {
public:
    /// Returns false once stop_all() has run: the caller must not start serving.
    bool add(const SessionHandle* key, std::weak_ptr<SessionHandle> session);
    void remove(const SessionHandle* key);
    /// Asks every live session, and refuses new ones, to stop.
    void stop_all();
    /// Waits until no session is left; false if `timeout` passed first.
    bool wait_empty(std::chrono::milliseconds timeout);

private:
    std::mutex mutex_;
    std::condition_variable empty_;
    bool stopping_ = false;
    std::unordered_map<const SessionHandle*, std::weak_ptr<SessionHandle>> sessions_;
};

struct ServerState {
    explicit ServerState(api::Context& ctx);

    api::Context& context;
    Router<const api::Operation*> router;
    SessionRegistry sessions;
    std::string health;  // GET /health's body
};

/// Serves HTTP/1.1 on `socket` (whose executor must serialise its handlers: a loop of
/// util::IoLoops, run by one thread) until the peer closes, an error occurs or the registry
/// stops it.
void start_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace lambdahost::http
