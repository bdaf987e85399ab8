#include "adapters/http_server/http_server.h"

#include <utility>  // Boost 1.74's Asio misses this include under -std=c++20.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "adapters/http_server/http_connection.h"
#include "adapters/http_server/response_gate.h"

namespace pop {

namespace net = boost::asio;
using http_server_internal::Connection;
using http_server_internal::ConnectionHost;
using http_server_internal::HttpConnection;
using http_server_internal::PlainStream;
using http_server_internal::ResponseGate;
using http_server_internal::TlsStream;
using net::ip::tcp;

namespace {

// After Stop() force-closes the connections left at the deadline, how long it waits for their
// strands to run the close before stopping the io threads regardless.
constexpr std::chrono::seconds kForceCloseWait{2};
// Pause before accepting again after a failed accept (e.g. out of file descriptors), so the
// loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// OpenSSL's reason for the last failure (e.g. "no start line"), else the error code's message.
std::string OpenSslReason(const boost::system::error_code& ec) {
  const auto code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? std::string(reason) : ec.message();
}

bool IsReadable(const std::string& path) { return std::ifstream(path).good(); }

// A server context: TLS 1.2 or later, the certificate chain and the key that matches it.
Result<std::unique_ptr<net::ssl::context>> LoadTls(const HttpServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "http server: TLS needs both a certificate and a private key file");
  }
  if (options.tls_cert_file.empty()) return std::unique_ptr<net::ssl::context>();
  const std::string& cert = options.tls_cert_file;
  const std::string& key = options.tls_key_file;
  if (!IsReadable(cert)) {
    return Error(ErrorCode::kInvalidArgument,
                 "TLS certificate file '" + cert + "' cannot be read: " + std::strerror(errno));
  }
  if (!IsReadable(key)) {
    return Error(ErrorCode::kInvalidArgument,
                 "TLS private key file '" + key + "' cannot be read: " + std::strerror(errno));
  }
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::single_dh_use);
  boost::system::error_code ec;
  // The key first: loaded after it, a certificate that does not match drops the key, which the
  // check below then reports as a mismatch (the other order fails with a less clear message).
  if (context->use_private_key_file(key, net::ssl::context::pem, ec); ec) {
    return Error(
        ErrorCode::kInvalidArgument,
        "TLS private key file '" + key + "' holds no usable PEM private key: " + OpenSslReason(ec));
  }
  if (context->use_certificate_chain_file(cert, ec); ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "TLS certificate file '" + cert +
                     "' holds no usable PEM certificate: " + OpenSslReason(ec));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return Error(
        ErrorCode::kInvalidArgument,
        "TLS private key file '" + key + "' does not match the certificate in '" + cert + "'");
  }
  return context;
}

}  // namespace

// Owns the io_context, the worker pool, the acceptor and the registry of live connections.
// Thread-safe. Member order matters for destruction: the io_context is destroyed before the
// registry and the gate (queued handlers hold connections), the acceptor before the io_context.
class HttpServer::Runtime final : public ConnectionHost {
 public:
  Runtime(const HttpServerOptions& options, api::HttpHandler& handler,
          std::unique_ptr<net::ssl::context> tls)
      : options_(options),
        handler_(handler),
        tls_(std::move(tls)),
        acceptor_strand_(net::make_strand(ioc_)),
        acceptor_(acceptor_strand_),
        accept_retry_(acceptor_strand_) {}
  ~Runtime() override { Stop(); }

  Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

  const HttpServerOptions& options() const override { return options_; }
  api::HttpHandler& handler() override { return handler_; }
  const std::shared_ptr<ResponseGate>& gate() const override { return gate_; }
  void RunOnWorker(std::function<void()> job) override { net::post(*workers_, std::move(job)); }
  void OnConnectionClosed(uint64_t id) override;
  void Warn(std::string_view message) const override {
    if (options_.log) options_.log(message);
  }

 private:
  enum class Phase { kCreated, kRunning, kStopped };

