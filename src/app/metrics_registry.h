// MetricsRegistry: the one registry behind both metric outputs. Code records into it through the
// MetricsSink port (counters and histograms, by series), gauges are read from collectors (the
// scheduler's queue depths) at each Collect, and GET /metrics and the Graphite push read it
// through MetricsSource. Cardinality is bounded: a metric holds at most `max_series_per_metric`
// series; an update that would add one more is dropped and counted in
// pop_metrics_series_dropped_total{metric}. Label values are the caller's bounded sets (route
// patterns, statuses, operation types a launcher runs, insight ids); docs/metrics.md. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics/metric.h"
#include "ports/metrics.h"
#include "ports/mutex.h"

namespace pop::app {

class MetricsRegistry final : public MetricsSink, public MetricsSource {
 public:
  static constexpr size_t kDefaultMaxSeriesPerMetric = 500;
  explicit MetricsRegistry(size_t max_series_per_metric = kDefaultMaxSeriesPerMetric);

  void Count(std::string_view name, int64_t delta) override;
  void Add(const metrics::MetricDef& def, const metrics::LabelValues& labels,
           double delta) override;
  void Observe(const metrics::MetricDef& def, const metrics::LabelValues& labels,
               double seconds) override;

  // Gauge readings produced on demand; called by Collect without the registry's lock held, from
  // the collecting thread. Register before the outputs start; `collector` must outlive them.
  using Collector = std::function<std::vector<metrics::GaugeReading>()>;
  void AddCollector(Collector collector);

  metrics::MetricsSnapshot Collect() override;

  // The value of a counter's series (0 when absent), or a histogram's observation count. For
  // tests and diagnostics.
  double Value(std::string_view name, const metrics::LabelValues& labels = {}) const;

 private:
  struct Family {
    const metrics::MetricDef* def = nullptr;
    std::map<metrics::LabelValues, metrics::SeriesValue> series;
  };
  // The series of `def`, created when the metric has room; nullptr (and counted) otherwise.
  metrics::SeriesValue* SeriesLocked(const metrics::MetricDef& def,
                                     const metrics::LabelValues& labels) POP_REQUIRES(mu_);

  const size_t max_series_;
  mutable Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ POP_GUARDED_BY(mu_);
  // Definitions of the counters first counted by dotted name (stable addresses).
  std::vector<std::unique_ptr<metrics::MetricDef>> dynamic_defs_ POP_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<std::string>> dynamic_strings_ POP_GUARDED_BY(mu_);
  std::map<std::string, const metrics::MetricDef*, std::less<>> by_dotted_ POP_GUARDED_BY(mu_);
  std::vector<Collector> collectors_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
