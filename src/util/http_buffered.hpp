// SPDX-License-Identifier: Apache-2.0
// parse_buffered: finishes an HTTP message from bytes already read. Beast's async_read posts
// its completion when the buffer already holds the message (a request body that came with
// its header, a request pipelined behind another), and each post costs the event loop a
// round through the reactor — an epoll_wait system call. Parsing those bytes right away
// saves it; what is missing is then read asynchronously as before.
// Threading: none of its own; the caller's.
#pragma once

#include <cstddef>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace lambdahost::util {

/// Feeds what `buffer` holds to `parser` (consuming it). True when that finished the message
/// or failed (`ec` says which); false when more must be read from the connection.
template <typename Parser>
bool parse_buffered(Parser& parser,
                    boost::beast::flat_buffer& buffer,
                    boost::beast::error_code& ec) {
    ec = {};
    parser.eager(true);
    while (buffer.size() > 0 && !parser.is_done()) {
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            return false;
        }
        if (ec) {
            return true;
        }
        if (used == 0) {
            return false;
        }
    }
    return parser.is_done();
}

}  // namespace lambdahost::util
