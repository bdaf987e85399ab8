// AlertReceiver: a small real HTTP server on 127.0.0.1 for the alert delivery tests. It records
// every request, answers with the next scripted status (then the default), and can answer
// slowly. One request per connection (it answers "Connection: close"). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pop::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class AlertReceiver {
 public:
  // `check` (optional) returns the problems it finds in a request; a request with problems is
  // answered 400 and the problems are kept (problems()).
  explicit AlertReceiver(
      std::function<std::vector<std::string>(const ReceivedRequest&)> check = nullptr);
  ~AlertReceiver();
  AlertReceiver(const AlertReceiver&) = delete;
  AlertReceiver& operator=(const AlertReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "") const;

  void ScriptStatuses(std::deque<int> statuses);
  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }

  std::vector<ReceivedRequest> requests() const;
  std::vector<std::string> problems() const;

 private:
  void Serve();
  void Handle(int fd);

  std::function<std::vector<std::string>(const ReceivedRequest&)> check_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> delay_ms_{0};
  mutable std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::string> problems_;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (bound once, then closed): a receiver that is down.
uint16_t ClosedPort();

}  // namespace pop::testing
