// A plain TCP client for the HTTP tests that curl cannot express: smuggling attempts, obs-fold,
// broken framing. Sends raw bytes to 127.0.0.1 and reads responses framed by Content-Length.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pop::testing {

struct RawHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Thread-compatible. Every read gives up after `timeout` (a test that fails, not one that hangs).
class RawHttpConnection {
 public:
  explicit RawHttpConnection(uint16_t port,
                             std::chrono::seconds timeout = std::chrono::seconds(30));
  ~RawHttpConnection();
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  bool connected() const { return fd_ >= 0 && connected_; }
  bool Send(std::string_view data);
  // The next response; nullopt if the connection closed or timed out first.
  std::optional<RawHttpResponse> ReadResponse();
  // The next response's status line and headers only, for a response whose body streams on
  // (server-sent events); what follows stays for ReadUntil.
  std::optional<RawHttpResponse> ReadHead();
  // Everything received up to and including the first `marker` (consumed); nullopt if the
  // connection closed or timed out first.
  std::optional<std::string> ReadUntil(std::string_view marker);
  // Everything received until the server closes the connection (a reset counts as closed);
  // nullopt when the read timed out instead.
  std::optional<std::string> ReadUntilClose();

 private:
  bool ReadMore();

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

// The port of a "http://host:port" URL; 0 if there is none.
uint16_t PortOf(const std::string& url);

}  // namespace pop::testing