  Status Listen();
  Result<tcp::endpoint> ResolveListenAddress();
  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);
  void RunIo();
  std::vector<std::shared_ptr<Connection>> Connections();
  // Waits until no connection is registered or `deadline` passes; true if none is left.
  bool WaitForNoConnections(std::chrono::steady_clock::time_point deadline);

  const HttpServerOptions options_;
  api::HttpHandler& handler_;
  const std::unique_ptr<net::ssl::context> tls_;  // null: plain HTTP. Read-only once created.
  const std::shared_ptr<ResponseGate> gate_ = std::make_shared<ResponseGate>();
  std::atomic<uint16_t> port_{0};

  std::mutex phase_mu_;            // serialises Start() and Stop()
  Phase phase_ = Phase::kCreated;  // guarded by phase_mu_

  std::mutex mu_;
  std::condition_variable connections_changed_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;  // guarded by mu_
  uint64_t next_connection_id_ = 1;                                        // guarded by mu_
  bool accepting_ = true;                                                  // guarded by mu_

  std::optional<net::thread_pool> workers_;  // created by Start(), joined by Stop()
  std::vector<std::thread> io_threads_;      // likewise
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  const net::strand<net::io_context::executor_type> acceptor_strand_;
  tcp::acceptor acceptor_;          // on acceptor_strand_ once the io threads run
  net::steady_timer accept_retry_;  // on acceptor_strand_
};

Status HttpServer::Runtime::Start() {
  std::lock_guard<std::mutex> lock(phase_mu_);
  if (phase_ != Phase::kCreated) return Status(ErrorCode::kInternal, "http server: started twice");
  if (Status listening = Listen(); !listening.ok()) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);  // so that a later Start() can try again
    return listening;
  }
  phase_ = Phase::kRunning;  // From here on Stop() cleans up whatever was started.
  try {
    workers_.emplace(options_.worker_threads);
    work_.emplace(net::make_work_guard(ioc_));
    for (size_t i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { RunIo(); });
  } catch (const std::system_error& e) {
    // Stop() (also run by the destructor) joins whatever threads did start.
    return Status(ErrorCode::kUnavailable,
                  std::string("http server: cannot start threads: ") + e.what());
  }
  net::post(acceptor_strand_, [this] { Accept(); });
  return Status::Ok();
}

Status HttpServer::Runtime::Listen() {
  boost::system::error_code ec;
  POP_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ResolveListenAddress());
  const std::string where = FormatEndpoint(endpoint);
  if (acceptor_.open(endpoint.protocol(), ec); ec) {
    return Status(ErrorCode::kUnavailable,
                  "http server: socket for " + where + ": " + ec.message());
  }
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return Status(ErrorCode::kUnavailable, "http server: SO_REUSEADDR: " + ec.message());
  }
  if (acceptor_.bind(endpoint, ec); ec) {
    return Status(ErrorCode::kUnavailable, "http server: bind " + where + ": " + ec.message());
  }
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
    return Status(ErrorCode::kUnavailable, "http server: listen " + where + ": " + ec.message());
  }
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) return Status(ErrorCode::kUnavailable, "http server: local endpoint: " + ec.message());
  port_.store(local.port());
  return Status::Ok();
}

// An IP literal, or a host name resolved once (IPv4 preferred, so that "localhost" binds where
// most clients connect first).
Result<tcp::endpoint> HttpServer::Runtime::ResolveListenAddress() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options_.address, ec);
  if (!ec) return tcp::endpoint(address, options_.port);
  tcp::resolver resolver(ioc_);
  const auto results =
      resolver.resolve(options_.address, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "http server: cannot resolve address '" + options_.address + "': " + ec.message());
  }
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) return entry.endpoint();
  }
  return results.begin()->endpoint();
}

void HttpServer::Runtime::RunIo() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      Warn(std::string("http server: io thread caught: ") + e.what());
    } catch (...) {
      Warn("http server: io thread caught an unknown exception");
    }
  }
}

