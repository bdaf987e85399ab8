// Transport-neutral HTTP request and response, and the handler interface through which the HTTP
// server adapter hands requests to the api layer. No socket or library types appear here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/error.h"

namespace pop::api {

struct HttpRequest {
  std::string method;  // upper case as sent: "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/pop/agenda/abc?bylinkId=x%20y"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // "127.0.0.1:53412", for logs

  // First header with this lower-case name, or nullptr.
  const std::string* Header(std::string_view lower_case_name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For the server log only, never sent: the message of a server-side error that the body
  // replaced with a generic sentence (api/error_mapping.h ClientMessageFor).
  std::string log_detail;

  void SetHeader(std::string name, std::string value);
};

// Delivers the response. Must be called exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;

// Implemented by the api layer (api::Router); called by the HTTP server adapter.
// Thread-safe: called concurrently from the server's worker threads.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // Handles one complete request. May respond before returning or later (long polls).
  virtual void Handle(HttpRequest request, Responder respond) = 0;

  // The response for a request the server refused before it was complete, e.g. a body over
  // the size limit (kPayloadTooLarge) or an unparsable request line (kInvalidArgument).
  // `request` carries whatever was parsed (method and target may be empty).
  virtual HttpResponse Rejected(const HttpRequest& request, const Error& error) = 0;
};

}  // namespace pop::api
