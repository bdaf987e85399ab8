#include "adapters/http_server/beast_messages.h"

#include <cctype>
#include <string>
#include <utility>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace pop::http_server_internal {
namespace {

namespace http = boost::beast::http;

std::string LowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 token: what a header name may contain.
bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// A value must not end the header line early (response splitting).
bool IsSafeValue(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool HasCloseToken(std::string_view value) {
  return LowerCase(value).find("close") != std::string::npos;
}

std::string_view View(boost::beast::string_view text) { return {text.data(), text.size()}; }

void AddHeaders(const BeastRequest& message, api::HttpRequest& request) {
  request.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(LowerCase(View(field.name_string())),
                                 std::string(View(field.value())));
  }
}

}  // namespace

api::HttpRequest ToApiRequest(BeastRequest&& message, const std::string& remote_address) {
  api::HttpRequest request = HeadOf(message, remote_address);
  request.body = std::move(message.body());
  return request;
}

api::HttpRequest HeadOf(const BeastRequest& message, const std::string& remote_address) {
  api::HttpRequest request;
  request.method = std::string(View(message.method_string()));
  request.target = std::string(View(message.target()));
  AddHeaders(message, request);
  request.remote_address = remote_address;
  return request;
}

BeastResponse ToBeastResponse(api::HttpResponse&& response, ResponseFraming& framing,
                              const std::function<void(std::string_view)>& warn) {
  BeastResponse out;
  out.version(framing.version);
  int status = response.status;
  if (status < 200 || status > 999) {
    warn("http server: handler returned status " + std::to_string(status) + "; sent 500");
    status = 500;
    response.headers.clear();
    response.body.clear();
  }
  out.result(static_cast<unsigned>(status));
  for (auto& [name, value] : response.headers) {
    if (!IsToken(name) || !IsSafeValue(value)) {
      warn("http server: dropped invalid response header '" + name + "'");
      continue;
    }
    const std::string lower = LowerCase(name);
    if (lower == "content-length" || lower == "transfer-encoding") continue;
    if (lower == "connection") {
      if (HasCloseToken(value)) framing.keep_alive = false;
      continue;
    }
    out.insert(name, value);
  }
  const bool may_have_body = status != 204 && status != 304;
  if (may_have_body) {
    out.content_length(response.body.size());
    if (!framing.is_head) out.body() = std::move(response.body);
  }
  out.keep_alive(framing.keep_alive);
  return out;
}

}  // namespace pop::http_server_internal
