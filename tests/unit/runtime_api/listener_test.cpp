// SPDX-License-Identifier: Apache-2.0
// Runtime API listener: a Beast HTTP client on the same io_context plays the runtime; a
// recording Handler plays the environment. The io_context runs in the test thread, one
// handler at a time, until the expected callback or reply has happened (bounded, no sleeps).
#include "runtime_api/listener.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace lambdahost::runtime_api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr std::string_view kNext = "/2018-06-01/runtime/invocation/next";

std::string invocation_path(std::string_view id, std::string_view action) {
    return "/2018-06-01/runtime/invocation/" + std::string(id) + "/" + std::string(action);
}

/// Records every callback.
class Recorder final : public Handler {
public:
    void on_next() override { ++nexts; }
    void on_parked_lost() override { ++parked_lost; }
    void on_delivered(std::string_view request_id) override { delivered.emplace_back(request_id); }
    void on_undelivered(Event event) override { undelivered.push_back(std::move(event)); }
    void on_response(std::string body) override { responses.push_back(std::move(body)); }
    void on_error(std::string error_type, std::string body) override {
        errors.emplace_back(std::move(error_type), std::move(body));
    }
    void on_response_too_large() override { ++too_large; }
    void on_init_error(std::string error_type, std::string body) override {
        init_errors.emplace_back(std::move(error_type), std::move(body));
    }

    int nexts = 0;
    int parked_lost = 0;
    std::vector<std::string> delivered;
    std::vector<Event> undelivered;
    std::vector<std::string> responses;
    std::vector<std::pair<std::string, std::string>> errors;
    int too_large = 0;
    std::vector<std::pair<std::string, std::string>> init_errors;
};

class ListenerTest : public ::testing::Test {
protected:
    ListenerTest() { listener_.start(); }

    /// Runs the io_context one handler at a time until `done()` (false after 10 s).
    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                return false;
            }
            if (io_.stopped()) {
                io_.restart();
            }
            io_.run_one_for(deadline - now);
        }
        return true;
    }

    /// A runtime connection.
    class Client {
    public:
        Client(ListenerTest& test, std::uint16_t port) : test_(test), socket_(test.io_) {
            socket_.connect({asio::ip::address_v4::loopback(), port});
        }

        void send(http::verb verb,
                  std::string_view target,
                  std::string body = {},
                  const std::map<std::string, std::string>& headers = {}) {
            request_ = {verb, target, 11};
            request_.set(http::field::host, "127.0.0.1");
            for (const auto& [name, value] : headers) {
                request_.set(name, value);
            }
            request_.body() = std::move(body);
            request_.prepare_payload();
            bool written = false;
            http::async_write(socket_, request_, [&](beast::error_code ec, std::size_t) {
                EXPECT_FALSE(ec) << ec.message();
                written = true;
            });
            EXPECT_TRUE(test_.run_until([&] { return written; }));
        }

        /// Two requests in one write (HTTP pipelining), as lambdahost's runtime clients send
        /// POST /response and the next GET /next.
        void send_pipelined(const http::request<http::string_body>& first,
                            const http::request<http::string_body>& second) {
            std::ostringstream bytes;
            bytes << first << second;
            const std::string text = std::move(bytes).str();
            bool written = false;
            asio::async_write(socket_, asio::buffer(text), [&](beast::error_code ec, std::size_t) {
                EXPECT_FALSE(ec) << ec.message();
                written = true;
            });
            EXPECT_TRUE(test_.run_until([&] { return written; }));
        }

        /// Bytes the listener has sent that this client has not read.
        std::size_t unread() { return socket_.available() + buffer_.size(); }

        /// A request header announcing `length` body bytes, none of which are sent.
        void send_header_only(http::verb verb, std::string_view target, std::uint64_t length) {
            http::request<http::empty_body> header{verb, target, 11};
            header.set(http::field::host, "127.0.0.1");
            header.content_length(length);
            http::request_serializer<http::empty_body> serializer{header};
            bool written = false;
            http::async_write_header(socket_, serializer, [&](beast::error_code ec, std::size_t) {
                EXPECT_FALSE(ec) << ec.message();
                written = true;
            });
            EXPECT_TRUE(test_.run_until([&] { return written; }));
        }

        http::response<http::string_body> receive() {
            http::response<http::string_body> response;
            bool read = false;
            http::async_read(socket_, buffer_, response, [&](beast::error_code ec, std::size_t) {
                EXPECT_FALSE(ec) << ec.message();
                read = true;
            });
            EXPECT_TRUE(test_.run_until([&] { return read; }));
            return response;
        }

        /// Closes; with unread data in the socket the kernel sends a reset instead of a FIN.
        void close() {
            beast::error_code ignored;
            socket_.close(ignored);
        }

    private:
        ListenerTest& test_;
        tcp::socket socket_;
        beast::flat_buffer buffer_;
        http::request<http::string_body> request_;
    };

    Client parked_client() {
        Client client(*this, listener_.port());
        client.send(http::verb::get, kNext);
        EXPECT_TRUE(run_until([&] { return recorder_.nexts == 1; }));
        return client;
    }

    static Event event(std::string id = "req-1", std::string payload = R"({"k":"v"})") {
        Event e;
        e.request_id = std::move(id);
        e.payload = std::move(payload);
        e.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        e.deadline_ms = 1'700'000'000'123;
        e.trace_id = "Root=1-abc";
        return e;
    }

    asio::io_context io_;
    Executor executor_ = io_.get_executor();
    Recorder recorder_;
    Listener listener_{executor_, recorder_};
};

