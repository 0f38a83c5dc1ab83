// SPDX-License-Identifier: Apache-2.0
// The Runtime API loop behind lambdahost::runtime::run_handler (see runtime.hpp).
//
// HTTP/1.1 over one kept-alive TCP connection with Boost.Beast's synchronous API (blocking
// calls on the handler's thread are all a one-invocation-at-a-time loop needs). Requests are
// pipelined: an invocation's result and the next GET /invocation/next go out in one write, then
// the two answers are read in order, so a warm invocation costs one write and one or two reads.
// That stays AWS-compatible: lambdahost's listener, and AWS's Runtime API (Go net/http, as in
// the Runtime Interface Emulator), serve a connection's requests one after another.
#include "lambdahost/runtime.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "trace_env.hpp"

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

using Response = http::response<http::string_body>;

/// One serialized request: its head (request line and headers, through the blank line) and
/// its body, apart so that a large result is written from where the handler left it.
struct OutgoingRequest {
    std::string_view head;
    std::string_view body;
};

// One kept-alive connection to the Runtime API. The requests of an exchange go out in one
// write and are answered in order. When the connection breaks (the server closed it, or
// answered "Connection: close"), the requests still unanswered are sent again, once, on a
// fresh connection.
class Connection {
public:
    explicit Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)), socket_(io_) {}

    /// Sends `requests` and returns the answer to the last; std::nullopt once the API is
    /// unreachable.
    std::optional<Response> exchange(std::span<const OutgoingRequest> requests) {
        std::size_t answered = 0;
        for (int attempt = 0; attempt < 2; ++attempt) {
            boost::system::error_code error;
            if (!socket_.is_open() && !connect(error)) {
                return std::nullopt;
            }
            if (write(requests.subspan(answered), error)) {
                while (auto response = read(error)) {
                    ++answered;
                    if (!response->keep_alive()) {
                        close();  // whatever followed on this connection is not answered
                    }
                    if (answered == requests.size()) {
                        return response;
                    }
                    if (!socket_.is_open()) {
                        break;
                    }
                }
            }
            close();
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

    bool write(std::span<const OutgoingRequest> requests, boost::system::error_code& error) {
        std::vector<asio::const_buffer> buffers;
        buffers.reserve(2 * requests.size());
        for (const OutgoingRequest& request : requests) {
            buffers.emplace_back(request.head.data(), request.head.size());
            if (!request.body.empty()) {
                buffers.emplace_back(request.body.data(), request.body.size());
            }
        }
        asio::write(socket_, buffers, error);
        return !error;
    }

    std::optional<Response> read(boost::system::error_code& error) {
        // The event may be up to 6 MB: lift Beast's default response body limit.
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        http::read(socket_, buffer_, parser, error);
        if (error) {
            return std::nullopt;
        }
        return parser.release();
    }

    void close() {
        boost::system::error_code ignored;
        socket_.close(ignored);
        buffer_.clear();
    }

    Endpoint endpoint_;
    asio::io_context io_;
    tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

/// Appends "name: value\r\n" without the value's control characters (CR LF would end the line;
/// the values come from the handler).
void append_header(std::string& head, std::string_view name, std::string_view value) {
    head.append(name).append(": ");
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\t' || (byte >= 0x20 && byte != 0x7f)) {
            head.push_back(c);
        }
    }
    head.append("\r\n");
}

/// The head of POST /invocation/{id}/response (or /error) carrying `response`.
std::string post_head(std::string_view host,
                      std::string_view request_id,
                      const InvocationResponse& response) {
    std::string head;
    head.reserve(256);
    head.append("POST ")
        .append(kApiPrefix)
        .append("/invocation/")
        .append(request_id)
        .append(response.is_success() ? "/response" : "/error")
        .append(" HTTP/1.1\r\n");
    append_header(head, "Host", host);
    append_header(head, "Content-Type", response.content_type());
    if (!response.is_success()) {
        append_header(head, "Lambda-Runtime-Function-Error-Type", response.error_type());
    }
    append_header(head, "Content-Length", std::to_string(response.payload().size()));
    head.append("\r\n");
    return head;
}

std::string header_or_empty(const Response& response, std::string_view name) {
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

InvocationRequest to_invocation(Response&& response) {
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
    Endpoint endpoint = runtime_api_endpoint();
    const std::string host = endpoint.host + ":" + endpoint.port;
    Connection connection(std::move(endpoint));
    const std::string next_target = std::string(kApiPrefix) + "/invocation/next";
    const std::string next_head = "GET " + next_target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    const OutgoingRequest next{next_head, {}};
    std::optional<Response> delivered = connection.exchange({&next, 1});
    int refused = 0;
    while (delivered) {
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
            delivered = connection.exchange({&next, 1});
            continue;
        }
        refused = 0;
        const InvocationRequest request = to_invocation(std::move(*delivered));
        detail::set_trace_id_variable(request.xray_trace_id);

        const InvocationResponse response = call_handler(handler, request);
        // The result and the next GET /invocation/next in one write.
        const std::string head = post_head(host, request.request_id, response);
        const std::array<OutgoingRequest, 2> requests{OutgoingRequest{head, response.payload()},
                                                      next};
        delivered = connection.exchange(requests);
    }
}

}  // namespace lambdahost::runtime
