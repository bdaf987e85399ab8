#include "app/alerts/alert_dispatcher.h"

#include <condition_variable>
#include <deque>
#include <string>
#include <thread>
#include <utility>

#include "ports/mutex.h"

namespace pop::app {

class AlertDispatcher::SinkWorker {
 public:
  SinkWorker(HttpClient& http, const Clock& clock, Logger& logger, AlertSinkConfig sink,
             const AlertDeliveryOptions& options)
      : http_(http), clock_(clock), logger_(logger), sink_(std::move(sink)), options_(options) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~SinkWorker() { Stop(); }
  SinkWorker(const SinkWorker&) = delete;
  SinkWorker& operator=(const SinkWorker&) = delete;

  void Enqueue(const AlertNotice& notice) {
    bool dropped = false;
    {
      MutexLock lock(mu_);
      if (stopping_) return;
      if (queue_.size() >= options_.queue_limit) {
        queue_.pop_front();
        ++stats_.dropped;
        dropped = true;
      }
      queue_.push_back(notice);
    }
    cv_.notify_all();
    if (dropped) {
      Log(LogLevel::kWarning, "alert sink " + sink_.name + ": queue full (" +
                                  std::to_string(options_.queue_limit) +
                                  " notices), dropped the oldest");
    }
  }

  void Stop() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  AlertDeliveryStats Stats() const {
    MutexLock lock(mu_);
    return stats_;
  }
  bool Idle() const {
    MutexLock lock(mu_);
    return queue_.empty() && !busy_;
  }

 private:
  void Log(LogLevel level, const std::string& line) {
    if (logger_.Enabled(level)) logger_.Log(level, line);
  }

  void Loop() {
    MutexLock lock(mu_);
    for (;;) {
      while (!stopping_ && queue_.empty()) mu_.Wait(cv_);
      if (stopping_) return;
      AlertNotice notice = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.Unlock();
      const bool stopped = Deliver(notice);
      lock.Lock();
      busy_ = false;
      if (stopped) return;
    }
  }

  // Returns true when Stop() interrupted a wait between retries.
  bool Deliver(const AlertNotice& notice) {
    const HttpClientRequest request = BuildAlertRequest(sink_, notice, options_.request_timeout);
    const std::string what =
        std::string(notice.transition == AlertTransition::kFiring ? "firing" : "resolved") +
        " alert " + notice.alert.id;
    Duration backoff = options_.retry_backoff;
    std::string last_error;
    for (int64_t attempt = 0; attempt <= options_.retry_count; ++attempt) {
      if (attempt > 0) {
        if (WaitOrStop(backoff)) return true;
        backoff = Duration::Millis(backoff.millis() * 2);
      }
      {
        MutexLock lock(mu_);
        ++stats_.attempts;
      }
      Result<HttpClientResponse> response = http_.Send(request);
      if (response.ok() && response.value().status >= 200 && response.value().status < 300) {
        MutexLock lock(mu_);
        ++stats_.delivered;
        return false;
      }
      last_error = response.ok() ? "HTTP " + std::to_string(response.value().status)
                                 : RedactSecrets(sink_, response.error().message);
      std::string line = "alert sink " + sink_.name + " (" + AlertSinkKindName(sink_.kind) + "): ";
      line += what;
      line += ", attempt ";
      line += std::to_string(attempt + 1);
      line += " failed: ";
      line += last_error;
      Log(LogLevel::kWarning, line);
    }
    {
      MutexLock lock(mu_);
      ++stats_.given_up;
    }
    Log(LogLevel::kError, "alert sink " + sink_.name + " (" + AlertSinkKindName(sink_.kind) +
                              "): gave up on " + what + " after " +
                              std::to_string(options_.retry_count + 1) +
                              " attempts; last error: " + last_error);
    return false;
  }

  bool WaitOrStop(Duration wait) {
    const Timestamp deadline = clock_.Now() + wait;
    MutexLock lock(mu_);
    while (!stopping_ && clock_.Now() < deadline) mu_.WaitUntil(clock_, cv_, deadline);
    return stopping_;
  }

  HttpClient& http_;
  const Clock& clock_;
  Logger& logger_;
  const AlertSinkConfig sink_;
  const AlertDeliveryOptions options_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  bool busy_ POP_GUARDED_BY(mu_) = false;
  std::deque<AlertNotice> queue_ POP_GUARDED_BY(mu_);
  AlertDeliveryStats stats_ POP_GUARDED_BY(mu_);
  std::thread thread_;
};

AlertDispatcher::AlertDispatcher(HttpClient& http, const Clock& clock, Logger& logger,
                                 std::vector<AlertSinkConfig> sinks, AlertDeliveryOptions options) {
  for (AlertSinkConfig& sink : sinks) {
    workers_.push_back(std::make_unique<SinkWorker>(http, clock, logger, std::move(sink), options));
  }
}

AlertDispatcher::~AlertDispatcher() { Stop(); }

void AlertDispatcher::Enqueue(const AlertNotice& notice) {
  for (auto& worker : workers_) worker->Enqueue(notice);
}

void AlertDispatcher::Stop() {
  for (auto& worker : workers_) worker->Stop();
}

AlertDeliveryStats AlertDispatcher::Stats() const {
  AlertDeliveryStats total;
  for (const auto& worker : workers_) {
    AlertDeliveryStats stats = worker->Stats();
    total.attempts += stats.attempts;
    total.delivered += stats.delivered;
    total.given_up += stats.given_up;
    total.dropped += stats.dropped;
  }
  return total;
}

bool AlertDispatcher::Idle() const {
  for (const auto& worker : workers_) {
    if (!worker->Idle()) return false;
  }
  return true;
}

}  // namespace pop::app
