#include "adapters/http_server/http_connection.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "adapters/http_server/beast_messages.h"
#include "adapters/http_server/request_framing.h"

namespace pop::http_server_internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// How long a connection closed after a response keeps discarding input, so that a client still
// sending (e.g. the rest of an oversized body) reads the response instead of a reset.
constexpr std::chrono::seconds kLingerTime{1};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// How much one read of a request header asks for.
constexpr size_t kHeaderReadSize = size_t{16} * 1024;

PlainStream MakeStream(PlainStream*, net::ip::tcp::socket socket, net::ssl::context*) {
  return PlainStream(std::move(socket));
}

TlsStream MakeStream(TlsStream*, net::ip::tcp::socket socket, net::ssl::context* tls) {
  return TlsStream(std::move(socket), *tls);
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
  PendingResponse(std::weak_ptr<Connection> connection, ConnectionHost& host, uint64_t sequence,
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
  const std::weak_ptr<Connection> connection_;
  const std::shared_ptr<ResponseGate> gate_;
  ConnectionHost& host_;  // used only while holding a Pass
  const uint64_t sequence_;
  const api::HttpRequest head_;  // without the body
  std::atomic<bool> responded_{false};
};

// Most bytes a streamed response may have queued for a slow client; past it the stream ends
// (the client reconnects and reads the state afresh).
constexpr size_t kMaxStreamBacklog = size_t{1} << 20;

}  // namespace

// What a streamed response's source sends through: posts to the connection's strand while the
// server runs. Thread-safe.
class StreamSinkImpl final : public api::StreamSink {
 public:
  StreamSinkImpl(std::weak_ptr<Connection> connection, std::shared_ptr<ResponseGate> gate)
      : connection_(std::move(connection)), gate_(std::move(gate)) {}

  bool Send(std::string piece) override {
    if (ended_.load()) return false;
    if (backlog_.fetch_add(piece.size()) + piece.size() > kMaxStreamBacklog) {
      End();
      return false;
    }
    ResponseGate::Pass pass(*gate_);
    auto connection = pass ? connection_.lock() : nullptr;
    if (!connection) {
      ended_.store(true);
      return false;
    }
    connection->PostStreamPiece(std::move(piece));
    return true;
  }

  void End() override {
    if (ended_.exchange(true)) return;
    ResponseGate::Pass pass(*gate_);
    if (!pass) return;
    if (auto connection = connection_.lock()) connection->PostStreamEnd();
  }

  // The connection's side: `bytes` were written; the stream has ended.
  void Written(size_t bytes) { backlog_.fetch_sub(bytes); }
  void MarkEnded() { ended_.store(true); }

 private:
  const std::weak_ptr<Connection> connection_;
  const std::shared_ptr<ResponseGate> gate_;
  std::atomic<bool> ended_{false};
  std::atomic<size_t> backlog_{0};
};

template <typename Stream>
HttpConnection<Stream>::HttpConnection(uint64_t id, net::ip::tcp::socket socket,
                                       std::string remote_address, ConnectionHost& host,
                                       net::ssl::context* tls)
    : id_(id),
      remote_address_(std::move(remote_address)),
      host_(host),
      stream_(MakeStream(static_cast<Stream*>(nullptr), std::move(socket), tls)),
      strand_(stream_.get_executor()) {}

template <typename Stream>
std::shared_ptr<HttpConnection<Stream>> HttpConnection<Stream>::Self() {
  return std::static_pointer_cast<HttpConnection>(shared_from_this());
}

template <typename Stream>
void HttpConnection<Stream>::Start() {
  net::post(strand_, [self = Self()] {
    self->Guarded([&] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        self->stream_.next_layer().expires_after(self->host_.options().idle_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          self->Guarded([&] { self->OnHandshake(ec); });
        });
      } else {
        self->ReadHeader();
      }
    });
  });
}