TEST_F(ListenerTest, BindsAnEphemeralLoopbackPort) {
    EXPECT_NE(listener_.port(), 0);
}

TEST_F(ListenerTest, DeliversTheEventToTheParkedGetNext) {
    Client client = parked_client();
    Event e = event();
    e.client_context = R"({"custom":{"a":1}})";
    ASSERT_TRUE(listener_.deliver(e));
    const auto response = client.receive();
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_EQ(response.body(), R"({"k":"v"})");
    EXPECT_EQ(response["Lambda-Runtime-Aws-Request-Id"], "req-1");
    EXPECT_EQ(response["Lambda-Runtime-Deadline-Ms"], "1700000000123");
    EXPECT_EQ(response["Lambda-Runtime-Invoked-Function-Arn"],
              "arn:aws:lambda:us-east-1:000000000000:function:f");
    EXPECT_EQ(response["Lambda-Runtime-Trace-Id"], "Root=1-abc");
    EXPECT_EQ(response["Lambda-Runtime-Client-Context"], R"({"custom":{"a":1}})");
    EXPECT_EQ(response.count("Lambda-Runtime-Cognito-Identity"), 0u);
}

TEST_F(ListenerTest, DeliverWithoutAParkedGetReturnsFalse) {
    Event e = event();
    EXPECT_FALSE(listener_.deliver(e));
    EXPECT_EQ(e.payload, R"({"k":"v"})");  // untouched
}

TEST_F(ListenerTest, ResponseOnTheSameConnectionCompletesTheInvocation) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(http::verb::post, invocation_path("req-1", "response"), R"({"answer":42})");
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::accepted);
    EXPECT_EQ(reply.body(), R"({"status":"OK"})");
    ASSERT_EQ(recorder_.responses.size(), 1u);
    EXPECT_EQ(recorder_.responses[0], R"({"answer":42})");
    EXPECT_TRUE(run_until([&] { return !recorder_.delivered.empty(); }));
    EXPECT_EQ(recorder_.delivered, std::vector<std::string>{"req-1"});
    EXPECT_TRUE(recorder_.undelivered.empty());
}

