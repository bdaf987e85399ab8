// Fuzzes the HTTP server's request parsing: raw bytes go through the same steps as a connection
// (obs-fold check on the buffered header, Beast's request parser with the server's default
// limits, the framing rules, then ToApiRequest), pipelined requests included. Invariants: no
// crash; an accepted request has unambiguous framing (at most one Transfer-Encoding, exactly
// "chunked", never with Content-Length), a body within the limit, lower-case header names; a
// refused one fails with kInvalidArgument or kPayloadTooLarge and a message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "adapters/http_server/beast_messages.h"
#include "adapters/http_server/http_server.h"
#include "adapters/http_server/request_framing.h"
#include "core/base/check.h"

namespace {

namespace http = boost::beast::http;
using pop::http_server_internal::RequestParser;

const pop::HttpServerOptions& Limits() {
  static const pop::HttpServerOptions options = [] {
    pop::HttpServerOptions o;
    o.max_body_bytes = 4096;  // small, so that the fuzzer reaches the limit
    return o;
  }();
  return options;
}

void CheckAccepted(const pop::api::HttpRequest& request) {
  int transfer_encodings = 0;
  bool content_length = false;
  for (const auto& [name, value] : request.headers) {
    for (char c : name) POP_CHECK(!(c >= 'A' && c <= 'Z')) << name;
    if (name == "transfer-encoding") {
      ++transfer_encodings;
      std::string_view coding = value;
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) {
        coding.remove_prefix(1);
      }
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) {
        coding.remove_suffix(1);
      }
      POP_CHECK(
          boost::beast::iequals(boost::beast::string_view(coding.data(), coding.size()), "chunked"))
          << value;
    }
    if (name == "content-length") content_length = true;
  }
  POP_CHECK(transfer_encodings <= 1);
  POP_CHECK(!(transfer_encodings == 1 && content_length));
  POP_CHECK(request.body.size() <= Limits().max_body_bytes);
}

void CheckRefused(const pop::Error& error) {
  POP_CHECK(error.code == pop::ErrorCode::kInvalidArgument ||
            error.code == pop::ErrorCode::kPayloadTooLarge);
  POP_CHECK(!error.message.empty());
}

// Parses one request from the front of `input`; returns how many bytes it used, or 0 when the
// connection would be closed (refused, or the input ends inside the request).
size_t ParseOne(std::string_view input) {
  const auto& limits = Limits();
  RequestParser parser;
  pop::http_server_internal::ConfigureParser(parser, limits.max_header_bytes,
                                             limits.max_body_bytes);
  if (auto fold = pop::http_server_internal::FindObsFold(input, limits.max_header_bytes)) {
    CheckRefused(*fold);
    return 0;
  }
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  if (ec == http::error::need_more) return 0;
  if (ec) {
    auto rejection = pop::http_server_internal::ReadErrorToRejection(ec, limits.max_header_bytes,
                                                                     limits.max_body_bytes);
    POP_CHECK(rejection.has_value()) << ec.message();
    CheckRefused(*rejection);
    return 0;
  }
  POP_CHECK(parser.is_header_done());
  if (pop::Status framing = pop::http_server_internal::CheckFraming(parser.get()); !framing.ok()) {
    CheckRefused(framing.error());
    return 0;
  }
  parser.eager(true);  // as http::async_read does for the body
  while (!parser.is_done()) {
    std::string_view rest = input.substr(used);
    if (rest.empty()) return 0;  // the client would still be sending
    used += parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) return 0;
    if (ec) {
      auto rejection = pop::http_server_internal::ReadErrorToRejection(ec, limits.max_header_bytes,
                                                                       limits.max_body_bytes);
      POP_CHECK(rejection.has_value()) << ec.message();
      CheckRefused(*rejection);
      return 0;
    }
  }
  CheckAccepted(pop::http_server_internal::ToApiRequest(parser.release(), "fuzz"));
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Pipelined requests: each starts where the previous one ended, as on a keep-alive connection.
  for (int i = 0; i < 8 && !input.empty(); ++i) {
    const size_t used = ParseOne(input);
    if (used == 0) break;
    input.remove_prefix(used);
  }
  return 0;
}
