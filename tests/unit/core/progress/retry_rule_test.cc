#include "core/progress/retry_rule.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

AgendaProgress P(std::string message, std::optional<int64_t> attempts,
                 std::optional<int64_t> maximum) {
  AgendaProgress p;
  p.processing_state = ProcessingState::kComplete;
  p.processing_state_message = std::move(message);
  p.attempts_completed = attempts;
  p.maximum_attempts = maximum;
  return p;
}

// The truth table of spec §17.2.
TEST(RetryRuleTest, SpecTruthTable) {
  EXPECT_FALSE(ShouldRetry(P("succeeded", std::nullopt, std::nullopt)));
  EXPECT_FALSE(ShouldRetry(P("failed", 1, 1)));
  EXPECT_FALSE(ShouldRetry(P("failed", std::nullopt, 1)));
  EXPECT_FALSE(ShouldRetry(P("failed", 3, std::nullopt)));
  EXPECT_TRUE(ShouldRetry(P("failed", std::nullopt, 2)));
  EXPECT_TRUE(ShouldRetry(P("failed", 0, 1)));
  EXPECT_TRUE(ShouldRetry(P("failed", 2, std::nullopt)));
  EXPECT_FALSE(ShouldRetry(AgendaProgress{}));
}

TEST(RetryRuleTest, MessageIsCaseInsensitiveAndCancelledIsNotRetried) {
  EXPECT_TRUE(ShouldRetry(P("FAILED", 1, 3)));
  EXPECT_FALSE(ShouldRetry(P("cancelled", 1, 3)));
}

TEST(RetryRuleTest, AttemptsAreCappedAtTwenty) {
  EXPECT_TRUE(ShouldRetry(P("failed", 19, 100)));
  EXPECT_FALSE(ShouldRetry(P("failed", 20, 100)));
}

TEST(RetryRuleTest, OnlyCompleteProgressIsRetried) {
  AgendaProgress p = P("failed", 1, 3);
  p.processing_state = ProcessingState::kExecuting;
  EXPECT_FALSE(ShouldRetry(p));
}

TEST(RetryRuleTest, AFailureMarkedNotRetryableIsNotRetried) {
  AgendaProgress progress = P("failed", 1, 3);
  DiagnosticEvent crash;
  crash.message = "Failed to execute operation: a";
  progress.diagnostic_events = std::vector<DiagnosticEvent>{crash};
  EXPECT_TRUE(ShouldRetry(progress));
  DiagnosticEvent unknown_type = crash;
  unknown_type.status_code = kStatusNotRetryable;
  progress.diagnostic_events->push_back(unknown_type);
  EXPECT_FALSE(ShouldRetry(progress));
}

}  // namespace
}  // namespace pop
