// GraphiteReporter: pushes the metrics registry (MetricsSource) to a carbon daemon in Graphite's
// plaintext protocol every `interval`, on its own sender thread that waits through the Clock port
// (a fake clock drives it in tests). Request handling never waits for it: collecting takes the
// registry's lock only to copy it. When carbon cannot be reached the push's lines are dropped and
// counted (pop_graphite_dropped_lines_total), and connecting is retried after a backoff that
// doubles from `initial_backoff` up to `max_backoff` and resets once a push gets through.
// Thread-safe: Start and Stop from one owner thread; PushOnce from the sender thread or a test.
#pragma once

#include <condition_variable>
#include <memory>
#include <string>
#include <thread>

#include "core/base/result.h"
#include "core/base/time.h"
#include "ports/clock.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"

namespace pop {

struct GraphiteOptions {
  std::string host;
  int port = 2003;
  std::string prefix = "pop";                  // first path segments of every metric
  Duration interval = Duration::Seconds(60);   // between pushes
  Duration io_timeout = Duration::Seconds(2);  // connecting, and each write
  Duration initial_backoff = Duration::Seconds(1);
  Duration max_backoff = Duration::Seconds(60);
};

// "host:port" → (host, port). Errors: kInvalidArgument naming `flag` when the text is not a host,
// a colon and a port in 1..65535.
[[nodiscard]] Result<GraphiteOptions> ParseGraphiteTarget(const std::string& flag,
                                                          const std::string& text);

class GraphiteReporter {
 public:
  // `source` is read at each push, `sink` counts sent and dropped lines; both, `clock` and
  // `logger` outlive the reporter. Errors: kInvalidArgument for an empty host, a port outside
  // 1..65535, an interval under 1 s or a prefix with no usable character.
  static Result<std::unique_ptr<GraphiteReporter>> Create(GraphiteOptions options,
                                                          MetricsSource& source, MetricsSink& sink,
                                                          const Clock& clock, Logger& logger);
  ~GraphiteReporter();
  GraphiteReporter(const GraphiteReporter&) = delete;
  GraphiteReporter& operator=(const GraphiteReporter&) = delete;

  // Starts the sender thread: the first push one interval from now.
  void Start();
  // Joins the sender thread after one last push (so a short-lived process reports). Idempotent.
  void Stop();

  // One push now: collect, render, send. Errors: kUnavailable when carbon could not be reached
  // (or is in backoff), the lines dropped and counted.
  Status PushOnce();

 private:
  GraphiteReporter(GraphiteOptions options, MetricsSource& source, MetricsSink& sink,
                   const Clock& clock, Logger& logger);
  void Loop(Timestamp next);
  Status Connect(Timestamp now);
  Status SendAll(const std::string& data);
  void CloseSocket();

  const GraphiteOptions options_;
  MetricsSource& source_;
  MetricsSink& sink_;
  const Clock& clock_;
  Logger& logger_;

  // Confined to the pushing thread (PushOnce is not called concurrently).
  int fd_ = -1;
  Timestamp reconnect_at_;
  Duration backoff_;
  bool logged_down_ = false;

  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace pop
