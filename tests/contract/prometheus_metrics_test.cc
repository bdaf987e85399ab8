// PrometheusMetrics: counters add up across threads and render in the text exposition format.
#include "adapters/prometheus/prometheus_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace pop {
namespace {

TEST(PrometheusMetricsTest, RendersEachCounterSortedWithItsTypeLine) {
  PrometheusMetrics metrics;
  EXPECT_EQ(metrics.RenderText(), "");
  metrics.Count("maintenance.reaper.agendas", 3);
  metrics.Count("maintenance.reaper.agendas", 2);
  metrics.Count("api.requests", 1);
  EXPECT_EQ(metrics.RenderText(),
            "# TYPE pop_api_requests_total counter\n"
            "pop_api_requests_total 1\n"
            "# TYPE pop_maintenance_reaper_agendas_total counter\n"
            "pop_maintenance_reaper_agendas_total 5\n");
}

TEST(PrometheusMetricsTest, NamesKeepOnlyCharactersPrometheusAllows) {
  EXPECT_EQ(PrometheusMetrics::ExposedName("a.b-c d_e9"), "pop_a_b_c_d_e9_total");
}

TEST(PrometheusMetricsTest, ConcurrentCountsAreNotLost) {
  PrometheusMetrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 10000; ++i) metrics.Count("hits", 1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_NE(metrics.RenderText().find("pop_hits_total 40000\n"), std::string::npos);
}

}  // namespace
}  // namespace pop
