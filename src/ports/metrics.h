// MetricsSink: where app code and adapters record what operators read, and MetricsSource: where
// the outputs (GET /metrics, the Graphite push) read it back. One registry implements both
// (app/metrics_registry.h); every metric is defined in core/metrics/catalogue.h and described in
// docs/metrics.md. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/metrics/metric.h"

namespace pop {

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // Adds `delta` to the counter with the dotted name `name` (created at 0 on first use), e.g.
  // "maintenance.reaper.agendas": Prometheus pop_maintenance_reaper_agendas_total, Graphite
  // maintenance.reaper.agendas.
  virtual void Count(std::string_view name, int64_t delta) = 0;
  // Adds `delta` to the series `labels` (values in def.label_names order) of counter `def`.
  virtual void Add(const metrics::MetricDef& def, const metrics::LabelValues& labels,
                   double delta) = 0;
  // Records one observation (seconds) in the series `labels` of histogram `def`.
  virtual void Observe(const metrics::MetricDef& def, const metrics::LabelValues& labels,
                       double seconds) = 0;
};

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // Every metric as of now, gauges read at this call.
  virtual metrics::MetricsSnapshot Collect() = 0;
};

// Discards everything; for tools and tests that do not read metrics.
class NullMetrics final : public MetricsSink {
 public:
  void Count(std::string_view, int64_t) override {}
  void Add(const metrics::MetricDef&, const metrics::LabelValues&, double) override {}
  void Observe(const metrics::MetricDef&, const metrics::LabelValues&, double) override {}
};

}  // namespace pop
