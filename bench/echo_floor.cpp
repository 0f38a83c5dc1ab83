// SPDX-License-Identifier: Apache-2.0
// echo_floor: the loopback floor for bench/invoke.py. A bare Boost.Beast HTTP/1.1 server that
// answers every request with its own body over kept-alive connections: the least any HTTP
// server on this machine can cost per request, so invoke figures are read against it.
//
// Usage: echo_floor [--threads N]   (binds 127.0.0.1:0, prints "http://127.0.0.1:<port>")
//
// Threading: one io_context run by N threads (default: number of cores, like lambdahost's
// --io-threads); each connection is one coroutine, so a connection never runs on two threads
// at once and needs no strand.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

asio::awaitable<void> serve(tcp::socket socket) {
    // Same socket option as a tuned server: small responses must not wait for Nagle.
    socket.set_option(tcp::no_delay(true));
    boost::beast::flat_buffer buffer;
    try {
        for (;;) {
            http::request<http::string_body> request;
            co_await http::async_read(socket, buffer, request, asio::use_awaitable);
            http::response<http::string_body> response(http::status::ok, request.version());
            response.set(http::field::content_type, "application/json");
            response.keep_alive(request.keep_alive());
            response.body() = std::move(request.body());
            response.prepare_payload();
            co_await http::async_write(socket, response, asio::use_awaitable);
            if (!response.keep_alive()) {
                co_return;
            }
        }
    } catch (const boost::system::system_error&) {
        // The client closed the connection (end of a wrk run): nothing to report.
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    if (argc == 3 && std::string_view(argv[1]) == "--threads") {
        threads = static_cast<unsigned>(std::max(1, std::atoi(argv[2])));
    } else if (argc != 1) {
        std::fprintf(stderr, "usage: echo_floor [--threads N]\n");
        return 2;
    }
    asio::io_context io(static_cast<int>(threads));
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::printf("http://127.0.0.1:%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    asio::co_spawn(io, accept_loop(acceptor), asio::detached);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) {
        pool.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& thread : pool) {
        thread.join();
    }
    return 0;
}
