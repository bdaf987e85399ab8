// Transport-neutral HTTP request and response, and the handler interface through which the HTTP
// server adapter hands requests to the api layer. No socket or library types appear here.
#pragma once

#include <functional>
#include <memory>
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

// Where a streamed response's body goes (server-sent events): implemented by the HTTP server.
// Thread-safe; may be kept after the connection is gone (Send then answers false).
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `piece` to be sent as the body's next bytes. False once the stream has ended (the
  // client went away, the server is stopping, or too much is queued for a slow client): the
  // caller drops the sink.
  virtual bool Send(std::string piece) = 0;
  // Ends the body (the last chunk) once what is queued is sent, then closes the connection.
  virtual void End() = 0;
};

// The source of a streamed response's body. The server calls Open once the header is on its
// way, and Closed once the stream has ended for any reason (also when it never opened); each at
// most once, from any thread, never while holding a lock of the server's that Send needs.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Open(std::shared_ptr<StreamSink> sink) = 0;
  virtual void Closed() = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For the server log only, never sent: the message of a server-side error that the body
  // replaced with a generic sentence (api/error_mapping.h ClientMessageFor).
  std::string log_detail;
  // Set: the body is not `body` but what `stream` sends, chunked (HTTP/1.1), until it ends; the
  // connection closes after it.
  std::shared_ptr<ResponseStream> stream;

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
