// SPDX-License-Identifier: Apache-2.0
// One HTTP/1.1 connection of the Lambda API, on Boost.Beast (the only Beast translation unit
// besides the precompiled header). Per request: read the header, route it, enforce the
// operation's body limit (413 before reading an oversize body), read the body, hand an
// api::Request to the blocking pool (or, for an asynchronous operation such as Invoke, to its
// handler right here on the session's loop), and write the api::Response back with Content-Length
// and an x-amzn-RequestId (the handler's, else a fresh one). Session = transport only; handling
// happens in api::dispatch / api::dispatch_async. Threading: every member runs on the socket's loop
// (one thread); a synchronous handler runs on the blocking pool, an asynchronous one completes on
// any thread, and both post their Response back to that loop (post_response). Exceptions never
// leave a completion handler: they are logged and the connection is closed.
#include "http/session.hpp"

#include <optional>
#include <string>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "api/errors.hpp"
#include "model/aws_error.hpp"
#include "util/http_buffered.hpp"
#include "util/ids.hpp"
#include "util/lazy_deadline.hpp"

namespace lambdahost::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Waiting for the next request on a keep-alive connection.
constexpr auto kIdleTimeout = std::chrono::seconds(60);
// Reading a body: CreateFunction bodies reach 70 MB.
constexpr auto kBodyTimeout = std::chrono::minutes(5);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
// After answering early (413, unknown route), how long unread request bytes are drained so the
// client reads the answer instead of a connection reset.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// SigV4 requests carry long Authorization and X-Amz-* headers; Beast's default is 8 KB.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kLingerChunk = 16 * 1024;
constexpr std::string_view kRequestIdHeader = "x-amzn-RequestId";

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