TEST_F(ListenerTest, PipelinedNextGetsTheAcceptedTogetherWithTheNextEvent) {
    Client client = parked_client();
    Event first = event("req-1");
    ASSERT_TRUE(listener_.deliver(first));
    client.receive();
    http::request<http::string_body> response{
        http::verb::post, invocation_path("req-1", "response"), 11};
    response.set(http::field::host, "127.0.0.1");
    response.body() = R"({"answer":1})";
    response.prepare_payload();
    http::request<http::string_body> next{http::verb::get, kNext, 11};
    next.set(http::field::host, "127.0.0.1");
    client.send_pipelined(response, next);
    EXPECT_TRUE(run_until([&] { return recorder_.nexts == 2; }));
    ASSERT_EQ(recorder_.responses.size(), 1u);
    EXPECT_EQ(client.unread(), 0u);  // the 202 waits for the next event
    Event second = event("req-2", R"({"n":2})");
    ASSERT_TRUE(listener_.deliver(second));
    const auto accepted = client.receive();
    EXPECT_EQ(accepted.result(), http::status::accepted);
    EXPECT_EQ(accepted.body(), R"({"status":"OK"})");
    const auto event_two = client.receive();
    EXPECT_EQ(event_two["Lambda-Runtime-Aws-Request-Id"], "req-2");
    EXPECT_EQ(event_two.body(), R"({"n":2})");
}

TEST_F(ListenerTest, ResponseOnAnotherConnectionCompletesTheInvocation) {
    Client next = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    next.receive();
    Client post(*this, listener_.port());
    post.send(http::verb::post, invocation_path("req-1", "response"), "\"done\"");
    EXPECT_EQ(post.receive().result(), http::status::accepted);
    EXPECT_EQ(recorder_.responses, std::vector<std::string>{"\"done\""});
}

TEST_F(ListenerTest, UnknownRequestIdIsInvalidRequestId) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(http::verb::post, invocation_path("someone-else", "response"), "{}");
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::bad_request);
    EXPECT_EQ(reply.body(),
              R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
    EXPECT_TRUE(recorder_.responses.empty());
    // A second answer for an id already answered is refused the same way.
    client.send(http::verb::post, invocation_path("req-1", "response"), "1");
    EXPECT_EQ(client.receive().result(), http::status::accepted);
    client.send(http::verb::post, invocation_path("req-1", "response"), "2");
    EXPECT_EQ(client.receive().result(), http::status::bad_request);
    EXPECT_EQ(recorder_.responses, std::vector<std::string>{"1"});
}

TEST_F(ListenerTest, ErrorCarriesTheFunctionErrorType) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(http::verb::post,
                invocation_path("req-1", "error"),
                R"({"errorMessage":"boom","errorType":"ValueError"})",
                {{"Lambda-Runtime-Function-Error-Type", "ValueError"}});
    EXPECT_EQ(client.receive().result(), http::status::accepted);
    ASSERT_EQ(recorder_.errors.size(), 1u);
    EXPECT_EQ(recorder_.errors[0].first, "ValueError");
    EXPECT_EQ(recorder_.errors[0].second, R"({"errorMessage":"boom","errorType":"ValueError"})");
}

TEST_F(ListenerTest, InitErrorIsAccepted) {
    Client client(*this, listener_.port());
    client.send(http::verb::post,
                "/2018-06-01/runtime/init/error",
                R"({"errorMessage":"no module","errorType":"Runtime.ImportModuleError"})",
                {{"Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError"}});
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::accepted);
    ASSERT_EQ(recorder_.init_errors.size(), 1u);
    EXPECT_EQ(recorder_.init_errors[0].first, "Runtime.ImportModuleError");
    EXPECT_EQ(recorder_.init_errors[0].second,
              R"({"errorMessage":"no module","errorType":"Runtime.ImportModuleError"})");
}

TEST_F(ListenerTest, ResponseAtTheLimitIsAccepted) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(http::verb::post,
                invocation_path("req-1", "response"),
                std::string(kMaxResponseBytes, 'a'));
    EXPECT_EQ(client.receive().result(), http::status::accepted);
    ASSERT_EQ(recorder_.responses.size(), 1u);
    EXPECT_EQ(recorder_.responses[0].size(), kMaxResponseBytes);
    EXPECT_EQ(recorder_.too_large, 0);
}

TEST_F(ListenerTest, ResponseOverTheLimitIs413) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(http::verb::post,
                invocation_path("req-1", "response"),
                std::string(kMaxResponseBytes + 1, 'a'));
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::payload_too_large);
    EXPECT_EQ(recorder_.too_large, 1);
    EXPECT_TRUE(recorder_.responses.empty());
}

