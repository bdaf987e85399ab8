// The metric model shared by the registry (app/metrics_registry.h) and its two outputs, the
// Prometheus text page (adapters/prometheus) and the Graphite plaintext push
// (adapters/graphite): what a metric is (its definition), and a point-in-time copy of every
// series (MetricsSnapshot). Every metric pop reports is defined once in core/metrics/catalogue.h;
// docs/metrics.md lists them. Immutable value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pop::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// One metric. `name` is its Prometheus name (a counter's ends in "_total", a histogram of
// durations in "_seconds"). `graphite` is its dotted Graphite name: "{label}" stands for that
// label's value (sanitised, GraphiteSegment), e.g. "op.{type}.duration"; the series whose names
// come out equal are summed (a Graphite name may leave a label out).
struct MetricDef {
  std::string_view name;
  MetricType type = MetricType::kCounter;
  std::string_view help;
  std::vector<std::string_view> label_names;  // in the order callers pass values
  std::string_view graphite;
};

// Label values in the order of the definition's label_names.
using LabelValues = std::vector<std::string>;

// The upper bounds (seconds) of every histogram's buckets; +Inf is implicit. From 1 ms (a store
// commit) to an hour (an Agenda waiting for a puller, or running).
const std::vector<double>& HistogramBounds();

struct SeriesValue {
  LabelValues labels;
  double value = 0;                     // counter, gauge
  uint64_t count = 0;                   // histogram: observations
  double sum = 0;                       // histogram: their sum, in seconds
  std::vector<uint64_t> bucket_counts;  // histogram: per bound, not cumulative; last is +Inf
};

struct MetricFamily {
  const MetricDef* def = nullptr;  // points into the catalogue or the registry (outlives it)
  std::vector<SeriesValue> series;
};

// Every family the registry knows, sorted by name; series sorted by label values.
struct MetricsSnapshot {
  std::vector<MetricFamily> families;
};

// A gauge reading produced at collection time (queue depth, oldest wait).
struct GaugeReading {
  const MetricDef* def = nullptr;
  LabelValues labels;
  double value = 0;
};

// A Prometheus metric name from a dotted one: "pop_" + every character outside [a-zA-Z0-9_]
// replaced by '_' ("maintenance.reaper.agendas" → "pop_maintenance_reaper_agendas").
std::string PrometheusName(std::string_view dotted);
// One Graphite path segment from a free-form value: runs of whitespace become one '_', every
// other character outside [a-zA-Z0-9_-] becomes '_' (a '.' would make a new level), braces and a
// leading '/' are dropped (route "/agenda/{id}/why" → "agenda_id_why"), empty becomes "_".
std::string GraphiteSegment(std::string_view value);
// A dotted name with each segment sanitised by GraphiteSegment.
std::string GraphitePath(std::string_view dotted);
// `def.graphite` with every "{label}" replaced by the sanitised value of that label.
std::string GraphiteName(const MetricDef& def, const LabelValues& labels);

}  // namespace pop::metrics
