// SPDX-License-Identifier: Apache-2.0
// The Runtime API loop behind lambdahost::runtime::run_handler (see runtime.hpp).
//
// HTTP/1.1 over one kept-alive TCP connection with Boost.Beast's synchronous API: the loop
// is strictly request/response, so blocking calls on the handler's thread are all it needs,
// and a warm invocation costs two round trips on an open socket (GET next, POST result).
#include "lambdahost/runtime.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace lambdahost::runtime {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kApiPrefix = "/2018-06-01/runtime";
// GET /next answered with something other than 200 this many times in a row: give up. (AWS's
// aws-lambda-cpp also retries a failed GET /next a few times before exiting.)
constexpr int kMaxNextAttempts = 3;

struct Endpoint {
    std::string host;
    std::string port;
};

Endpoint runtime_api_endpoint() {
    const char* value = std::getenv("AWS_LAMBDA_RUNTIME_API");
    const std::string address = value ? value : "";
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
        throw std::runtime_error("AWS_LAMBDA_RUNTIME_API must be host:port, got '" + address + "'");
    }
    return {address.substr(0, colon), address.substr(colon + 1)};
}

// One kept-alive connection to the Runtime API. A request that fails on a connection the
// server has meanwhile closed is retried once on a fresh one.
class Connection {
public:
    explicit Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)), socket_(io_) {}

    // Sends `request` and returns the response; std::nullopt once the API is unreachable.
    std::optional<http::response<http::string_body>> exchange(
        http::request<http::string_body>& request) {
        request.set(http::field::host, endpoint_.host);
        request.keep_alive(true);
        request.prepare_payload();
        for (int attempt = 0; attempt < 2; ++attempt) {
            boost::system::error_code error;
            if (!socket_.is_open() && !connect(error)) {
                return std::nullopt;
            }
            http::write(socket_, request, error);
            if (!error) {
                // The event may be up to 6 MB: lift Beast's default response body limit.
                http::response_parser<http::string_body> parser;
                parser.body_limit(boost::none);
                http::read(socket_, buffer_, parser, error);
                if (!error) {
                    return parser.release();
                }
            }
            socket_.close(error);
            buffer_.clear();
        }
        return std::nullopt;
    }

private:
    bool connect(boost::system::error_code& error) {
        tcp::resolver resolver(io_);
        const auto endpoints = resolver.resolve(endpoint_.host, endpoint_.port, error);
        if (error) {
            return false;
        }
        asio::connect(socket_, endpoints, error);
        if (error) {
            return false;
        }
        // Small request/response pairs: do not let Nagle hold them back.
        socket_.set_option(tcp::no_delay(true), error);
        return true;
    }

    Endpoint endpoint_;
    asio::io_context io_;
    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

std::string header_or_empty(const http::response<http::string_body>& response,
                            std::string_view name) {
    const auto found = response.find(boost::beast::string_view(name.data(), name.size()));
    return found == response.end() ? std::string() : std::string(found->value());
}

/// Epoch milliseconds; a missing or garbled value means no known deadline (time_point::max()).
std::chrono::system_clock::time_point parse_deadline(std::string_view text) {
    long long ms = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (error != std::errc() || end != text.data() + text.size() || ms <= 0) {
        return std::chrono::system_clock::time_point::max();
    }
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

InvocationRequest to_invocation(http::response<http::string_body>&& response) {
    InvocationRequest request;
    request.request_id = header_or_empty(response, "Lambda-Runtime-Aws-Request-Id");
    request.function_arn = header_or_empty(response, "Lambda-Runtime-Invoked-Function-Arn");
    request.xray_trace_id = header_or_empty(response, "Lambda-Runtime-Trace-Id");
    request.client_context = header_or_empty(response, "Lambda-Runtime-Client-Context");
    request.cognito_identity = header_or_empty(response, "Lambda-Runtime-Cognito-Identity");
    request.deadline = parse_deadline(header_or_empty(response, "Lambda-Runtime-Deadline-Ms"));
    request.payload = std::move(response.body());
    return request;
}

InvocationResponse call_handler(
    const std::function<InvocationResponse(const InvocationRequest&)>& handler,
    const InvocationRequest& request) {
    try {
        return handler(request);
    } catch (const std::exception& error) {
        return InvocationResponse::failure(error.what(), "std::exception");
    }
}

}  // namespace

std::chrono::milliseconds InvocationRequest::get_time_remaining() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::system_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

InvocationResponse::InvocationResponse(std::string payload,
                                       std::string content_type,
                                       std::string error_type,
                                       bool success)
    : payload_(std::move(payload)),
      content_type_(std::move(content_type)),
      error_type_(std::move(error_type)),
      success_(success) {}

InvocationResponse InvocationResponse::success(std::string payload, std::string content_type) {
    return InvocationResponse(std::move(payload), std::move(content_type), "", true);
}

InvocationResponse InvocationResponse::failure(std::string error_message, std::string error_type) {
    // AWS: the error body shape of aws-lambda-cpp's failure().
    const nlohmann::json body = {{"errorMessage", std::move(error_message)},
                                 {"errorType", error_type},
                                 {"stackTrace", nlohmann::json::array()}};
    return InvocationResponse(body.dump(), "application/json", std::move(error_type), false);
}

void run_handler(const std::function<InvocationResponse(const InvocationRequest&)>& handler) {
    Connection connection(runtime_api_endpoint());
    const std::string next_target = std::string(kApiPrefix) + "/invocation/next";
    int refused = 0;
    for (;;) {
        http::request<http::string_body> next(http::verb::get, next_target, 11);
        auto delivered = connection.exchange(next);
        if (!delivered) {
            return;
        }
        if (delivered->result() != http::status::ok) {
            // Not an invocation: say so in the function's log, retry a few times, then stop.
            std::fprintf(stderr,
                         "lambdahost runtime: GET %s returned %u: %s\n",
                         next_target.c_str(),
                         delivered->result_int(),
                         delivered->body().c_str());
            if (++refused == kMaxNextAttempts) {
                std::fprintf(stderr, "lambdahost runtime: giving up after %d attempts\n", refused);
                return;
            }
            continue;
        }
        refused = 0;
        const InvocationRequest request = to_invocation(std::move(*delivered));
        if (request.xray_trace_id.empty()) {
            ::unsetenv("_X_AMZN_TRACE_ID");
        } else {
            ::setenv("_X_AMZN_TRACE_ID", request.xray_trace_id.c_str(), 1);
        }

        InvocationResponse response = call_handler(handler, request);
        const std::string target = std::string(kApiPrefix) + "/invocation/" + request.request_id +
                                   (response.is_success() ? "/response" : "/error");
        http::request<http::string_body> post(http::verb::post, target, 11);
        post.set(http::field::content_type, response.content_type());
        if (!response.is_success()) {
            post.set("Lambda-Runtime-Function-Error-Type", response.error_type());
        }
        post.body() = response.payload();
        if (!connection.exchange(post)) {
            return;
        }
    }
}

}  // namespace lambdahost::runtime