template <typename Stream>
void HttpConnection<Stream>::BeginStop() {
  net::post(strand_, [self = Self()] {
    self->stopping_ = true;
    if (self->state_ == State::kReadingHeader || self->state_ == State::kHandshake) {
      self->Close();
    } else if (self->state_ == State::kStreaming) {
      self->Guarded([&] { self->EndStream(); });  // a clean end: the last chunk, then close
    }
  });
}

template <typename Stream>
void HttpConnection<Stream>::ForceClose() {
  net::post(strand_, [self = Self()] { self->Close(); });
}

template <typename Stream>
void HttpConnection<Stream>::PostResponse(uint64_t sequence, api::HttpResponse response,
                                          bool close) {
  net::post(strand_, [self = Self(), sequence, response = std::move(response), close]() mutable {
    self->Guarded([&] { self->OnResponse(sequence, std::move(response), close); });
  });
}

template <typename Stream>
void HttpConnection<Stream>::PostStreamPiece(std::string piece) {
  net::post(strand_, [self = Self(), piece = std::move(piece)]() mutable {
    self->Guarded([&] {
      if (self->state_ != State::kStreaming || self->stream_end_) return;
      self->stream_outbox_.push_back(std::move(piece));
      self->WriteNextPiece();
    });
  });
}

template <typename Stream>
void HttpConnection<Stream>::PostStreamEnd() {
  net::post(strand_, [self = Self()] {
    self->Guarded([&] {
      if (self->state_ == State::kStreaming) self->EndStream();
    });
  });
}

// A failed handshake (plain HTTP sent to the TLS port, an unknown CA on the client's side, a
// timeout) closes the connection; only the log says why.
template <typename Stream>
void HttpConnection<Stream>::OnHandshake(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (!IsQuietReadError(ec)) {
      host_.Warn("http server: TLS handshake with " + remote_address_ + " failed: " + ec.message());
    }
    Close();
    return;
  }
  ReadHeader();
}

template <typename Stream>
template <typename Body>
void HttpConnection<Stream>::Guarded(Body&& body) noexcept {
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

template <typename Stream>
void HttpConnection<Stream>::ReadHeader() {
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
  ConfigureParser(*parser_, options.max_header_bytes, options.max_body_bytes);
  beast::get_lowest_layer(stream_).expires_after(options.idle_timeout);
  ParseHeader();
}

// What http::async_read_header does, plus the obs-fold check on the raw bytes before Beast
// parses them (Beast would unfold the line silently). Beast parses a header only once all of it
// is buffered, so every byte of it is checked before any of it is used.
template <typename Stream>
void HttpConnection<Stream>::ParseHeader() {
  if (buffer_.size() > 0) {
    const auto data = buffer_.data();
    const std::string_view buffered(static_cast<const char*>(data.data()), data.size());
    if (auto fold = FindObsFold(buffered, host_.options().max_header_bytes)) {
      Reject(std::move(*fold));
      return;
    }
    beast::error_code ec;
    buffer_.consume(parser_->put(data, ec));
    if (ec != http::error::need_more) {
      OnHeader(ec);
      return;
    }
  }
  stream_.async_read_some(buffer_.prepare(kHeaderReadSize),
                          [self = Self()](beast::error_code ec, size_t bytes) {
                            self->Guarded([&] { self->OnHeaderBytes(ec, bytes); });
                          });
}

template <typename Stream>
void HttpConnection<Stream>::OnHeaderBytes(beast::error_code ec, size_t bytes) {
  if (state_ == State::kClosed) return;
  buffer_.commit(bytes);
  if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
    // Between requests: the client is done. Inside a header: it gave up.
    OnReadError(parser_->got_some() || buffer_.size() > 0 ? http::error::partial_message
                                                          : http::error::end_of_stream);
    return;
  }
  if (ec) {
    OnReadError(ec);
    return;
  }
  ParseHeader();
}

