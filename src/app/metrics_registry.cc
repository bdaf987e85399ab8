#include "app/metrics_registry.h"

#include <algorithm>
#include <utility>

#include "core/metrics/catalogue.h"

namespace pop::app {

MetricsRegistry::MetricsRegistry(size_t max_series_per_metric)
    : max_series_(max_series_per_metric) {}

metrics::SeriesValue* MetricsRegistry::SeriesLocked(const metrics::MetricDef& def,
                                                    const metrics::LabelValues& labels) {
  auto family = families_.find(def.name);
  if (family == families_.end()) {
    family = families_.emplace(std::string(def.name), Family{&def, {}}).first;
  }
  auto found = family->second.series.find(labels);
  if (found != family->second.series.end()) return &found->second;
  if (family->second.series.size() >= max_series_) {
    if (&def != &metrics::kSeriesDropped) {
      metrics::SeriesValue* dropped =
          SeriesLocked(metrics::kSeriesDropped, {std::string(def.name)});
      if (dropped != nullptr) dropped->value += 1;
    }
    return nullptr;
  }
  metrics::SeriesValue value;
  value.labels = labels;
  if (def.type == metrics::MetricType::kHistogram) {
    value.bucket_counts.assign(metrics::HistogramBounds().size() + 1, 0);
  }
  return &family->second.series.emplace(labels, std::move(value)).first->second;
}

void MetricsRegistry::Count(std::string_view name, int64_t delta) {
  MutexLock lock(mu_);
  auto known = by_dotted_.find(name);
  if (known == by_dotted_.end()) {
    // Both names are kept alive by the registry: the definition points at them.
    // (the strings' addresses, not the vector's slots: the vector may grow in between).
    const std::string* prometheus =
        dynamic_strings_
            .emplace_back(std::make_unique<std::string>(metrics::PrometheusName(name) + "_total"))
            .get();
    const std::string* graphite =
        dynamic_strings_.emplace_back(std::make_unique<std::string>(metrics::GraphitePath(name)))
            .get();
    auto def = std::make_unique<metrics::MetricDef>();
    def->name = *prometheus;
    def->type = metrics::MetricType::kCounter;
    def->help = "A count kept by its dotted name (the Graphite name); see docs/metrics.md.";
    def->graphite = *graphite;
    known = by_dotted_.emplace(std::string(name), def.get()).first;
    dynamic_defs_.push_back(std::move(def));
  }
  if (metrics::SeriesValue* series = SeriesLocked(*known->second, {}); series != nullptr) {
    series->value += static_cast<double>(delta);
  }
}

void MetricsRegistry::Add(const metrics::MetricDef& def, const metrics::LabelValues& labels,
                          double delta) {
  MutexLock lock(mu_);
  if (metrics::SeriesValue* series = SeriesLocked(def, labels); series != nullptr) {
    series->value += delta;
  }
}

void MetricsRegistry::Observe(const metrics::MetricDef& def, const metrics::LabelValues& labels,
                              double seconds) {
  const std::vector<double>& bounds = metrics::HistogramBounds();
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
  MutexLock lock(mu_);
  if (metrics::SeriesValue* series = SeriesLocked(def, labels); series != nullptr) {
    series->count += 1;
    series->sum += seconds;
    series->bucket_counts[bucket] += 1;
  }
}

void MetricsRegistry::AddCollector(Collector collector) {
  MutexLock lock(mu_);
  collectors_.push_back(std::move(collector));
}

metrics::MetricsSnapshot MetricsRegistry::Collect() {
  std::vector<Collector> collectors;
  {
    MutexLock lock(mu_);
    collectors = collectors_;
  }
  // Gauges are read outside the lock: a collector takes the scheduler's lock.
  std::map<std::string_view, metrics::MetricFamily> gauges;
  for (const Collector& collector : collectors) {
    for (metrics::GaugeReading& reading : collector()) {
      metrics::MetricFamily& family = gauges[reading.def->name];
      family.def = reading.def;
      if (family.series.size() >= max_series_) continue;
      metrics::SeriesValue value;
      value.labels = std::move(reading.labels);
      value.value = reading.value;
      family.series.push_back(std::move(value));
    }
  }
  metrics::MetricsSnapshot snapshot;
  {
    MutexLock lock(mu_);
    for (const auto& [name, family] : families_) {
      metrics::MetricFamily out;
      out.def = family.def;
      for (const auto& [labels, value] : family.series) out.series.push_back(value);
      snapshot.families.push_back(std::move(out));
    }
  }
  for (auto& [name, family] : gauges) {
    std::sort(family.series.begin(), family.series.end(),
              [](const auto& a, const auto& b) { return a.labels < b.labels; });
    snapshot.families.push_back(std::move(family));
  }
  std::sort(snapshot.families.begin(), snapshot.families.end(),
            [](const auto& a, const auto& b) { return a.def->name < b.def->name; });
  return snapshot;
}

double MetricsRegistry::Value(std::string_view name, const metrics::LabelValues& labels) const {
  MutexLock lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto series = family->second.series.find(labels);
  if (series == family->second.series.end()) return 0;
  if (family->second.def->type == metrics::MetricType::kHistogram) {
    return static_cast<double>(series->second.count);
  }
  return series->second.value;
}

}  // namespace pop::app
