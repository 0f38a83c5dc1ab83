// SPDX-License-Identifier: Apache-2.0
// The listener half of http::Server (Asio only; sessions live in session.cpp) and the session
// registry. The acceptor runs on a strand of the main loop, so shutdown() posted from another
// thread never races an accept completion. Accepted connections go to the loops in turn; each
// lives on its loop for good.
#include "http/server.hpp"

#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "http/session.hpp"

namespace lambdahost::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool SessionRegistry::add(const SessionHandle* key, std::weak_ptr<SessionHandle> session) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return false;
    }
    sessions_.emplace(key, std::move(session));
    return true;
}

void SessionRegistry::remove(const SessionHandle* key) {
    std::lock_guard lock(mutex_);
    sessions_.erase(key);
    if (sessions_.empty()) {
        empty_.notify_all();
    }
}

void SessionRegistry::stop_all() {
    std::vector<std::shared_ptr<SessionHandle>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (const auto& [key, weak] : sessions_) {
            if (auto session = weak.lock()) {
                live.push_back(std::move(session));
            }
        }
    }
    // Outside the lock: a session's destructor (possibly run by the last reference dropped here)
    // calls remove().
    for (const auto& session : live) {
        session->stop();
    }
}

bool SessionRegistry::wait_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return empty_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
}

ServerState::ServerState(api::Context& ctx) : context(ctx) {
    for (const api::Operation& operation : api::operations()) {
        router.add(operation.method, operation.path_template, &operation);
    }
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    Impl(util::IoLoops& io_loops, api::Context& context, ServerOptions server_options)
        : loops(io_loops),
          acceptor(asio::make_strand(loops.main())),
          retry_timer(acceptor.get_executor()),
          state(std::make_shared<ServerState>(context)),
          options(std::move(server_options)) {
        state->health = options.health;
    }

    void listen() {
        const std::string address = options.host + ":" + std::to_string(options.port);
        try {
            tcp::resolver resolver(loops.main());
            const tcp::endpoint endpoint =
                resolver
                    .resolve(options.host,
                             std::to_string(options.port),
                             tcp::resolver::passive | tcp::resolver::numeric_service)
                    .begin()
                    ->endpoint();
            acceptor.open(endpoint.protocol());
            acceptor.set_option(asio::socket_base::reuse_address(true));
            acceptor.bind(endpoint);
            acceptor.listen(asio::socket_base::max_listen_connections);
            port = acceptor.local_endpoint().port();
        } catch (const boost::system::system_error& error) {
            throw std::runtime_error("cannot listen on " + address + ": " + error.code().message());
        }
    }

    void do_accept() {
        acceptor.async_accept(
            loops.next(),
            [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
                self->on_accept(ec, std::move(socket));
            });
    }

    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (ec) {
            // Typically EMFILE: back off briefly instead of spinning on the failing accept.
            spdlog::warn("accept failed: {}", ec.message());
            retry_timer.expires_after(std::chrono::milliseconds(100));
            retry_timer.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
                if (!wait_ec && self->acceptor.is_open()) {
                    self->do_accept();
                }
            });
            return;
        }
        start_session(std::move(socket), state);
        do_accept();
    }

    util::IoLoops& loops;
    tcp::acceptor acceptor;
    asio::steady_timer retry_timer;
    std::shared_ptr<ServerState> state;
    ServerOptions options;
    std::uint16_t port = 0;
};

Server::Server(util::IoLoops& loops, api::Context& context, ServerOptions options)
    : impl_(std::make_shared<Impl>(loops, context, std::move(options))) {}

Server::~Server() = default;

void Server::start() {
    impl_->listen();
    impl_->do_accept();
}

std::uint16_t Server::port() const {
    return impl_->port;
}

void Server::shutdown() {
    asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
        impl->retry_timer.cancel();
    });
    impl_->state->sessions.stop_all();
}

bool Server::wait_idle(std::chrono::milliseconds timeout) {
    return impl_->state->sessions.wait_empty(timeout);
}

}  // namespace lambdahost::http
