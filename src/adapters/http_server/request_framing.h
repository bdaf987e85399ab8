// Request framing rules the HTTP server enforces on top of Beast's parser (RFC 9112 sections 5.2,
// 6 and 6.3): what lets a request smuggle a second one past a proxy is refused. Shared by
// HttpConnection and the request-parser fuzzer, so both run exactly the same checks. Internal to
// the http_server adapter. Pure functions.
#pragma once

#include <utility>  // Boost 1.74's Asio misses this include under -std=c++20.

#include <cstddef>
#include <optional>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/http_server/beast_messages.h"
#include "core/base/error.h"
#include "core/base/result.h"

namespace pop::http_server_internal {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The limits the server parses every request with.
void ConfigureParser(RequestParser& parser, size_t max_header_bytes, size_t max_body_bytes);

// `buffered` holds the bytes received so far of a request's header section, from its first
// byte on (it may run past the header's end). Returns the error for an obs-fold (a field line
// continued on a line that starts with a space or tab), which RFC 9112 5.2 lets a server refuse
// and which proxies disagree about. Only the first `max_header_bytes` (+ the final CRLF CRLF) are
// looked at: past that the parser refuses the header anyway.
std::optional<Error> FindObsFold(std::string_view buffered, size_t max_header_bytes);

// Once the header is parsed: the framing must be unambiguous. Transfer-Encoding, if present, is
// one field whose value is exactly `chunked` (case-insensitive, optional whitespace), never
// alongside Content-Length and never in an HTTP/1.0 request. Beast itself refuses differing or
// non-numeric Content-Length values and a name with whitespace before the colon.
// Errors: kInvalidArgument naming the header.
[[nodiscard]] Status CheckFraming(const BeastRequest& header);

// The error a failed read maps to, or nullopt when the failure only means the peer went away or
// a deadline passed (the connection is then closed without a response).
std::optional<Error> ReadErrorToRejection(const boost::beast::error_code& ec,
                                          size_t max_header_bytes, size_t max_body_bytes);

// Errors only meaning the peer went away or a deadline passed.
bool IsQuietReadError(const boost::beast::error_code& ec);

}  // namespace pop::http_server_internal