// On the acceptor's strand.
void HttpServer::Runtime::Accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(net::make_strand(ioc_),
                         [this](const boost::system::error_code& ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

// On the acceptor's strand.
void HttpServer::Runtime::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    Warn("http server: accept failed: " + ec.message());
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](const boost::system::error_code& wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  boost::system::error_code option_ec;
  socket.set_option(tcp::no_delay(true), option_ec);  // Small responses must not wait for ACKs.
  const auto remote = socket.remote_endpoint(option_ec);
  std::string remote_address = option_ec ? std::string("unknown") : FormatEndpoint(remote);
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (accepting_) {
      const uint64_t id = next_connection_id_++;
      if (tls_) {
        connection = std::make_shared<HttpConnection<TlsStream>>(
            id, std::move(socket), std::move(remote_address), *this, tls_.get());
      } else {
        connection = std::make_shared<HttpConnection<PlainStream>>(
            id, std::move(socket), std::move(remote_address), *this, nullptr);
      }
      connections_.emplace(id, connection);
    }
  }
  if (connection) connection->Start();
  Accept();
}

void HttpServer::Runtime::OnConnectionClosed(uint64_t id) {
  std::shared_ptr<Connection> released;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  released = std::move(it->second);
  connections_.erase(it);
  if (connections_.empty()) connections_changed_.notify_all();
}

std::vector<std::shared_ptr<Connection>> HttpServer::Runtime::Connections() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Connection>> out;
  out.reserve(connections_.size());
  for (const auto& [id, connection] : connections_) out.push_back(connection);
  return out;
}

bool HttpServer::Runtime::WaitForNoConnections(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return connections_changed_.wait_until(lock, deadline, [this] { return connections_.empty(); });
}

// The order is the contract in docs/design/http-server.md ("Graceful stop").
void HttpServer::Runtime::Stop() {
  std::lock_guard<std::mutex> phase_lock(phase_mu_);
  if (phase_ != Phase::kRunning) {
    phase_ = Phase::kStopped;
    return;
  }
  phase_ = Phase::kStopped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
  }
  net::post(acceptor_strand_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for (const auto& connection : Connections()) connection->BeginStop();
  const auto now = std::chrono::steady_clock::now();
  if (!WaitForNoConnections(now + options_.stop_deadline)) {
    for (const auto& connection : Connections()) connection->ForceClose();
    if (!WaitForNoConnections(std::chrono::steady_clock::now() + kForceCloseWait)) {
      Warn("http server: connections still open after the stop deadline");
    }
  }
  gate_->Close();  // From here on Responders do nothing.
  work_.reset();
  ioc_.stop();
  for (auto& thread : io_threads_) thread.join();
  io_threads_.clear();
  if (workers_) workers_->join();  // Handle() calls still running finish first.
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> leftovers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    leftovers.swap(connections_);
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                       api::HttpHandler& handler) {
  if (options.io_threads == 0 || options.worker_threads == 0) {
    return Error(ErrorCode::kInvalidArgument, "http server: thread counts must be positive");
  }
  if (options.max_header_bytes == 0 ||
      options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return Error(ErrorCode::kInvalidArgument, "http server: max_header_bytes out of range");
  }
  if (options.idle_timeout.count() <= 0 || options.stop_deadline.count() < 0) {
    return Error(ErrorCode::kInvalidArgument, "http server: timeouts must be positive");
  }
  POP_ASSIGN_OR_RETURN(auto tls, LoadTls(options));
  return std::unique_ptr<HttpServer>(
      new HttpServer(std::make_unique<Runtime>(options, handler, std::move(tls))));
}

HttpServer::HttpServer(std::unique_ptr<Runtime> runtime) : runtime_(std::move(runtime)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() { return runtime_->Start(); }

uint16_t HttpServer::port() const { return runtime_->port(); }

void HttpServer::Stop() { runtime_->Stop(); }

}  // namespace pop
