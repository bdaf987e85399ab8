// HttpConnection: one accepted socket of HttpServer: reads requests, hands them to the worker
// pool, writes the responses in order. One template over the stream, so that plain TCP and TLS
// run the same connection code; a TLS connection first does its handshake. Internal to the
// http_server adapter (the only headers besides its .cc files that include Beast). Design:
// docs/design/http-server.md.
#pragma once

#include <utility>  // Boost 1.74's Asio misses this include under -std=c++20.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "adapters/http_server/http_server.h"
#include "adapters/http_server/request_framing.h"
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

// What the server and the Responders see of a connection, whatever its stream. The entry points
// are thread-safe; each posts onto the connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // The server is stopping: an idle connection closes now; one with a request in progress
  // closes after writing its response.
  virtual void BeginStop() = 0;
  virtual void ForceClose() = 0;
  // Delivers the response to request `sequence`; dropped if that request is no longer the one
  // awaiting a response or the connection has closed. `close` closes the connection afterwards.
  virtual void PostResponse(uint64_t sequence, api::HttpResponse response, bool close) = 0;
  // A streamed response's next piece of body, or its end; dropped once the stream has ended.
  virtual void PostStreamPiece(std::string piece) = 0;
  virtual void PostStreamEnd() = 0;
};

// The StreamSink a streamed response's source sends through (http_connection.cc).
class StreamSinkImpl;

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Confined to its strand: every member except the thread-safe entry points of Connection runs
// on the strand its socket was accepted on. Owned by shared_ptr, shared by the host's registry
// and by the completion handlers of its pending operations; Responders hold a weak_ptr.
// Instantiated for PlainStream and TlsStream only.
template <typename Stream>
class HttpConnection final : public Connection {
 public:
  // `tls` must be non-null for TlsStream (and outlive the connection); ignored for PlainStream.
  HttpConnection(uint64_t id, boost::asio::ip::tcp::socket socket, std::string remote_address,
                 ConnectionHost& host, boost::asio::ssl::context* tls);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void Start() override;
  void BeginStop() override;
  void ForceClose() override;
  void PostResponse(uint64_t sequence, api::HttpResponse response, bool close) override;
  void PostStreamPiece(std::string piece) override;
  void PostStreamEnd() override;

 private:
  using Parser = RequestParser;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  enum class State {
    kHandshake,      // TLS only: before the first request
    kReadingHeader,  // idle keep-alive, or a request header arriving
    kReadingBody,
    kAwaitingResponse,  // the handler (or Rejected) has the request
    kWriting,
    kStreaming,  // a streamed response's header is written or being written; pieces follow
    kLingering,  // response written, sending side shut down, discarding input until EOF
    kClosed,
  };

  std::shared_ptr<HttpConnection> Self();
  void OnHandshake(boost::beast::error_code ec);
  void ReadHeader();
  // Parses the buffered header bytes (after checking them for obs-fold) and reads more until
  // the header is complete or fails.
  void ParseHeader();
  void OnHeaderBytes(boost::beast::error_code ec, size_t bytes);
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void OnReadError(boost::beast::error_code ec);
  void Dispatch();
  void Reject(Error error);
  void OnResponse(uint64_t sequence, api::HttpResponse response, bool close);
  void OnWrite(boost::beast::error_code ec);
  // Streamed responses (server-sent events): the header, then each piece as a chunk, then the
  // last chunk; a read watches for the client going away meanwhile.
  void StartStream(api::HttpResponse response);
  void OnStreamHeader(boost::beast::error_code ec);
  void WatchStreamClient();
  void WriteNextPiece();
  void OnPieceWritten(boost::beast::error_code ec);
  void EndStream();
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
  Stream stream_;
  const boost::asio::any_io_executor strand_;  // copy of stream_'s executor, for posting
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::optional<Response> response_;  // alive while being written
  // A streamed response: its header's serializer, its source, and the pieces waiting.
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>>
      stream_header_;
  std::shared_ptr<api::ResponseStream> stream_source_;
  std::shared_ptr<StreamSinkImpl> stream_sink_;
  std::deque<std::string> stream_outbox_;
  std::string stream_writing_;         // the piece being written (framed)
  bool stream_ready_ = false;          // the header is written
  bool stream_write_pending_ = false;  // a piece (or the last chunk) is being written
  bool stream_end_ = false;            // End() asked; the last chunk follows the outbox
  bool stream_last_chunk_ = false;     // the last chunk is being written
  bool stream_chunked_ = true;         // HTTP/1.1; HTTP/1.0 gets the raw body, closed at the end
  State state_ = State::kHandshake;
  uint64_t sequence_ = 0;    // of the request awaiting its response
  unsigned version_ = 11;    // HTTP version of the current request: 10 or 11
  bool keep_alive_ = false;  // the current request allows another one after it
  bool is_head_ = false;     // the current request is HEAD: send no body
  bool stopping_ = false;    // the server is stopping
  bool rejected_ = false;    // the current request was refused before it was read fully
};

}  // namespace pop::http_server_internal
