// SPDX-License-Identifier: Apache-2.0
// The Runtime API listener on Beast: an acceptor and one Session per runtime connection, all on
// the environment's event loop. A session reads requests in a loop; GET /next is answered later, by
// deliver(), while the read of the next request stays pending: it is the disconnect watch of
// the parked connection and, once the event is written, the verdict on whether the runtime read
// it (its next request or a clean EOF: yes; a reset: no) before it reads the runtime's POST.
// A request body over kMaxResponseBytes is read to its end but not kept (CappedBody), so the
// runtime gets a 413 it can read on a connection it can go on using.
// Threading: every member runs on the executor given to the Listener.
#include "runtime_api/listener.hpp"

#include <cstdint>
#include <deque>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <fcntl.h>
#include <sys/socket.h>

#include "util/http_buffered.hpp"

namespace lambdahost::runtime_api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

/// An oversize body is read and dropped up to this size (the connection stays usable); beyond
/// it the runtime gets its 413 and the connection is closed.
constexpr std::uint64_t kMaxDrainBytes = 64 * 1024 * 1024;

/// A request body that keeps at most kMaxResponseBytes and only counts what comes beyond, so
/// an oversize response is read to its end in bounded memory.
struct CappedBody {
    struct value_type {
        std::string text;
        bool over_limit = false;  // text is then empty
    };

    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>& /*header*/, value_type& body) : body_(body) {}

        void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
            if (length && *length <= kMaxResponseBytes) {
                body_.text.reserve(static_cast<std::size_t>(*length));
            }
            ec = {};
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
            for (const auto buffer : beast::buffers_range_ref(buffers)) {
                if (body_.over_limit) {
                    break;
                }
                if (buffer.size() > kMaxResponseBytes - body_.text.size()) {
                    body_.over_limit = true;
                    std::string().swap(body_.text);
                } else {
                    body_.text.append(static_cast<const char*>(buffer.data()), buffer.size());
                }
            }
            ec = {};
            return asio::buffer_size(buffers);
        }

        void finish(beast::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

using Request = http::request<CappedBody>;

/// How deep do_read() handles buffered requests inline before it goes through a read.
constexpr unsigned kMaxInlineReads = 4;

constexpr std::string_view kAcceptedBody = R"({"status":"OK"})";

constexpr std::string_view kTooLargeBody =
    R"({"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"})";

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kNextPath = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInitErrorPath = "/2018-06-01/runtime/init/error";
constexpr std::string_view kErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

Response make_response(http::status status,
                       unsigned version,
                       bool keep_alive,
                       std::string body,
                       std::string_view content_type = "application/json") {
    Response response{status, version};
    response.set(http::field::content_type, content_type);
    response.keep_alive(keep_alive);
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

/// The 202 to a /response, /error or /init/error of HTTP/1.1 keep-alive, as Beast writes it.
const std::string& accepted_bytes() {
    static const std::string bytes = [] {
        std::ostringstream out;
        out << make_response(http::status::accepted, 11, true, std::string(kAcceptedBody));
        return std::move(out).str();
    }();
    return bytes;
}

std::string header_or_empty(const Request& request, std::string_view name) {
    const auto it = request.find(name);
    return it == request.end() ? std::string() : std::string(it->value());
}

/// "{id}/response" or "{id}/error" after the invocation prefix: the id and the verb.
std::optional<std::pair<std::string_view, std::string_view>> split_invocation_target(
    std::string_view target) {
    if (!target.starts_with(kInvocationPrefix)) {
        return std::nullopt;
    }
    target.remove_prefix(kInvocationPrefix.size());
    const auto slash = target.find('/');
    if (slash == std::string_view::npos || slash == 0) {
        return std::nullopt;
    }
    return std::pair{target.substr(0, slash), target.substr(slash + 1)};
}

/// Asio opens sockets without close-on-exec: keep them out of the runtimes we spawn, where
/// they would outlive our close() (no FIN to the peer, a port still bound).
void set_cloexec(int fd) {
    // SAFETY: fd is a socket we own; only the descriptor flag changes.
    ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

}  // namespace

class Session;

struct Listener::Impl : std::enable_shared_from_this<Listener::Impl> {
    Impl(Executor e, Handler& h) : executor(e), acceptor(executor), handler(&h) {}

    void accept_loop();
    bool current_is(std::string_view id) const { return current_id && *current_id == id; }

    Executor executor;
    tcp::acceptor acceptor;
    Handler* handler;  // null once detached
    std::unordered_set<Session*> sessions;
    std::shared_ptr<Session> parked;        // the session holding an unanswered GET /next
    std::optional<std::string> current_id;  // the delivered event awaiting /response or /error
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, std::shared_ptr<Listener::Impl> listener)
        : socket_(std::move(socket)), listener_(std::move(listener)) {
        listener_->sessions.insert(this);
    }
    ~Session() { listener_->sessions.erase(this); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() { do_read(); }

    void close() {
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    void deliver(Event& event) {
        Response response = make_response(
            http::status::ok, next_version_, next_keep_alive_, std::move(event.payload));
        response.set("Lambda-Runtime-Aws-Request-Id", event.request_id);
        response.set("Lambda-Runtime-Deadline-Ms", std::to_string(event.deadline_ms));
        response.set("Lambda-Runtime-Invoked-Function-Arn", event.invoked_function_arn);
        response.set("Lambda-Runtime-Trace-Id", event.trace_id);
        if (event.client_context) {
            response.set("Lambda-Runtime-Client-Context", *event.client_context);
        }
        if (event.cognito_identity) {
            response.set("Lambda-Runtime-Cognito-Identity", *event.cognito_identity);
        }
        handing_ = std::move(event);
        writing_event_ = true;
        send(std::move(response), true);
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(kMaxDrainBytes);
        beast::error_code buffered_ec;
        // A request already here (pipelined: the GET /next behind a POST /response) is handled
        // at once; the depth bound keeps a runtime that pipelines without end off our stack.
        if (inline_reads_ < kMaxInlineReads &&
            util::parse_buffered(*parser_, buffer_, buffered_ec)) {
            ++inline_reads_;
            on_read(buffered_ec);
            --inline_reads_;
            return;
        }
        http::async_read(
            socket_,
            buffer_,
            *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (handing_) {
            judge_event(ec);
        }
        if (ec == http::error::body_limit) {
            // Too much to drain: answer, then close.
            const auto& header = parser_->get();
            refuse_too_large(header.target(), header.version(), false);
            return;
        }
        if (ec) {
            drop_parked();
            close();
            return;
        }
        route(parser_->release());
    }

    void route(Request request) {
        const std::string_view target = request.target();
        const bool get = request.method() == http::verb::get;
        const bool post = request.method() == http::verb::post;
        if (request.body().over_limit) {
            refuse_too_large(target, request.version(), request.keep_alive());
            return;
        }
        if (get && target == kNextPath) {
            park(request);
            return;
        }
        if (post && target == kInitErrorPath) {
            accept_posted(request);
            if (auto* handler = listener_->handler) {
                handler->on_init_error(header_or_empty(request, kErrorTypeHeader),
                                       std::move(request.body().text));
            }
            return;
        }
        const auto parts = split_invocation_target(target);
        if (post && parts && (parts->second == "response" || parts->second == "error")) {
            if (!listener_->current_is(parts->first)) {
                // RIE: an id that is not the invocation in progress.
                reply(request,
                      http::status::bad_request,
                      R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
                return;
            }
            listener_->current_id.reset();
            // The handler first: it answers the waiting client, whose response is then on its
            // way before the runtime's 202 (the 202 is not on the invocation's critical path).
            if (auto* handler = listener_->handler) {
                if (parts->second == "response") {
                    handler->on_response(std::move(request.body().text));
                } else {
                    handler->on_error(header_or_empty(request, kErrorTypeHeader),
                                      std::move(request.body().text));
                }
            }
            accept_posted(request);
            return;
        }
        reply(request,
              http::status::not_found,
              R"({"errorMessage":"Unknown Runtime API path","errorType":"NotFound"})");
    }

    void park(const Request& request) {
        next_version_ = request.version();
        next_keep_alive_ = request.keep_alive();
        if (listener_->parked && listener_->parked.get() != this) {
            // A runtime that re-polls on a new connection abandoned the old one.
            listener_->parked->close();
        }
        listener_->parked = shared_from_this();
        // The read of the next request is also the disconnect watch of this parked GET.
        do_read();
        if (auto* handler = listener_->handler) {
            handler->on_next();
        }
    }

    /// The runtime's connection went away: if it was parked without an event, say so.
    void drop_parked() {
        if (listener_->parked.get() == this) {
            listener_->parked.reset();
            if (auto* handler = listener_->handler) {
                handler->on_parked_lost();
            }
        }
    }

    /// 413 for a body over kMaxResponseBytes (AWS: the runtime is told, facts §3.5); if it was
    /// the response of the invocation in progress, that invocation is too large. `keep_alive`:
    /// the body was read to its end and the connection goes on.
    void refuse_too_large(std::string_view target, unsigned version, bool keep_alive) {
        const auto parts = split_invocation_target(target);
        const bool current =
            parts && parts->second == "response" && listener_->current_is(parts->first);
        // The handler before the answer: answering reads on, and a pipelined GET /next may be
        // handled right then; it must find the invocation ended.
        if (current) {
            listener_->current_id.reset();
            if (auto* handler = listener_->handler) {
                handler->on_response_too_large();
            }
        }
        answer(http::status::payload_too_large, version, keep_alive, std::string(kTooLargeBody));
    }

    void accept_posted(const Request& request) {
        if (request.keep_alive() && request.version() == 11 && buffer_.size() > 0) {
            // The runtime pipelined its next request (GET /next) behind this one, so it is not
            // waiting for the 202 to go on: the 202 goes out with our next message (usually
            // the next event), one write and one wakeup of the runtime instead of two. A
            // runtime that waits for the 202 before asking again never gets here.
            owe_accepted_ = true;
            do_read();
            return;
        }
        reply(request, http::status::accepted, std::string(kAcceptedBody));
    }

    void reply(const Request& request, http::status status, std::string body) {
        answer(status, request.version(), request.keep_alive(), std::move(body));
    }

    /// Sends a reply and, on a kept-alive connection, reads the next request (a closing one
    /// lingers once the reply is out).
    void answer(http::status status, unsigned version, bool keep_alive, std::string body) {
        send(make_response(status, version, keep_alive, std::move(body)), false);
        if (keep_alive) {
            do_read();
        }
    }

    void send(Response response, bool is_event) {
        outbox_.push_back(Outgoing{std::move(response), is_event});
        if (outbox_.size() == 1) {
            do_write();
        }
    }

    void do_write() {
        auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->serializer_.reset();
            self->on_write(ec);
        };
        if (!std::exchange(owe_accepted_, false)) {
            http::async_write(socket_, outbox_.front().response, std::move(on_written));
            return;
        }
        // The owed 202 and the message in one gather write.
        serializer_.emplace(outbox_.front().response);
        serializer_->split(false);
        gather_.assign(1, asio::buffer(accepted_bytes()));
        beast::error_code ec;
        serializer_->next(ec, [&](beast::error_code&, const auto& buffers) {
            for (const auto buffer : beast::buffers_range_ref(buffers)) {
                gather_.push_back(buffer);
            }
        });
        asio::async_write(socket_, gather_, std::move(on_written));
    }

    void on_write(beast::error_code ec) {
        Outgoing done = std::move(outbox_.front());
        outbox_.pop_front();
        if (done.is_event && handing_) {
            handing_->payload = std::move(done.response.body());
            writing_event_ = false;
            if (verdict_) {
                settle_event(*verdict_);
            } else if (ec) {
                settle_event(false);
            }  // else the pending read judges
        }
        if (ec) {
            close();
            outbox_.clear();
            return;
        }
        if (done.response.need_eof()) {
            linger();
            return;
        }
        if (!outbox_.empty()) {
            do_write();
        }
    }

    /// A graceful close: no more writes, and the rest of what the runtime sends (the unread
    /// body of a 413) is read and dropped, up to kMaxDrainBytes, so the kernel does not reset
    /// the connection before the runtime has read our answer.
    void linger() {
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        buffer_.consume(buffer_.size());
        drain(0);
    }

    void drain(std::uint64_t drained) {
        socket_.async_read_some(
            buffer_.prepare(64 * 1024),
            [self = shared_from_this(), drained](beast::error_code ec, std::size_t n) {
                if (ec || drained + n > kMaxDrainBytes) {
                    self->close();
                    return;
                }
                self->drain(drained + n);
            });
    }

    /// What the end of the read that followed the event says about it: a request, or a clean
    /// EOF, means the runtime read the event; a reset (the kernel resets a socket closed with
    /// unread data) or a pending socket error (our event hit a closed socket) means it did not.
    void judge_event(beast::error_code ec) {
        bool taken = true;
        if (ec == asio::error::connection_reset) {
            taken = false;
        } else if (ec == http::error::end_of_stream || ec == asio::error::eof) {
            int error = 0;
            socklen_t size = sizeof(error);
            // SAFETY: reads one int socket option into a local of that size.
            ::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &error, &size);
            taken = error == 0;
        }
        if (writing_event_) {
            verdict_ = taken;  // the write's end settles it, once the payload is back
        } else {
            settle_event(taken);
        }
    }

    void settle_event(bool taken) {
        Event event = std::move(*handing_);
        handing_.reset();
        verdict_.reset();
        if (!taken && listener_->current_is(event.request_id)) {
            listener_->current_id.reset();
        }
        if (auto* handler = listener_->handler) {
            if (taken) {
                handler->on_delivered(event.request_id);
            } else {
                handler->on_undelivered(std::move(event));
            }
        }
    }

    struct Outgoing {
        Response response;
        bool is_event;
    };

    tcp::socket socket_;
    std::shared_ptr<Listener::Impl> listener_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<CappedBody>> parser_;
    std::deque<Outgoing> outbox_;  // writes in order; deque keeps the front's address stable
    bool owe_accepted_ = false;    // a 202 to write before the next message (accept_posted)
    unsigned inline_reads_ = 0;    // nesting of requests handled straight from buffer_ (do_read)
    // While the owed 202 and the front message are written together.
    std::optional<http::serializer<false, http::string_body>> serializer_;
    std::vector<asio::const_buffer> gather_;
    // The event written to this connection until the runtime is seen to have read it (its
    // payload is in the response body while writing, then back here).
    std::optional<Event> handing_;
    bool writing_event_ = false;
    std::optional<bool> verdict_;  // judged by the read while the write was still running
    unsigned next_version_ = 11;   // of the parked GET /next
    bool next_keep_alive_ = true;
};

void Listener::Impl::accept_loop() {
    acceptor.async_accept(executor,
                          [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                              if (ec) {
                                  return;  // closed
                              }
                              socket.set_option(tcp::no_delay(true), ec);
                              set_cloexec(socket.native_handle());
                              std::make_shared<Session>(std::move(socket), self)->start();
                              self->accept_loop();
                          });
}

Listener::Listener(Executor executor, Handler& handler)
    : impl_(std::make_shared<Impl>(executor, handler)) {
    const tcp::endpoint endpoint{asio::ip::address_v4::loopback(), 0};
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    set_cloexec(impl_->acceptor.native_handle());
}

void Listener::start() {
    impl_->accept_loop();
}

Listener::~Listener() {
    detach();
    close();
}

std::uint16_t Listener::port() const {
    return impl_->acceptor.local_endpoint().port();
}

bool Listener::deliver(Event& event) {
    const auto parked = impl_->parked;
    if (!parked) {
        return false;
    }
    // A runtime that closed while parked, before the loop has seen it, is not checked for here
    // (that would cost a system call per invocation): the write then meets a closed socket,
    // the pending read sees the reset, and the event comes back through on_undelivered.
    impl_->parked.reset();  // handed: a disconnect now fails the write instead
    impl_->current_id = event.request_id;
    parked->deliver(event);
    return true;
}

void Listener::close() {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->parked.reset();
    // Closing cancels pending reads and writes; their handlers end the sessions.
    for (Session* session : impl_->sessions) {
        session->close();
    }
}

void Listener::detach() {
    impl_->handler = nullptr;
}

}  // namespace lambdahost::runtime_api