TEST_F(ListenerTest, OversizeResponseIsReadTo413AndTheConnectionGoesOn) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.send(
        http::verb::post, invocation_path("req-1", "response"), std::string(7 * 1024 * 1024, 'a'));
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::payload_too_large);
    EXPECT_TRUE(reply.keep_alive());
    EXPECT_EQ(recorder_.too_large, 1);
    // The same connection asks for, and gets, the next invocation.
    client.send(http::verb::get, kNext);
    EXPECT_TRUE(run_until([&] { return recorder_.nexts == 2; }));
    Event second = event("req-2", R"({"n":2})");
    ASSERT_TRUE(listener_.deliver(second));
    EXPECT_EQ(client.receive().body(), R"({"n":2})");
    client.send(http::verb::post, invocation_path("req-2", "response"), "ok");
    EXPECT_EQ(client.receive().result(), http::status::accepted);
    ASSERT_EQ(recorder_.responses.size(), 1u);
    EXPECT_EQ(recorder_.responses[0], "ok");
}

TEST_F(ListenerTest, BodyTooLargeToDrainIs413ThenClose) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    // Only the header: the declared length alone is over what the listener drains.
    client.send_header_only(http::verb::post, invocation_path("req-1", "response"), 1ULL << 32);
    const auto reply = client.receive();
    EXPECT_EQ(reply.result(), http::status::payload_too_large);
    EXPECT_FALSE(reply.keep_alive());
    EXPECT_EQ(recorder_.too_large, 1);
}

TEST_F(ListenerTest, UnknownPathIs404) {
    Client client(*this, listener_.port());
    client.send(http::verb::get, "/2018-06-01/runtime/nothing");
    EXPECT_EQ(client.receive().result(), http::status::not_found);
}

TEST_F(ListenerTest, DisconnectWhileParkedIsReported) {
    Client client = parked_client();
    client.close();
    EXPECT_TRUE(run_until([&] { return recorder_.parked_lost == 1; }));
    Event e = event();
    EXPECT_FALSE(listener_.deliver(e));
    EXPECT_EQ(e.payload, R"({"k":"v"})");
}

TEST_F(ListenerTest, AnEventForADisconnectTheLoopHasNotSeenYetComesBack) {
    Client client = parked_client();
    client.close();  // the io_context does not run before deliver()
    Event e = event("req-3", R"({"k":"v"})");
    ASSERT_TRUE(listener_.deliver(e));
    EXPECT_TRUE(run_until([&] { return !recorder_.undelivered.empty(); }));
    ASSERT_EQ(recorder_.undelivered.size(), 1u);
    EXPECT_EQ(recorder_.undelivered[0].request_id, "req-3");
    EXPECT_EQ(recorder_.undelivered[0].payload, R"({"k":"v"})");
    EXPECT_TRUE(recorder_.delivered.empty());
}

TEST_F(ListenerTest, AnEventTheRuntimeNeverReadComesBack) {
    Client client = parked_client();
    Event e = event("req-7", R"({"precious":true})");
    ASSERT_TRUE(listener_.deliver(e));
    // The runtime goes away without reading the event: its close resets the connection.
    client.close();
    EXPECT_TRUE(run_until([&] { return !recorder_.undelivered.empty(); }));
    ASSERT_EQ(recorder_.undelivered.size(), 1u);
    EXPECT_EQ(recorder_.undelivered[0].request_id, "req-7");
    EXPECT_EQ(recorder_.undelivered[0].payload, R"({"precious":true})");
    EXPECT_TRUE(recorder_.delivered.empty());
}

TEST_F(ListenerTest, AnEventReadThenACleanCloseIsDelivered) {
    Client client = parked_client();
    Event e = event();
    ASSERT_TRUE(listener_.deliver(e));
    client.receive();
    client.close();
    EXPECT_TRUE(run_until([&] { return !recorder_.delivered.empty(); }));
    EXPECT_TRUE(recorder_.undelivered.empty());
}

TEST_F(ListenerTest, CloseStopsAccepting) {
    const std::uint16_t port = listener_.port();
    listener_.close();
    tcp::socket socket(io_);
    beast::error_code ec;
    socket.connect({asio::ip::address_v4::loopback(), port}, ec);
    EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace lambdahost::runtime_api
