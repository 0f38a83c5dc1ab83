// SPDX-License-Identifier: Apache-2.0
// http::Server: the control-plane listener. Accepts on host:port, serves each connection as an
// HTTP/1.1 keep-alive session on one of the server's event loops (util::IoLoops), routes requests
// through the table of api::operations() and runs handlers on the api::Context's executor (the
// blocking pool), never on an io thread. Graceful stop: shutdown() refuses new connections and
// closes idle ones; busy ones close after answering; wait_idle() bounds the wait.
// Threading: start() once before the io threads run; shutdown()/wait_idle()/port() from any
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/context.hpp"
#include "util/io_loops.hpp"

namespace lambdahost::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: an ephemeral port, see Server::port()
    /// The body of GET /health (app adds what the sandbox enforces).
    std::string health = R"({"status":"ok"})";
};

class Server {
public:
    /// Listens on `loops`' main loop; connections are spread over all loops.
    Server(util::IoLoops& loops, api::Context& context, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Resolves the host, binds and listens, then starts accepting. Throws std::runtime_error
    /// naming the address ("cannot listen on 127.0.0.1:3001: Address already in use").
    void start();
    /// The bound port (the ephemeral one when the options asked for 0). Valid after start().
    std::uint16_t port() const;

    /// Stops accepting, closes idle connections and lets busy ones finish their request.
    void shutdown();
    /// Waits until every connection is closed; false if `timeout` passed first.
    bool wait_idle(std::chrono::milliseconds timeout);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace lambdahost::http
