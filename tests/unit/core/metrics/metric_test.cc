#include "core/metrics/metric.h"

#include <gtest/gtest.h>

#include "core/metrics/catalogue.h"

namespace pop::metrics {
namespace {

TEST(MetricNamesTest, PrometheusNameReplacesEveryCharacterOutsideTheNameAlphabet) {
  EXPECT_EQ(PrometheusName("maintenance.reaper.agendas"), "pop_maintenance_reaper_agendas");
  EXPECT_EQ(PrometheusName("a-b c/d"), "pop_a_b_c_d");
}

TEST(MetricNamesTest, GraphiteSegmentKeepsOneLevelAndCollapsesWhitespace) {
  EXPECT_EQ(GraphiteSegment("Video  Transcode\tHigh"), "Video_Transcode_High");
  EXPECT_EQ(GraphiteSegment("a.b"), "a_b");  // a dot would make a new level
  EXPECT_EQ(GraphiteSegment("/pop/agenda/{id}/why"), "pop_agenda_id_why");
  EXPECT_EQ(GraphiteSegment(""), "_");
}

TEST(MetricNamesTest, GraphiteNameFillsTheTemplateWithSanitisedLabelValues) {
  EXPECT_EQ(GraphiteName(kOperations, {"sample", "failed"}), "op.sample.failed");
  EXPECT_EQ(GraphiteName(kOperationDuration, {"my type"}), "op.my_type.duration");
  EXPECT_EQ(GraphiteName(kQueueDepth, {"insight-1", "Dev Insight"}), "waiting.Dev_Insight");
  EXPECT_EQ(GraphiteName(kAgendaDuration, {"succeeded"}), "duration");
  EXPECT_EQ(GraphiteName(kHttpRequests, {"/healthz", "GET", "200"}), "http.healthz.200");
}

TEST(MetricNamesTest, GraphitePathSanitisesEachSegment) {
  EXPECT_EQ(GraphitePath("pop.my host.x"), "pop.my_host.x");
}

TEST(MetricNamesTest, EveryCatalogueCounterEndsInTotalAndEveryHistogramInSeconds) {
  for (const MetricDef* def :
       {&kAgendaDuration, &kOperations, &kOperationDuration, &kSubmitToClaim, &kClaimToComplete,
        &kQueueDepth, &kOldestWait, &kPausedAgendas, &kInsightPaused, &kStoreCommit, &kHttpRequests,
        &kHttpDuration, &kPullerPoll, &kPullerFailures, &kExecutorPods, &kPodsReaped,
        &kGraphiteDropped, &kGraphiteSent, &kSeriesDropped}) {
    const std::string name(def->name);
    if (def->type == MetricType::kCounter) {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
    if (def->type == MetricType::kHistogram) {
      EXPECT_TRUE(name.ends_with("_seconds")) << name;
    }
    EXPECT_FALSE(def->help.empty()) << name;
  }
}

}  // namespace
}  // namespace pop::metrics
