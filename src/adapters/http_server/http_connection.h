// HttpConnection: one accepted socket of HttpServer: reads requests, hands them to the worker
// pool, writes the responses in order. Internal to the http_server adapter (the only header
// besides its .cc files that includes Beast). Design: docs/design/http-server.md.
#pragma once

#include <utility>  // Boost 1.74's Asio misses this include under -std=c++20.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/http_server/http_server.h"
#include "adapters/http_server/response_gate.h"
#include "api/http_types.h"
#include "core/base/error.h"

namespace pop::http_server_internal {

// What the server provides to its connections. Implemented by HttpServer's runtime, which
// outlives every connection's use of it: connections call it only from their strand, and the
// server stops its io threads before it is destroyed. Thread-safe.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual const HttpServerOptions& options() const = 0;
  virtual api::HttpHandler& handler() = 0;
  // Shared with Responders, which may outlive the server.
  virtual const std::shared_ptr<ResponseGate>& gate() const = 0;
  // Runs `job` on the worker pool.
  virtual void RunOnWorker(std::function<void()> job) = 0;
  // The connection with this id closed its socket; the host drops its reference.
  virtual void OnConnectionClosed(uint64_t id) = 0;
  virtual void Warn(std::string_view message) const = 0;
};

// Confined to its strand: every member except the three thread-safe entry points below runs
// on the strand its socket was accepted on. Owned by shared_ptr, shared by the host's registry
// and by the completion handlers of its pending operations; Responders hold a weak_ptr.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(uint64_t id, boost::asio::ip::tcp::socket socket, std::string remote_address,
                 ConnectionHost& host);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Thread-safe entry points; each posts onto the strand.
  void Start();
  // The server is stopping: an idle connection closes now; one with a request in progress
  // closes after writing its response.
  void BeginStop();
  void ForceClose();
  // Delivers the response to request `sequence`; dropped if that request is no longer the one
  // awaiting a response or the connection has closed. `close` closes the connection afterwards.
  void PostResponse(uint64_t sequence, api::HttpResponse response, bool close);

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  enum class State {
    kReadingHeader,  // idle keep-alive, or a request header arriving
    kReadingBody,
    kAwaitingResponse,  // the handler (or Rejected) has the request
    kWriting,
    kLingering,  // response written, sending side shut down, discarding input until EOF
    kClosed,
  };

  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  void Reject(Error error);
  void OnResponse(uint64_t sequence, api::HttpResponse response, bool close);
  void OnWrite(boost::beast::error_code ec);
  void LingerThenClose();
  void Drain();
  void Close();
  // Runs `body`; an exception from it is logged and closes the connection (never reaches the
  // io thread).
  template <typename Body>
  void Guarded(Body&& body) noexcept;

  const uint64_t id_;
  const std::string remote_address_;
  ConnectionHost& host_;
  boost::beast::tcp_stream stream_;
  const boost::asio::any_io_executor strand_;  // copy of stream_'s executor, for posting
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::optional<Response> response_;  // alive while being written
  State state_ = State::kReadingHeader;
  uint64_t sequence_ = 0;    // of the request awaiting its response
  unsigned version_ = 11;    // HTTP version of the current request: 10 or 11
  bool keep_alive_ = false;  // the current request allows another one after it
  bool is_head_ = false;     // the current request is HEAD: send no body
  bool stopping_ = false;    // the server is stopping
  bool rejected_ = false;    // the current request was refused before it was read fully
};

}  // namespace pop::http_server_internal
