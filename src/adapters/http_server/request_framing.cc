#include "adapters/http_server/request_framing.h"

#include <cstdint>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace pop::http_server_internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// For error messages: at most 64 bytes, control bytes shown as '?'.
std::string Printable(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (text.size() > kMax) out += "...";
  return out;
}

Error Framing(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "ambiguous request framing: " + std::move(message));
}

}  // namespace

void ConfigureParser(RequestParser& parser, size_t max_header_bytes, size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(static_cast<std::uint64_t>(max_body_bytes));
}

std::optional<Error> FindObsFold(std::string_view buffered, size_t max_header_bytes) {
  const size_t header_end = buffered.find("\r\n\r\n");
  std::string_view header = buffered.substr(0, header_end);  // all of it if the end is not here
  if (header.size() > max_header_bytes + 4) header = header.substr(0, max_header_bytes + 4);
  for (size_t crlf = header.find("\r\n"); crlf != std::string_view::npos;
       crlf = header.find("\r\n", crlf + 2)) {
    if (crlf + 2 >= header.size()) break;  // the next line has not arrived yet
    const char next = header[crlf + 2];
    if (next == ' ' || next == '\t') {
      return Error(ErrorCode::kInvalidArgument,
                   "malformed HTTP request: obsolete line folding (a header line starting with "
                   "a space or tab) is not accepted");
    }
  }
  return std::nullopt;
}

Status CheckFraming(const BeastRequest& header) {
  int transfer_encodings = 0;
  std::string_view coding;
  bool has_content_length = false;
  for (const auto& field : header) {
    if (field.name() == http::field::transfer_encoding) {
      ++transfer_encodings;
      coding = std::string_view(field.value().data(), field.value().size());
    } else if (field.name() == http::field::content_length) {
      has_content_length = true;
    }
  }
  if (transfer_encodings == 0) return Status::Ok();
  if (transfer_encodings > 1) {
    return Framing("more than one Transfer-Encoding header");
  }
  const std::string_view trimmed = TrimOws(coding);
  if (!beast::iequals(beast::string_view(trimmed.data(), trimmed.size()), "chunked")) {
    return Framing("Transfer-Encoding '" + Printable(coding) +
                   "' is not supported; the only accepted value is 'chunked'");
  }
  if (has_content_length) {
    return Framing("both Transfer-Encoding and Content-Length are present");
  }
  if (header.version() < 11) {
    return Framing("Transfer-Encoding in an HTTP/1.0 request");
  }
  return Status::Ok();
}

bool IsQuietReadError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == beast::error::timeout || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor;
}

std::optional<Error> ReadErrorToRejection(const beast::error_code& ec, size_t max_header_bytes,
                                          size_t max_body_bytes) {
  if (ec == http::error::body_limit) {
    return Error(ErrorCode::kPayloadTooLarge,
                 "request body exceeds the limit of " + std::to_string(max_body_bytes) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return Error(ErrorCode::kInvalidArgument, "request header exceeds the limit of " +
                                                  std::to_string(max_header_bytes) + " bytes");
  }
  if (ec.category() == beast::error_code(http::error::bad_method).category() &&
      !IsQuietReadError(ec)) {
    return Error(ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

}  // namespace pop::http_server_internal
