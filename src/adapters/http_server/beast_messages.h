// Conversions between Beast's HTTP messages and the transport-neutral api::HttpRequest and
// api::HttpResponse. Internal to the http_server adapter. Pure functions.
#pragma once

#include <utility>  // Boost 1.74's Asio misses this include under -std=c++20.

#include <functional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http_types.h"

namespace pop::http_server_internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Method and target as sent, header names lower-cased, body moved out of `message`.
api::HttpRequest ToApiRequest(BeastRequest&& message, const std::string& remote_address);

// The same without the body: what Rejected() and the no-response fallback see.
api::HttpRequest HeadOf(const BeastRequest& message, const std::string& remote_address);

struct ResponseFraming {
  unsigned version = 11;   // of the request: 10 or 11
  bool keep_alive = true;  // in: the connection may stay open; out: it will
  bool is_head = false;    // the request was HEAD: Content-Length but no body
};

// Builds the wire response: status and headers as given except Content-Length,
// Transfer-Encoding and Connection, which the server owns (a handler's `Connection: close` is
// honoured by clearing framing.keep_alive). Headers that would break the framing (bad name, CR
// or LF in a value) are dropped and reported through `warn`; a status outside 200..999 becomes
// 500 with an empty body. Content-Length is added, except for 204 and 304, which get no body.
BeastResponse ToBeastResponse(api::HttpResponse&& response, ResponseFraming& framing,
                              const std::function<void(std::string_view)>& warn);

}  // namespace pop::http_server_internal
