#include "app/metrics_registry.h"

#include <gtest/gtest.h>

#include "core/metrics/catalogue.h"

namespace pop::app {
namespace {

const metrics::MetricFamily* Find(const metrics::MetricsSnapshot& snapshot, std::string_view name) {
  for (const auto& family : snapshot.families) {
    if (family.def->name == name) return &family;
  }
  return nullptr;
}

TEST(MetricsRegistryTest, CountersAddUpPerSeries) {
  MetricsRegistry registry;
  registry.Add(metrics::kOperations, {"sample", "failed"}, 1);
  registry.Add(metrics::kOperations, {"sample", "failed"}, 2);
  registry.Add(metrics::kOperations, {"sample", "succeeded"}, 5);
  EXPECT_EQ(registry.Value("pop_operations_total", {"sample", "failed"}), 3);
  EXPECT_EQ(registry.Value("pop_operations_total", {"sample", "succeeded"}), 5);
  EXPECT_EQ(registry.Value("pop_operations_total", {"other", "failed"}), 0);
}

TEST(MetricsRegistryTest, DottedCountersGetAPrometheusAndAGraphiteName) {
  MetricsRegistry registry;
  registry.Count("maintenance.reaper.agendas", 3);
  registry.Count("maintenance.reaper.agendas", 2);
  const metrics::MetricsSnapshot snapshot = registry.Collect();
  const auto* family = Find(snapshot, "pop_maintenance_reaper_agendas_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->def->graphite, "maintenance.reaper.agendas");
  ASSERT_EQ(family->series.size(), 1u);
  EXPECT_EQ(family->series[0].value, 5);
}

TEST(MetricsRegistryTest, HistogramsCountEachObservationInTheFirstBucketThatHoldsIt) {
  MetricsRegistry registry;
  registry.Observe(metrics::kStoreCommit, {"sqlite"}, 0.0005);  // <= 1 ms
  registry.Observe(metrics::kStoreCommit, {"sqlite"}, 0.001);   // == 1 ms: same bucket
  registry.Observe(metrics::kStoreCommit, {"sqlite"}, 7200);    // beyond the last bound
  const metrics::MetricsSnapshot snapshot = registry.Collect();
  const auto* family = Find(snapshot, "pop_store_commit_seconds");
  ASSERT_NE(family, nullptr);
  const metrics::SeriesValue& series = family->series.at(0);
  EXPECT_EQ(series.count, 3u);
  EXPECT_DOUBLE_EQ(series.sum, 7200.0015);
  ASSERT_EQ(series.bucket_counts.size(), metrics::HistogramBounds().size() + 1);
  EXPECT_EQ(series.bucket_counts.front(), 2u);
  EXPECT_EQ(series.bucket_counts.back(), 1u);
}

TEST(MetricsRegistryTest, AMetricKeepsAtMostItsSeriesLimitAndCountsWhatItDrops) {
  MetricsRegistry registry(/*max_series_per_metric=*/2);
  registry.Add(metrics::kOperations, {"a", "failed"}, 1);
  registry.Add(metrics::kOperations, {"b", "failed"}, 1);
  registry.Add(metrics::kOperations, {"c", "failed"}, 1);  // a third series: dropped
  registry.Add(metrics::kOperations, {"a", "failed"}, 1);  // an existing one still counts
  EXPECT_EQ(registry.Value("pop_operations_total", {"c", "failed"}), 0);
  EXPECT_EQ(registry.Value("pop_operations_total", {"a", "failed"}), 2);
  EXPECT_EQ(registry.Value("pop_metrics_series_dropped_total", {"pop_operations_total"}), 1);
}

TEST(MetricsRegistryTest, CollectorsAreReadAtEachCollect) {
  MetricsRegistry registry;
  double depth = 3;
  registry.AddCollector([&depth] {
    return std::vector<metrics::GaugeReading>{{&metrics::kQueueDepth, {"i1", "Insight"}, depth}};
  });
  EXPECT_EQ(Find(registry.Collect(), "pop_insight_queue_depth")->series.at(0).value, 3);
  depth = 7;
  EXPECT_EQ(Find(registry.Collect(), "pop_insight_queue_depth")->series.at(0).value, 7);
}

TEST(MetricsRegistryTest, FamiliesComeSortedByName) {
  MetricsRegistry registry;
  registry.Add(metrics::kPullerFailures, {}, 1);
  registry.Count("zzz", 1);
  registry.Observe(metrics::kAgendaDuration, {"succeeded"}, 1);
  const metrics::MetricsSnapshot snapshot = registry.Collect();
  ASSERT_EQ(snapshot.families.size(), 3u);
  EXPECT_EQ(snapshot.families[0].def->name, "pop_agenda_duration_seconds");
  EXPECT_EQ(snapshot.families[1].def->name, "pop_puller_poll_failures_total");
  EXPECT_EQ(snapshot.families[2].def->name, "pop_zzz_total");
}

}  // namespace
}  // namespace pop::app
