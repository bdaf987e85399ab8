// MetricsSink: counters that operators read (GET /metrics; Graphite and Prometheus adapters
// later). Names are dotted lower-case words, e.g. "maintenance.reclaimer.reclaimed".
// Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace pop {

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // Adds `delta` to the counter `name` (created at 0 on first use).
  virtual void Count(std::string_view name, int64_t delta) = 0;
};

// Discards everything; for tools and tests that do not read metrics.
class NullMetrics final : public MetricsSink {
 public:
  void Count(std::string_view, int64_t) override {}
};

}  // namespace pop