template <typename Stream>
void HttpConnection<Stream>::OnHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  if (Status framing = CheckFraming(parser_->get()); !framing.ok()) {
    Reject(framing.error());
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
    beast::get_lowest_layer(stream_).expires_after(host_.options().idle_timeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = Self()](beast::error_code write_ec, size_t) {
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

template <typename Stream>
void HttpConnection<Stream>::ReadBody() {
  beast::get_lowest_layer(stream_).expires_after(host_.options().idle_timeout);
  http::async_read(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) {
    self->Guarded([&] { self->OnBody(ec); });
  });
}

template <typename Stream>
void HttpConnection<Stream>::OnBody(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

template <typename Stream>
void HttpConnection<Stream>::OnReadError(beast::error_code ec) {
  const HttpServerOptions& options = host_.options();
  if (auto rejection = ReadErrorToRejection(ec, options.max_header_bytes, options.max_body_bytes)) {
    Reject(std::move(*rejection));
  } else if (IsQuietReadError(ec) || ec == net::ssl::error::stream_truncated) {
    Close();
  } else {
    host_.Warn("http server: read from " + remote_address_ + " failed: " + ec.message());
    Close();
  }
}

template <typename Stream>
void HttpConnection<Stream>::Dispatch() {
  state_ = State::kAwaitingResponse;
  beast::get_lowest_layer(stream_).expires_never();  // Waiting for the handler is not idle time.
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

template <typename Stream>
void HttpConnection<Stream>::Reject(Error error) {
  state_ = State::kAwaitingResponse;
  keep_alive_ = false;  // The rest of the request may still be arriving: never read it.
  rejected_ = true;
  const uint64_t sequence = ++sequence_;
  api::HttpRequest head = HeadOf(parser_->get(), remote_address_);
  parser_.reset();
  host_.RunOnWorker([self = Self(), sequence, head = std::move(head), error = std::move(error)] {
    ResponseGate::Pass pass(*self->host_.gate());
    if (!pass) return;
    self->PostResponse(sequence, CallRejected(self->host_, head, error), /*close=*/true);
  });
}

template <typename Stream>
void HttpConnection<Stream>::OnResponse(uint64_t sequence, api::HttpResponse response, bool close) {
  if (state_ != State::kAwaitingResponse || sequence != sequence_) return;
  if (response.stream) {
    StartStream(std::move(response));
    return;
  }
  state_ = State::kWriting;
  ResponseFraming framing{version_, keep_alive_ && !close && !stopping_, is_head_};
  response_.emplace(ToBeastResponse(std::move(response), framing,
                                    [this](std::string_view message) { host_.Warn(message); }));
  keep_alive_ = framing.keep_alive;
  beast::get_lowest_layer(stream_).expires_after(host_.options().idle_timeout);
  http::async_write(stream_, *response_, [self = Self()](beast::error_code ec, size_t) {
    self->Guarded([&] { self->OnWrite(ec); });
  });
}

template <typename Stream>
void HttpConnection<Stream>::OnWrite(beast::error_code ec) {
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

template <typename Stream>
void HttpConnection<Stream>::StartStream(api::HttpResponse response) {
  state_ = State::kStreaming;
  stream_source_ = std::move(response.stream);
  stream_chunked_ = version_ == 11;
  ResponseFraming framing{version_, /*keep_alive=*/false, is_head_};
  response.body.clear();
  Response header =
      ToBeastResponse(std::move(response), framing, [this](std::string_view m) { host_.Warn(m); });
  keep_alive_ = false;
  if (stream_chunked_) {
    header.chunked(true);
  } else {
    header.erase(http::field::content_length);  // HTTP/1.0: the body ends when the connection does
  }
  response_.emplace(std::move(header));
  stream_header_.emplace(*response_);
  stream_sink_ = std::make_shared<StreamSinkImpl>(weak_from_this(), host_.gate());
  beast::get_lowest_layer(stream_).expires_after(host_.options().idle_timeout);
  http::async_write_header(stream_, *stream_header_, [self = Self()](beast::error_code ec, size_t) {
    self->Guarded([&] { self->OnStreamHeader(ec); });
  });
  if (is_head_ || stopping_) {
    stream_end_ = true;  // HEAD gets the header only; a stopping server sends no events
  } else {
    stream_source_->Open(stream_sink_);
  }
}

template <typename Stream>
void HttpConnection<Stream>::OnStreamHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  stream_ready_ = true;
  beast::get_lowest_layer(stream_).expires_never();  // waiting for events is not idle time
  WatchStreamClient();
  WriteNextPiece();
}

// Reads (and discards) whatever the client sends while the stream is open: an end of file or an
// error means it has gone, which ends the stream at once instead of at the next write.
template <typename Stream>
void HttpConnection<Stream>::WatchStreamClient() {
  constexpr size_t kChunk = 1024;
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kChunk), [self = Self()](beast::error_code ec, size_t) {
    self->Guarded([&] {
      if (self->state_ == State::kClosed) return;
      if (ec) {
        self->Close();
        return;
      }
      self->WatchStreamClient();
    });
  });
}

template <typename Stream>
void HttpConnection<Stream>::WriteNextPiece() {
  if (!stream_ready_ || stream_write_pending_ || state_ != State::kStreaming) return;
  if (stream_outbox_.empty()) {
    if (!stream_end_) return;
    if (!stream_chunked_ || is_head_) {
      Close();
      return;
    }
    stream_writing_ = "0\r\n\r\n";  // the last chunk
    stream_last_chunk_ = true;
  } else {
    std::string piece = std::move(stream_outbox_.front());
    stream_outbox_.pop_front();
    stream_sink_->Written(piece.size());
    if (piece.empty()) {
      WriteNextPiece();  // an empty chunk would end the body
      return;
    }
    if (stream_chunked_) {
      char size[32];
      const int length = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
      stream_writing_.assign(size, static_cast<size_t>(length));
      stream_writing_ += piece;
      stream_writing_ += "\r\n";
    } else {
      stream_writing_ = std::move(piece);
    }
  }
  stream_write_pending_ = true;
  beast::get_lowest_layer(stream_).expires_after(host_.options().idle_timeout);
  net::async_write(stream_, net::buffer(stream_writing_),
                   [self = Self()](beast::error_code ec, size_t) {
                     self->Guarded([&] { self->OnPieceWritten(ec); });
                   });
}

template <typename Stream>
void HttpConnection<Stream>::OnPieceWritten(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  stream_write_pending_ = false;
  if (ec) {
    Close();
    return;
  }
  beast::get_lowest_layer(stream_).expires_never();
  if (stream_last_chunk_) {
    Close();
    return;
  }
  WriteNextPiece();
}

template <typename Stream>
void HttpConnection<Stream>::EndStream() {
  stream_end_ = true;
  if (stream_sink_) stream_sink_->MarkEnded();
  WriteNextPiece();
}

template <typename Stream>
void HttpConnection<Stream>::LingerThenClose() {
  state_ = State::kLingering;
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  beast::get_lowest_layer(stream_).expires_after(kLingerTime);
  buffer_.clear();
  Drain();
}

template <typename Stream>
void HttpConnection<Stream>::Drain() {
  constexpr size_t kChunk = size_t{16} * 1024;
  stream_.async_read_some(buffer_.prepare(kChunk), [self = Self()](beast::error_code ec, size_t) {
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

template <typename Stream>
void HttpConnection<Stream>::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  // parser_, buffer_ and response_ stay: a cancelled operation may still touch them on its way
  // to reporting operation_aborted.
  beast::get_lowest_layer(stream_).close();
  if (stream_sink_) stream_sink_->MarkEnded();
  if (auto source = std::move(stream_source_)) source->Closed();
  host_.OnConnectionClosed(id_);
}

template class HttpConnection<PlainStream>;
template class HttpConnection<TlsStream>;

}  // namespace pop::http_server_internal