/// Connection ends that are nobody's fault: not worth more than a trace line.
bool is_normal_close(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
           ec == asio::error::eof || ec == asio::error::operation_aborted ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

class Session final : public SessionHandle, public std::enable_shared_from_this<Session> {
    /// Wraps a member function as a completion handler that keeps the session alive and turns
    /// an escaping exception into a log line and a closed connection. Defined first: its deduced
    /// return type must be known where the members below use it.
    template <typename... Args>
    auto guarded(void (Session::*member)(Args...)) {
        return [self = shared_from_this(), member](Args... args) {
            try {
                ((*self).*member)(std::move(args)...);
            } catch (const std::exception& error) {
                spdlog::error("http session failed: {}", error.what());
                self->close();
            }
        };
    }

public:
    Session(tcp::socket socket, std::shared_ptr<ServerState> state)
        : socket_(std::move(socket)), deadline_(socket_.get_executor()), state_(std::move(state)) {}

    ~Session() override { state_->sessions.remove(this); }

    void start() {
        if (!state_->sessions.add(this, weak_from_this())) {
            return;  // shutting down: the socket closes with this session
        }
        asio::dispatch(socket_.get_executor(), guarded(&Session::do_read_header));
    }

    void stop() override { asio::post(socket_.get_executor(), guarded(&Session::on_stop)); }

private:
    void on_stop() {
        stopping_ = true;
        if (waiting_for_request_) {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
        }
    }

    void do_read_header() {
        if (stopping_) {
            close();
            return;
        }
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        // The limit depends on the operation, known only once the header is routed; an unlimited
        // parser keeps Beast from refusing a Content-Length against its 1 MB default first.
        parser_->body_limit(boost::none);
        waiting_for_request_ = true;
        expires_after(kIdleTimeout);
        bhttp::async_read_header(socket_, buffer_, *parser_, guarded(&Session::on_header));
    }

    void on_header(beast::error_code ec, std::size_t /*bytes*/) {
        waiting_for_request_ = false;
        started_ = Clock::now();
        method_.clear();
        path_.clear();
        operation_ = nullptr;
        if (ec) {
            on_read_error(ec);
            return;
        }
        const auto& request = parser_->get();
        method_ = std::string(request.method_string());
        const std::string_view target = request.target();
        const std::size_t question = target.find('?');
        path_ = std::string(target.substr(0, question));
        query_ = question == std::string_view::npos ? QueryParams{}
                                                    : parse_query(target.substr(question + 1));
        head_ = request.method() == bhttp::verb::head;
        keep_alive_ = request.keep_alive();

        if (method_ == "GET" && path_ == "/health") {
            respond_early(api::Response{200, {}, state_->health});
            return;
        }
        auto match = state_->router.match(method_, path_, query_);
        if (match.status != MatchStatus::Found) {
            if (match.status == MatchStatus::MethodNotAllowed) {
                spdlog::info(
                    "no {} operation on {} (the path matches another method)", method_, path_);
            }
            respond_early(api::render_error(model::errors::unknown_operation(method_, path_)));
            return;
        }
        operation_ = *match.value;
        path_params_ = std::move(match.params);

        const std::size_t limit = operation_->body_limit;
        if (const auto length = parser_->content_length(); length && *length > limit) {
            respond_early(too_large());
            return;
        }
        // Chunked bodies are checked while they are read (on_read_error).
        parser_->body_limit(limit);
        if (!parser_->is_done() && beast::iequals(request[bhttp::field::expect], "100-continue")) {
            continue_.emplace(bhttp::status::continue_, request.version());
            expires_after(kWriteTimeout);
            bhttp::async_write(socket_, *continue_, guarded(&Session::on_continue_written));
            return;
        }
        do_read_body();
    }

    void on_continue_written(beast::error_code ec, std::size_t /*bytes*/) {
        continue_.reset();
        if (ec) {
            close();
            return;
        }
        do_read_body();
    }

    void do_read_body() {
        beast::error_code ec;
        if (util::parse_buffered(*parser_, buffer_, ec)) {
            on_body(ec, 0);  // the body came with the header: no read, no post
            return;
        }
        expires_after(kBodyTimeout);
        bhttp::async_read(socket_, buffer_, *parser_, guarded(&Session::on_body));
    }

    void on_body(beast::error_code ec, std::size_t /*bytes*/) {
        if (ec) {
            on_read_error(ec);
            return;
        }
        auto message = parser_->release();
        parser_.reset();
        api::Request request;
        request.method = method_;
        request.path = path_;
        request.path_params = std::move(path_params_);
        request.query = std::move(query_);
        for (const auto& field : message) {
            auto [it, inserted] = request.headers.emplace(std::string(field.name_string()),
                                                          std::string(field.value()));
            if (!inserted) {
                // RFC 9110 §5.3: repeated fields combine into one comma-separated value.
                it->second.append(", ").append(field.value());
            }
        }
        request.body = std::move(message.body());
        request.scope = api::scope_from_authorization(message[bhttp::field::authorization]);

        deadline_.disarm();  // a handler takes as long as it takes (Invoke: the function's timeout)
        if (operation_->async_handler != nullptr) {
            // On this loop, right now: an async handler does not block (operations.hpp).
            api::dispatch_async(*operation_,
                                state_->context,
                                std::move(request),
                                [self = shared_from_this()](api::Response response) {
                                    self->post_response(std::move(response));
                                });
            return;
        }
        state_->context.executor.post(
            [self = shared_from_this(), operation = operation_, request = std::move(request)] {
                self->post_response(run_handler(*operation, self->state_->context, request));
            });
    }

    /// Hands a handler's response to the session's loop for writing: at once when called on it
    /// (an invocation that ran on this loop), else posted. Safe from any thread.
    void post_response(api::Response response) {
        asio::dispatch(
            socket_.get_executor(),
            [on_response = guarded(&Session::on_response),
             response = std::move(response)]() mutable { on_response(std::move(response)); });
    }

    void on_response(api::Response response) { write(std::move(response), false); }

    /// Runs on the blocking pool. dispatch() is the catch site for handler errors; this only
    /// guards against a failure in dispatch itself, so that the client still gets an answer.
    static api::Response run_handler(const api::Operation& operation,
                                     api::Context& context,
                                     const api::Request& request) {
        try {
            return api::dispatch(operation, context, request);
        } catch (const std::exception& error) {
            spdlog::error("{} failed outside its handler: {}", operation.name, error.what());
            return api::render_error(model::errors::service(error.what()));
        }
    }

    api::Response too_large() const {
        return api::render_error(api::request_too_large(*operation_));
    }

    void on_read_error(beast::error_code ec) {
        if (ec == bhttp::error::body_limit && operation_ != nullptr) {
            respond_early(too_large());
        } else if (is_normal_close(ec)) {
            close();
        } else if (is_http_error(ec)) {
            // Not a request we can route, so not an AWS error either: a bare 400.
            spdlog::debug("malformed HTTP request: {}", ec.message());
            keep_alive_ = false;
            head_ = false;
            respond_early(api::Response{400, {}, "Bad Request\n", "text/plain"});
        } else {
            spdlog::debug("http read failed: {}", ec.message());
            close();
        }
    }

    /// Answers before (or instead of) reading the body. A request whose body is still unread
    /// leaves the connection out of sync, so it is closed after the answer.
    void respond_early(api::Response response) {
        body_unread_ = parser_.has_value() && !parser_->is_done();
        write(std::move(response), body_unread_);
    }

    void write(api::Response response, bool close_after) {
        auto& message = response_.emplace(static_cast<bhttp::status>(response.status), 11);
        message.set(bhttp::field::content_type, response.content_type);
        for (auto& [name, value] : response.headers) {
            message.set(name, value);
        }
        // Invoke answers with its invocation's request id; every other response gets a new one.
        if (message.find(kRequestIdHeader) == message.end()) {
            message.set(kRequestIdHeader, util::uuid4());
        }
        close_after_ = close_after || stopping_ || !keep_alive_;
        message.keep_alive(!close_after_);
        const bool bodiless = response.status == 204 || response.status == 304 ||
                              (response.status >= 100 && response.status < 200);
        if (bodiless) {
            message.prepare_payload();
        } else if (head_) {
            // HEAD: the length the body would have, and no body.
            message.content_length(response.body.size());
        } else {
            message.body() = std::move(response.body);
            message.prepare_payload();
        }
        spdlog::debug(
            "{} {} -> {} ({}, {} ms)",
            method_,
            path_,
            response.status,
            operation_ != nullptr ? operation_->name : std::string_view("-"),
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count());
        expires_after(kWriteTimeout);
        bhttp::async_write(socket_, message, guarded(&Session::on_write));
    }

    void on_write(beast::error_code ec, std::size_t /*bytes*/) {
        response_.reset();
        if (ec) {
            close();
        } else if (body_unread_) {
            linger();
        } else if (close_after_) {
            close();
        } else {
            do_read_header();
        }
    }

    void close() {
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        deadline_.cancel();  // lets go of this session once its last operation ends
    }

    /// Closes the connection if the operation about to start has not ended `after` from now.
    void expires_after(std::chrono::seconds after) {
        deadline_.arm(Clock::now() + after, [self = shared_from_this()] {
            spdlog::debug("http connection timed out");
            beast::error_code ignored;
            self->socket_.close(ignored);  // ends the pending operation (operation_aborted)
        });
    }

    /// Half-closes, then discards what the client still sends until it closes or the linger
    /// time runs out, so that closing with unread data does not reset the connection before the
    /// client has read the answer.
    void linger() {
        close();
        buffer_.clear();
        expires_after(kLingerTimeout);
        do_drain();
    }

    void do_drain() {
        socket_.async_read_some(buffer_.prepare(kLingerChunk), guarded(&Session::on_drain));
    }

    void on_drain(beast::error_code ec, std::size_t /*bytes*/) {
        if (!ec) {
            do_drain();
        }
    }

    tcp::socket socket_;
    util::LazyDeadline deadline_;  // of the operation in progress (expires_after)
    beast::flat_buffer buffer_;
    std::shared_ptr<ServerState> state_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::response<bhttp::empty_body>> continue_;
    std::optional<bhttp::response<bhttp::string_body>> response_;

    // The request in progress.
    std::string method_;
    std::string path_;
    QueryParams query_;
    const api::Operation* operation_ = nullptr;
    PathParams path_params_;
    Clock::time_point started_;
    bool head_ = false;
    bool keep_alive_ = true;
    bool body_unread_ = false;
    bool close_after_ = false;

    bool waiting_for_request_ = false;
    bool stopping_ = false;
};

}  // namespace

void start_session(tcp::socket socket, std::shared_ptr<ServerState> state) {
    std::make_shared<Session>(std::move(socket), std::move(state))->start();
}

}  // namespace lambdahost::http
