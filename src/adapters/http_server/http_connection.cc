#include "adapters/http_server/http_connection.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "adapters/http_server/beast_messages.h"

namespace pop::http_server_internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// How long a connection closed after a response keeps discarding input, so that a client still
// sending (e.g. the rest of an oversized body) reads the response instead of a reset.
constexpr std::chrono::seconds kLingerTime{1};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Errors that only mean the peer went away or a deadline passed: closed without a warning.
bool IsQuietReadError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == beast::error::timeout || ec == net::error::operation_aborted ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor;
}

bool IsParseError(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_method).category();
}

api::HttpResponse CallRejected(ConnectionHost& host, const api::HttpRequest& request,
                               const Error& error) {
  try {
    return host.handler().Rejected(request, error);
  } catch (const std::exception& e) {
    host.Warn(std::string("http server: Rejected() threw: ") + e.what());
  } catch (...) {
    host.Warn("http server: Rejected() threw");
  }
  api::HttpResponse fallback;  // The one status the adapter picks itself: nothing else is left.
  fallback.status = 500;
  return fallback;
}

// The state behind one Responder. Shared by every copy of the Responder (std::function copies
// its target); destroyed when the last copy is. Thread-safe.
class PendingResponse {
 public:
  PendingResponse(std::weak_ptr<HttpConnection> connection, ConnectionHost& host, uint64_t sequence,
                  api::HttpRequest head)
      : connection_(std::move(connection)),
        gate_(host.gate()),
        host_(host),
        sequence_(sequence),
        head_(std::move(head)) {}
  PendingResponse(const PendingResponse&) = delete;
  PendingResponse& operator=(const PendingResponse&) = delete;

  // A handler bug: dropped without answering. The request was read completely, so the
  // connection stays usable: answer it with Rejected(kInternal) instead of leaving it hanging.
  ~PendingResponse() {
    if (responded_.load()) return;
    ResponseGate::Pass pass(*gate_);  // host_ may be gone once the gate is closed
    if (!pass) return;
    auto connection = connection_.lock();
    if (!connection) return;
    host_.Warn("http server: handler dropped the responder for " + head_.method + " " +
               head_.target);
    connection->PostResponse(sequence_,
                             CallRejected(host_, head_, Error(ErrorCode::kInternal, "no response")),
                             /*close=*/false);
  }

  void Respond(api::HttpResponse response) {
    if (responded_.exchange(true)) return;  // Called twice: the first response won.
    ResponseGate::Pass pass(*gate_);
    if (!pass) return;  // The server has stopped.
    if (auto connection = connection_.lock()) {
      connection->PostResponse(sequence_, std::move(response), /*close=*/false);
    }
  }

 private:
  const std::weak_ptr<HttpConnection> connection_;
  const std::shared_ptr<ResponseGate> gate_;
  ConnectionHost& host_;  // used only while holding a Pass
  const uint64_t sequence_;
  const api::HttpRequest head_;  // without the body
  std::atomic<bool> responded_{false};
};

}  // namespace

HttpConnection::HttpConnection(uint64_t id, net::ip::tcp::socket socket, std::string remote_address,
                               ConnectionHost& host)
    : id_(id),
      remote_address_(std::move(remote_address)),
      host_(host),
      stream_(std::move(socket)),
      strand_(stream_.get_executor()) {}

void HttpConnection::Start() {
  net::post(strand_, [self = shared_from_this()] { self->Guarded([&] { self->ReadHeader(); }); });
}

void HttpConnection::BeginStop() {
  net::post(strand_, [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->state_ == State::kReadingHeader) self->Close();
  });
}

void HttpConnection::ForceClose() {
  net::post(strand_, [self = shared_from_this()] { self->Close(); });
}

void HttpConnection::PostResponse(uint64_t sequence, api::HttpResponse response, bool close) {
  net::post(strand_,
            [self = shared_from_this(), sequence, response = std::move(response), close]() mutable {
              self->Guarded([&] { self->OnResponse(sequence, std::move(response), close); });
            });
}

template <typename Body>
void HttpConnection::Guarded(Body&& body) noexcept {
  try {
    body();
    return;
  } catch (const std::exception& e) {
    host_.Warn(std::string("http server: connection failed: ") + e.what());
  } catch (...) {
    host_.Warn("http server: connection failed");
  }
  Close();
}

void HttpConnection::ReadHeader() {
  if (state_ == State::kClosed) return;
  if (stopping_) {
    Close();
    return;
  }
  state_ = State::kReadingHeader;
  version_ = 11;  // until the next request line says otherwise
  keep_alive_ = false;
  is_head_ = false;
  rejected_ = false;
  const HttpServerOptions& options = host_.options();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
  stream_.expires_after(options.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->Guarded([&] { self->OnHeader(ec); });
                          });
}

