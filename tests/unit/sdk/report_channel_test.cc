// The handler's end of the report channel: one JSON line per report, nothing after COMPLETE.
#include "pop_sdk/report_channel.h"

#include <gtest/gtest.h>

#include <thread>

#include "unit/sdk/sdk_test_support.h"

namespace pop::sdk {
namespace {

using testing::CapturedStdout;
using testing::ReadLines;
using testing::ScratchDir;

OperationProgress Progress(ProcessingState state, const std::string& message,
                           std::optional<double> percent = std::nullopt) {
  OperationProgress progress;
  progress.processing_state = state;
  progress.processing_state_message = message;
  progress.percent_complete = percent;
  return progress;
}

TEST(SdkReportChannelTest, FormatsProgressFieldsAndResult) {
  OperationProgress progress = Progress(ProcessingState::kComplete, "succeeded", 100.0);
  progress.started_time = Timestamp::FromMillis(5);
  progress.completed_time = Timestamp::FromMillis(9);
  progress.params = Json(JsonObject{{"JobId", "j"}});

  EXPECT_EQ(ReportChannel::FormatLine(progress, Json(JsonObject{{"v", "x"}})),
            R"({"processingState":"COMPLETE","processingStateMessage":"succeeded",)"
            R"("percentComplete":100.0,"startedTime":5,"completedTime":9,)"
            R"("params":{"JobId":"j"},"result":{"v":"x"}})");
}

TEST(SdkReportChannelTest, AppendsOneLinePerReportToTheFile) {
  ScratchDir dir;
  testing::WriteFile(dir / "report", "{\"earlier\":true}\n");
  auto channel = ReportChannel::OpenFile((dir / "report").string());
  ASSERT_TRUE(channel.ok()) << channel.error().message;

  EXPECT_TRUE((*channel)->Write(Progress(ProcessingState::kExecuting, "a", 10.0), std::nullopt));
  EXPECT_TRUE((*channel)->Write(Progress(ProcessingState::kComplete, "failed"), std::nullopt));

  EXPECT_EQ(
      ReadLines(dir / "report"),
      (std::vector<std::string>{
          R"({"earlier":true})",
          R"({"processingState":"EXECUTING","processingStateMessage":"a","percentComplete":10.0})",
          R"({"processingState":"COMPLETE","processingStateMessage":"failed"})"}));
  EXPECT_TRUE((*channel)->complete());
  EXPECT_FALSE((*channel)->write_error().has_value());
}

TEST(SdkReportChannelTest, WritesNothingAfterTheFirstComplete) {
  ScratchDir dir;
  auto channel = ReportChannel::OpenFile((dir / "report").string());
  ASSERT_TRUE(channel.ok());

  EXPECT_TRUE((*channel)->Write(Progress(ProcessingState::kComplete, "succeeded"), std::nullopt));
  EXPECT_FALSE((*channel)->Write(Progress(ProcessingState::kComplete, "failed"), std::nullopt));
  EXPECT_FALSE((*channel)->Write(Progress(ProcessingState::kExecuting, "late"), std::nullopt));

  EXPECT_EQ(ReadLines(dir / "report"),
            (std::vector<std::string>{
                R"({"processingState":"COMPLETE","processingStateMessage":"succeeded"})"}));
}

TEST(SdkReportChannelTest, OpeningAPathThatCannotExistFails) {
  ScratchDir dir;

  auto channel = ReportChannel::OpenFile((dir / "no-such-dir" / "report").string());

  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.error().code, ErrorCode::kUnavailable);
}

TEST(SdkReportChannelTest, StdoutChannelPrefixesEachLine) {
  auto out = std::make_shared<CapturedStdout>();
  auto channel = ReportChannel::ToStdout([out](std::string_view line) { out->Add(line); });

  channel->Write(Progress(ProcessingState::kWaiting, "pending"), Json(1));

  EXPECT_EQ(
      out->lines(),
      (std::vector<std::string>{
          R"(pop-report: {"processingState":"WAITING","processingStateMessage":"pending","result":1})"}));
}

TEST(SdkReportChannelTest, ConcurrentWritersProduceWholeLinesAndOneComplete) {
  ScratchDir dir;
  auto channel = ReportChannel::OpenFile((dir / "report").string());
  ASSERT_TRUE(channel.ok());
  constexpr int kThreads = 8;
  constexpr int kReportsPerThread = 200;

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&channel, t] {
      for (int i = 0; i < kReportsPerThread; ++i) {
        (*channel)->Write(
            Progress(ProcessingState::kExecuting, std::string(100, static_cast<char>('a' + t)), i),
            std::nullopt);
      }
      (*channel)->Write(Progress(ProcessingState::kComplete, "succeeded"), std::nullopt);
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  std::vector<std::string> lines = ReadLines(dir / "report");
  ASSERT_FALSE(lines.empty());
  int complete = 0;
  for (const std::string& line : lines) {
    Json json = testing::ParseOrDie(line);
    ASSERT_TRUE(json.is_object()) << line;
    complete += json.Find("processingState")->AsString() == "COMPLETE" ? 1 : 0;
  }
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(testing::ParseOrDie(lines.back()).Find("processingState")->AsString(), "COMPLETE");
}

}  // namespace
}  // namespace pop::sdk
