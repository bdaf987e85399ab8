#include "core/validate/numeric_ranges.h"

#include <gtest/gtest.h>

#include <limits>

namespace pop {
namespace {

void ExpectRefusedNaming(const DataObject& object, const std::string& field) {
  Status status = ValidateNumericRanges(object);
  ASSERT_FALSE(status.ok()) << field;
  EXPECT_EQ(status.code(), ErrorCode::kValidation);
  EXPECT_NE(status.message().find("'" + field + "'"), std::string::npos) << status.message();
}

TEST(NumericRangesTest, QueueSizeMustBeBetweenZeroAndTheMaximum) {
  Insight insight;
  insight.queue_size = 0;
  EXPECT_TRUE(ValidateNumericRanges(insight).ok());
  insight.queue_size = kMaxQueueSize;
  EXPECT_TRUE(ValidateNumericRanges(insight).ok());
  insight.queue_size = -1;
  ExpectRefusedNaming(insight, "queueSize");
  insight.queue_size = kMaxQueueSize + 1;
  ExpectRefusedNaming(insight, "queueSize");
}

TEST(NumericRangesTest, ProgressCountersAndPercentsAreBounded) {
  AgendaProgress progress;
  progress.maximum_attempts = 3;
  progress.percent_complete = 100.0;
  EXPECT_TRUE(ValidateNumericRanges(progress).ok());
  progress.maximum_attempts = 0;
  ExpectRefusedNaming(progress, "maximumAttempts");
  progress.maximum_attempts = kMaxMaximumAttempts + 1;
  ExpectRefusedNaming(progress, "maximumAttempts");
  progress.maximum_attempts = 3;
  progress.percent_complete = std::numeric_limits<double>::quiet_NaN();
  ExpectRefusedNaming(progress, "percentComplete");
  progress.percent_complete = 50.0;
  progress.attempts_completed = -1;
  ExpectRefusedNaming(progress, "attemptsCompleted");
  progress.attempts_completed = 1;
  OperationProgress op;
  op.attempt_count = -2;
  progress.operation_progress = std::vector<OperationProgress>{OperationProgress{}, op};
  ExpectRefusedNaming(progress, "operationProgress[1].attemptCount");
}

TEST(NumericRangesTest, AgendaParamsMaximumAttemptsAndPriorityAreBounded) {
  Agenda agenda;
  agenda.params = Json(JsonObject{{"maximumAttempts", 2}, {"priority", -5}});
  EXPECT_TRUE(ValidateNumericRanges(agenda).ok());
  agenda.params = Json(JsonObject{{"maximumAttempts", "-1"}});
  ExpectRefusedNaming(agenda, "params.maximumAttempts");
  agenda.params = Json(JsonObject{{"priority", kMaxAbsolutePriority + 1}});
  ExpectRefusedNaming(agenda, "params.priority");
  // Not an integer: not read as one, so not checked here.
  agenda.params = Json(JsonObject{{"priority", "high"}});
  EXPECT_TRUE(ValidateNumericRanges(agenda).ok());
}

}  // namespace
}  // namespace pop