void HttpConnection::OnHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  state_ = State::kReadingBody;
  const auto& message = parser_->get();
  version_ = message.version() >= 11 ? 11 : 10;
  keep_alive_ = message.keep_alive();
  is_head_ = message.method() == http::verb::head;
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  const auto expect = message[http::field::expect];
  if (version_ == 11 && beast::iequals(expect, "100-continue")) {
    // The client waits for this before sending the body; the body size is already known to be
    // within the limit (a larger Content-Length failed the header read).
    stream_.expires_after(host_.options().idle_timeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code write_ec, size_t) {
                       self->Guarded([&] {
                         if (self->state_ == State::kClosed) return;
                         if (write_ec) {
                           self->Close();
                           return;
                         }
                         self->ReadBody();
                       });
                     });
    return;
  }
  ReadBody();
}

void HttpConnection::ReadBody() {
  stream_.expires_after(host_.options().idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->Guarded([&] { self->OnBody(ec); });
                   });
}

void HttpConnection::OnBody(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

void HttpConnection::OnReadError(beast::error_code ec) {
  const HttpServerOptions& options = host_.options();
  if (ec == http::error::body_limit) {
    Reject(Error(
        ErrorCode::kPayloadTooLarge,
        "request body exceeds the limit of " + std::to_string(options.max_body_bytes) + " bytes"));
  } else if (ec == http::error::header_limit) {
    Reject(Error(ErrorCode::kInvalidArgument, "request header exceeds the limit of " +
                                                  std::to_string(options.max_header_bytes) +
                                                  " bytes"));
  } else if (IsQuietReadError(ec)) {
    Close();
  } else if (IsParseError(ec)) {
    Reject(Error(ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message()));
  } else {
    host_.Warn("http server: read from " + remote_address_ + " failed: " + ec.message());
    Close();
  }
}

void HttpConnection::Dispatch() {
  state_ = State::kAwaitingResponse;
  stream_.expires_never();  // Waiting for the handler is not idle time.
  const uint64_t sequence = ++sequence_;
  api::HttpRequest request = ToApiRequest(parser_->release(), remote_address_);
  parser_.reset();
  auto pending = std::make_shared<PendingResponse>(
      weak_from_this(), host_, sequence,
      api::HttpRequest{
          request.method, request.target, request.headers, {}, request.remote_address});
  api::Responder respond = [pending](api::HttpResponse response) {
    pending->Respond(std::move(response));
  };
  ConnectionHost& host = host_;
  host_.RunOnWorker([&host, request = std::move(request), respond = std::move(respond)]() mutable {
    // Queued before Stop() gave up on this connection: nobody can receive the answer.
    if (!host.gate()->is_open()) return;
    try {
      host.handler().Handle(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      host.Warn(std::string("http server: handler threw: ") + e.what());
    } catch (...) {
      host.Warn("http server: handler threw");
    }
  });
}

void HttpConnection::Reject(Error error) {
  state_ = State::kAwaitingResponse;
  keep_alive_ = false;  // The rest of the request may still be arriving: never read it.
  rejected_ = true;
  const uint64_t sequence = ++sequence_;
  api::HttpRequest head = HeadOf(parser_->get(), remote_address_);
  parser_.reset();
  host_.RunOnWorker(
      [self = shared_from_this(), sequence, head = std::move(head), error = std::move(error)] {
        ResponseGate::Pass pass(*self->host_.gate());
        if (!pass) return;
        self->PostResponse(sequence, CallRejected(self->host_, head, error), /*close=*/true);
      });
}

void HttpConnection::OnResponse(uint64_t sequence, api::HttpResponse response, bool close) {
  if (state_ != State::kAwaitingResponse || sequence != sequence_) return;
  state_ = State::kWriting;
  ResponseFraming framing{version_, keep_alive_ && !close && !stopping_, is_head_};
  response_.emplace(ToBeastResponse(std::move(response), framing,
                                    [this](std::string_view message) { host_.Warn(message); }));
  keep_alive_ = framing.keep_alive;
  stream_.expires_after(host_.options().idle_timeout);
  http::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->Guarded([&] { self->OnWrite(ec); });
  });
}

void HttpConnection::OnWrite(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  response_.reset();
  if (ec) {
    Close();  // The client is gone; its response is dropped.
    return;
  }
  if (!keep_alive_ || stopping_) {
    // Only a rejected request can have unread bytes behind it that the client is still
    // sending; everything else was read completely, so there is nothing to wait for.
    if (rejected_) {
      LingerThenClose();
    } else {
      Close();
    }
    return;
  }
  ReadHeader();
}

void HttpConnection::LingerThenClose() {
  state_ = State::kLingering;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  buffer_.clear();
  Drain();
}

void HttpConnection::Drain() {
  constexpr size_t kChunk = size_t{16} * 1024;
  stream_.async_read_some(buffer_.prepare(kChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->Guarded([&] {
                              if (self->state_ == State::kClosed) return;
                              if (ec) {
                                self->Close();  // EOF, the linger time passed, or an error.
                                return;
                              }
                              self->Drain();
                            });
                          });
}

void HttpConnection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  // parser_, buffer_ and response_ stay: a cancelled operation may still touch them on its way
  // to reporting operation_aborted.
  stream_.close();
  host_.OnConnectionClosed(id_);
}

}  // namespace pop::http_server_internal
