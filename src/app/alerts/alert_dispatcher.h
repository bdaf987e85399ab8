// AlertDispatcher: delivers alert notices to the configured sinks, each sink on its own thread
// and queue, so that Enqueue never blocks the caller (the rules' thread) and a receiver that is
// down or slow delays only its own sink. A failed delivery (no answer within the request
// timeout, or a status outside 2xx) is retried `retry_count` times, waiting `retry_backoff`
// before the first retry and twice as long before each next one (waits on the Clock); then it
// is given up with a log line that names the sink and the alert (never the URL or token).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "app/alerts/alert_sink.h"
#include "ports/clock.h"
#include "ports/http_client.h"
#include "ports/logger.h"

namespace pop::app {

struct AlertDeliveryOptions {
  int64_t retry_count = 3;                            // the original's alert.retry.count
  Duration retry_backoff = Duration::Seconds(5);      // the original's alert.retry.timeout
  std::chrono::milliseconds request_timeout{30'000};  // the original's alert.request.timeout
  // Notices waiting per sink; past it the oldest is dropped (and logged).
  size_t queue_limit = 1000;
};

struct AlertDeliveryStats {
  int64_t attempts = 0;   // requests sent (first tries and retries)
  int64_t delivered = 0;  // notices a receiver accepted
  int64_t given_up = 0;   // notices given up after the last retry
  int64_t dropped = 0;    // notices dropped from a full queue
};

class AlertDispatcher {
 public:
  AlertDispatcher(HttpClient& http, const Clock& clock, Logger& logger,
                  std::vector<AlertSinkConfig> sinks, AlertDeliveryOptions options);
  ~AlertDispatcher();  // Stop()
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Queues the notice for every sink and returns at once.
  void Enqueue(const AlertNotice& notice);
  // Ends the threads: a request in flight finishes (within its timeout); queued notices are
  // dropped. Idempotent.
  void Stop();

  AlertDeliveryStats Stats() const;  // summed over the sinks
  // True when no sink has a notice queued, waiting for a retry or in flight.
  bool Idle() const;

 private:
  class SinkWorker;
  std::vector<std::unique_ptr<SinkWorker>> workers_;
};

}  // namespace pop::app
