#include "core/progress/attempt_log.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

TEST(AttemptLogTest, AnOperationThatNeverStartedRunsItsFirstAttempt) {
  EXPECT_EQ(NextAttempt(std::nullopt), 1);
  OperationProgress waiting;
  waiting.attempt_count = 0;
  EXPECT_EQ(NextAttempt(waiting), 1);
}

TEST(AttemptLogTest, AnOperationThatStartedBeforeRunsTheNextAttempt) {
  OperationProgress ran;
  ran.started_time = Timestamp::FromMillis(1000);
  ran.attempt_count = 2;
  EXPECT_EQ(NextAttempt(ran), 3);
  ran.attempt_count = 0;  // stored before attempts were counted: that run was the first
  EXPECT_EQ(NextAttempt(ran), 2);
  OperationProgress counted;  // an instant operation's only report: no startedTime
  counted.attempt_count = 1;
  EXPECT_EQ(NextAttempt(counted), 2);
  OperationProgress completed;
  completed.completed_time = Timestamp::FromMillis(1000);
  EXPECT_EQ(NextAttempt(completed), 2);
}

TEST(AttemptLogTest, TheFirstAttemptHasNoHeaderLaterOnesNameAttemptOperationAndTime) {
  const Timestamp started = Timestamp::FromMillis(1'796'550'001'000);  // 2026-12-06T09:40:01Z
  EXPECT_EQ(AttemptLogHeader("b", 1, started), "");
  EXPECT_EQ(AttemptLogHeader("b", 2, started),
            "\n--- attempt 2 of b, started 2026-12-06T09:40:01Z ---\n");
}

TEST(AttemptLogTest, FormatsUtcAcrossEpochLeapDaysAndBeforeTheEpoch) {
  EXPECT_EQ(FormatUtc(Timestamp::FromMillis(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(Timestamp::FromMillis(951'782'400'000)), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatUtc(Timestamp::FromMillis(-1000)), "1969-12-31T23:59:59Z");
}

}  // namespace
}  // namespace pop
