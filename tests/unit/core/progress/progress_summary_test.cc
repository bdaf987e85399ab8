#include "core/progress/progress_summary.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

AgendaProgress P(std::optional<ProcessingState> state, std::optional<double> percent,
                 std::optional<std::string> message = std::nullopt) {
  AgendaProgress p;
  p.processing_state = state;
  p.percent_complete = percent;
  p.processing_state_message = std::move(message);
  return p;
}

TEST(ProgressSummaryTest, EmptyIsCompleteAtZero) {
  auto summary = SummarizeProgress({});
  EXPECT_EQ(summary.state, ProcessingState::kComplete);
  EXPECT_EQ(summary.percent, 0.0);
}

TEST(ProgressSummaryTest, AnyFailedMakesItCompleteWithoutPercent) {
  auto summary = SummarizeProgress(
      {P(ProcessingState::kExecuting, 50), P(ProcessingState::kComplete, 100, "FAILED")});
  EXPECT_EQ(summary.state, ProcessingState::kComplete);
  EXPECT_FALSE(summary.percent.has_value());
}

TEST(ProgressSummaryTest, PercentIsTheMeanWithNullsCountedAsZero) {
  auto summary = SummarizeProgress({P(ProcessingState::kExecuting, 50),
                                    P(ProcessingState::kWaiting, std::nullopt),
                                    P(ProcessingState::kComplete, 100, "succeeded")});
  EXPECT_EQ(summary.state, ProcessingState::kExecuting);
  EXPECT_EQ(summary.percent, 50.0);
}

TEST(ProgressSummaryTest, PercentIsCappedAtOneHundred) {
  EXPECT_EQ(SummarizeProgress({P(ProcessingState::kComplete, 250)}).percent, 100.0);
}

TEST(ProgressSummaryTest, StateRules) {
  EXPECT_EQ(
      SummarizeProgress({P(ProcessingState::kWaiting, 0), P(ProcessingState::kWaiting, 0)}).state,
      ProcessingState::kWaiting);
  EXPECT_EQ(SummarizeProgress({P(ProcessingState::kWaiting, 0), P(ProcessingState::kComplete, 100)})
                .state,
            ProcessingState::kExecuting);
  EXPECT_EQ(
      SummarizeProgress({P(ProcessingState::kComplete, 100), P(ProcessingState::kComplete, 100)})
          .state,
      ProcessingState::kComplete);
  EXPECT_EQ(SummarizeProgress({P(std::nullopt, std::nullopt)}).state, ProcessingState::kComplete);
}

}  // namespace
}  // namespace pop
