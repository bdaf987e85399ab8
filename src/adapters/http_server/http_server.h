// HttpServer: the HTTP/1.1 listener that binds sockets to an api::HttpHandler (Boost.Beast over
// Asio; no library type appears here). Threading model, limits and graceful stop:
// docs/design/http-server.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "core/base/result.h"

namespace pop {

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // IP literal or host name (resolved once, IPv4 first)
  uint16_t port = 0;                  // 0: an ephemeral port, see HttpServer::port()
  size_t io_threads = 2;              // threads running socket I/O; never call the handler
  size_t worker_threads = 16;         // threads calling HttpHandler::Handle / Rejected
  size_t max_body_bytes = size_t{10} * 1024 * 1024;  // larger bodies: Rejected(kPayloadTooLarge)
  size_t max_header_bytes =
      size_t{64} * 1024;  // request line + header fields; larger: kInvalidArgument
  // A keep-alive connection with no request in progress is closed after this long. Also bounds
  // receiving one request's header, its body, and writing one response. Time spent waiting for
  // the handler's response is not limited.
  std::chrono::seconds idle_timeout{75};
  // Stop() waits this long for in-flight requests to be answered before closing connections.
  std::chrono::seconds stop_deadline{10};
  // TLS: both set, the listener speaks only HTTPS (TLS 1.2 or later). PEM files: the
  // certificate chain (server certificate first) and its private key, read once by Create().
  std::string tls_cert_file;
  std::string tls_key_file;
  // Warnings (failed accepts, invalid response headers, exceptions from the handler). Called
  // from any server thread, possibly concurrently. Empty: warnings are dropped.
  std::function<void(std::string_view)> log;
};

// Serves HTTP/1.1 with keep-alive. Every complete request goes to `handler.Handle` on a worker
// thread; the Responder may be called later from any thread (long polls). Requests refused before
// they are complete (too large, unparsable) go to `handler.Rejected`, whose response is written
// before the connection is closed. The handler must outlive the server. Thread-safe; Start()
// and Stop() must not be called from inside the handler.
class HttpServer {
 public:
  // Errors: kInvalidArgument for a zero thread count or limit, only one of the TLS files set, or
  // a TLS file that is missing, unreadable or not PEM, or a key that does not match the
  // certificate (the message names the file).
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options,
                                                                  api::HttpHandler& handler);
  ~HttpServer();  // Stop()s.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O and worker threads. Once only.
  // Errors: kInvalidArgument (address cannot be resolved), kUnavailable (cannot bind, e.g. the
  // port is in use, or cannot start threads), kInternal (called twice, or after Stop()).
  [[nodiscard]] Status Start();

  // The bound port (the ephemeral one when options.port is 0); 0 before Start().
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle connections, lets requests already received be
  // answered (their responses carry `Connection: close`) for up to options.stop_deadline, then
  // closes every connection and joins all threads; a Handle() call still running is waited for.
  // Responders called afterwards do nothing. Idempotent; also called by the destructor.
  void Stop();

 private:
  class Runtime;
  explicit HttpServer(std::unique_ptr<Runtime> runtime);

  std::unique_ptr<Runtime> runtime_;
};

}  // namespace pop
