// RunHandler and HandlerContext: the handler contract of spec §16 as seen on the report channel
// and stdout.
#include "pop_sdk/handler.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "unit/sdk/sdk_test_support.h"

namespace pop::sdk {
namespace {

using testing::CapturedStdout;
using testing::ReadLines;
using testing::ScratchDir;

// One handler run with POP_REPORT in a scratch dir; the variables given replace the defaults.
class SdkHandlerTest : public ::testing::Test {
 protected:
  int Run(const HandlerFunction& handler, const std::map<std::string, std::string>& variables = {},
          const HandlerOptions& options = {}, std::vector<std::string> args = {}) {
    std::map<std::string, std::string> all{
        {"PAYLOAD", R"({"in":1})"},    {"POP_PAYLOAD_TYPE", "envVar"},
        {"POP_REPORT", report_path()}, {"CID", "cid-1"},
        {"OPERATION_NAME", "b"},       {"OPERATION_ID", "op-1"},
        {"OPERATION_TYPE", "sample"},  {"AGENDA_ID", "agenda-1"},
        {"CUSTOMER_ID", "acme"}};
    for (const auto& [name, value] : variables) {
      all[name] = value;
    }
    return RunHandler(testing::TestEnvironment(all, out_, std::move(args)), handler, options);
  }

  std::string report_path() const { return (dir_ / "report").string(); }
  std::vector<std::string> report() const { return ReadLines(dir_ / "report"); }
  std::vector<std::string> stdout_lines() const { return out_->lines(); }

  ScratchDir dir_;
  std::shared_ptr<CapturedStdout> out_ = std::make_shared<CapturedStdout>();
};

TEST_F(SdkHandlerTest, SucceedWritesProgressThenCompleteWithResult) {
  int rc = Run([](HandlerContext& ctx) {
    ctx.ReportProgress(50.0, "halfway");
    ctx.Succeed(Json(JsonObject{{"echo", ctx.payload()}}));
    return Status::Ok();
  });

  EXPECT_EQ(rc, 0);
  EXPECT_EQ(report(), (std::vector<std::string>{
                          R"({"processingState":"EXECUTING","processingStateMessage":"halfway",)"
                          R"("percentComplete":50.0,"startedTime":1000})",
                          R"({"processingState":"COMPLETE","processingStateMessage":"succeeded",)"
                          R"("percentComplete":100.0,"startedTime":1000,"completedTime":1000,)"
                          R"("result":{"echo":{"in":1}}})"}));
}

TEST_F(SdkHandlerTest, StdoutEndsWithConclusionLineAndHandlerComplete) {
  Run([](HandlerContext& ctx) {
    ctx.Log("working");
    return Status::Ok();
  });

  EXPECT_EQ(stdout_lines(),
            (std::vector<std::string>{"working",
                                      "cid=cid-1 operationId=op-1 owner=acme "
                                      "conclusionStatus=succeeded elapsedTime=0 operation=b "
                                      R"(payload={"in":1})",
                                      "HandlerComplete"}));
}

TEST_F(SdkHandlerTest, ConclusionLineCanBeTurnedOffAndShortensLongPayloads) {
  HandlerOptions quiet;
  quiet.log_conclusion = false;
  Run([](HandlerContext&) { return Status::Ok(); }, {}, quiet);
  EXPECT_EQ(stdout_lines(), (std::vector<std::string>{"HandlerComplete"}));

  HandlerOptions short_payload;
  short_payload.conclusion_payload_bytes = 4;
  auto out = std::make_shared<CapturedStdout>();
  RunHandler(
      testing::TestEnvironment({{"PAYLOAD", R"({"in":1})"}}, out),
      [](HandlerContext&) { return Status::Ok(); }, short_payload);
  std::vector<std::string> lines = out->lines();
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[lines.size() - 2],
            "cid= operationId= owner= conclusionStatus=succeeded elapsedTime=0 operation= "
            R"(payload={"in...)");
}

TEST_F(SdkHandlerTest, ReturningOkWithoutConcludingSucceedsWithoutResult) {
  Run([](HandlerContext&) { return Status::Ok(); });

  EXPECT_EQ(report(), (std::vector<std::string>{
                          R"({"processingState":"COMPLETE","processingStateMessage":"succeeded",)"
                          R"("percentComplete":100.0,"startedTime":1000,"completedTime":1000})"}));
}

TEST_F(SdkHandlerTest, FailReportsOneDiagnosticAndKeepsThePercent) {
  Run([](HandlerContext& ctx) {
    ctx.ReportProgress(30.0, "a third");
    ctx.Fail("disk full", "at step 2", Json(JsonArray{Json("last line")}));
    return Status::Ok();
  });

  ASSERT_EQ(report().size(), 2U);
  EXPECT_EQ(report()[1],
            R"({"processingState":"COMPLETE","processingStateMessage":"failed",)"
            R"("percentComplete":30.0,"startedTime":1000,"completedTime":1000,)"
            R"("diagnosticEvents":[{"message":"disk full","time":1000,"stackTrace":"at step 2",)"
            R"("payload":["last line"]}]})");
}

TEST_F(SdkHandlerTest, ReturnedErrorFailsWithUnknownErrorAndTheErrorAsStackTrace) {
  Run([](HandlerContext&) { return Status(ErrorCode::kInternal, "planned failure"); });

  EXPECT_EQ(report(),
            (std::vector<std::string>{
                R"({"processingState":"COMPLETE","processingStateMessage":"failed",)"
                R"("startedTime":1000,"completedTime":1000,"diagnosticEvents":[{"message":)"
                R"("An unknown error has occurred with operation: b","time":1000,)"
                R"("stackTrace":"planned failure"}]})"}));
  EXPECT_EQ(stdout_lines().back(), "HandlerComplete");
}

TEST_F(SdkHandlerTest, ThrownExceptionFailsWithUnknownError) {
  int rc = Run([](HandlerContext&) -> Status { throw std::runtime_error("boom"); });

  EXPECT_EQ(rc, 0);
  ASSERT_EQ(report().size(), 1U);
  Json line = testing::ParseOrDie(report()[0]);
  const Json& event = line.Find("diagnosticEvents")->AsArray().at(0);
  EXPECT_EQ(event.Find("message")->AsString(), "An unknown error has occurred with operation: b");
  EXPECT_EQ(event.Find("stackTrace")->AsString(), "boom");
  EXPECT_EQ(stdout_lines().back(), "HandlerComplete");
}

TEST_F(SdkHandlerTest, ThrownNonStandardExceptionFailsWithUnknownError) {
  Run([](HandlerContext&) -> Status { throw 42; });

  ASSERT_EQ(report().size(), 1U);
  Json line = testing::ParseOrDie(report()[0]);
  EXPECT_EQ(line.Find("processingStateMessage")->AsString(), "failed");
  EXPECT_EQ(line.Find("diagnosticEvents")->AsArray().at(0).Find("stackTrace")->AsString(),
            "unknown exception");
}

TEST_F(SdkHandlerTest, ErrorAfterSucceedIsLoggedAndTheSuccessStands) {
  Run([](HandlerContext& ctx) {
    ctx.Succeed(Json(1));
    return Status(ErrorCode::kInternal, "cleanup failed");
  });

  ASSERT_EQ(report().size(), 1U);
  EXPECT_NE(report()[0].find(R"("processingStateMessage":"succeeded")"), std::string::npos);
  EXPECT_EQ(stdout_lines().front(), "pop-sdk: error after the operation completed: cleanup failed");
}

TEST_F(SdkHandlerTest, OnlyTheFirstConclusionCounts) {
  Run([](HandlerContext& ctx) {
    ctx.Fail("first");
    ctx.Succeed(Json(1));
    ctx.Fail("second");
    ctx.ReportProgress(10.0, "late");
    EXPECT_EQ(ctx.conclusion(), "failed");
    return Status::Ok();
  });

  ASSERT_EQ(report().size(), 1U);
  EXPECT_NE(report()[0].find(R"("message":"first")"), std::string::npos);
}

TEST_F(SdkHandlerTest, UnparsablePayloadFailsTranslationWithoutCallingTheHandler) {
  bool called = false;
  HandlerOptions options;
  options.input_type = "SampleInput";

  int rc = Run(
      [&called](HandlerContext&) {
        called = true;
        return Status::Ok();
      },
      {{"PAYLOAD", "{not json"}}, options);

  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(called);
  ASSERT_EQ(report().size(), 1U);
  Json line = testing::ParseOrDie(report()[0]);
  EXPECT_EQ(line.Find("processingStateMessage")->AsString(), "failed");
  const Json& event = line.Find("diagnosticEvents")->AsArray().at(0);
  EXPECT_EQ(event.Find("message")->AsString(), "Failed to translate payload to SampleInput.");
  EXPECT_EQ(event.Find("stackTrace")->AsString().rfind("Malformed JSON", 0), 0U);
  EXPECT_EQ(stdout_lines().back(), "HandlerComplete");
}

TEST_F(SdkHandlerTest, MissingPayloadFailsTranslation) {
  auto out = std::make_shared<CapturedStdout>();
  RunHandler(testing::TestEnvironment({{"POP_REPORT", report_path()}}, out),
             [](HandlerContext&) { return Status::Ok(); });

  ASSERT_EQ(report().size(), 1U);
  Json line = testing::ParseOrDie(report()[0]);
  const Json& event = line.Find("diagnosticEvents")->AsArray().at(0);
  EXPECT_EQ(event.Find("message")->AsString(), "Failed to translate payload to Payload.");
  EXPECT_EQ(event.Find("stackTrace")->AsString(), "PAYLOAD is not set");
}

TEST_F(SdkHandlerTest, PayloadThatFailsTheShapeCheckFailsTranslation) {
  HandlerOptions options;
  options.check_payload = [](const Json& payload) {
    return payload.is_object() ? Status::Ok()
                               : Status(ErrorCode::kInvalidArgument, "expected an object");
  };

  Run([](HandlerContext&) { return Status::Ok(); }, {{"PAYLOAD", "[1]"}}, options);

  ASSERT_EQ(report().size(), 1U);
  Json line = testing::ParseOrDie(report()[0]);
  const Json& event = line.Find("diagnosticEvents")->AsArray().at(0);
  EXPECT_EQ(event.Find("message")->AsString(), "Failed to translate payload to Payload.");
  EXPECT_EQ(event.Find("stackTrace")->AsString(), "expected an object");
}

TEST_F(SdkHandlerTest, PayloadFileArgumentIsTheHandlersPayload) {
  testing::WriteFile(dir_ / "payload.json", R"({"from":"file"})");
  Json seen;

  Run(
      [&seen](HandlerContext& ctx) {
        seen = ctx.payload();
        return Status::Ok();
      },
      {}, {}, {"-payloadFile", (dir_ / "payload.json").string()});

  EXPECT_EQ(seen, Json(JsonObject{{"from", "file"}}));
}

TEST_F(SdkHandlerTest, ContextCarriesTheOperationsIdentityAndPriorProgress) {
  HandlerInput seen;
  Run(
      [&seen](HandlerContext& ctx) {
        seen.cid = ctx.cid();
        seen.operation_name = ctx.operation_name();
        seen.operation_id = ctx.operation_id();
        seen.operation_type = ctx.operation_type();
        seen.agenda_id = ctx.agenda_id();
        seen.customer_id = ctx.customer_id();
        seen.last_progress = ctx.last_progress();
        return Status::Ok();
      },
      {{"LAST_PROGRESS", R"({"percentComplete":40.0,"params":{"jobInfo":{"jobId":"j"}}})"}});

  EXPECT_EQ(seen.cid, "cid-1");
  EXPECT_EQ(seen.operation_name, "b");
  EXPECT_EQ(seen.operation_id, "op-1");
  EXPECT_EQ(seen.operation_type, "sample");
  EXPECT_EQ(seen.agenda_id, "agenda-1");
  EXPECT_EQ(seen.customer_id, "acme");
  ASSERT_TRUE(seen.last_progress.has_value());
  EXPECT_EQ(seen.last_progress->percent_complete, 40.0);
}

TEST_F(SdkHandlerTest, MalformedLastProgressIsLoggedAndIgnored) {
  bool had_last = true;
  Run(
      [&had_last](HandlerContext& ctx) {
        had_last = ctx.last_progress().has_value();
        return Status::Ok();
      },
      {{"LAST_PROGRESS", "[]"}});

  EXPECT_FALSE(had_last);
  EXPECT_EQ(stdout_lines().front().rfind("pop-sdk: last progress is not an OperationProgress", 0),
            0U)
      << stdout_lines().front();
  EXPECT_NE(report().back().find(R"("succeeded")"), std::string::npos);
}

TEST_F(SdkHandlerTest, ParamsPersistIntoLaterReports) {
  Run([](HandlerContext& ctx) {
    ctx.ReportProgress(0.0, "start", Json(JsonObject{{"JobId", "j-1"}}));
    ctx.ReportProgress(150.0, "beyond");  // clamped to 100
    ctx.ReportProgress(5.0, "bad params", Json(3));
    return Status::Ok();
  });

  ASSERT_EQ(report().size(), 4U);
  for (const std::string& line : report()) {
    EXPECT_NE(line.find(R"("params":{"JobId":"j-1"})"), std::string::npos) << line;
  }
  EXPECT_NE(report()[1].find(R"("percentComplete":100.0)"), std::string::npos);
  EXPECT_EQ(stdout_lines().front(), "pop-sdk: progress params must be a JSON object; ignored: 3");
}

TEST_F(SdkHandlerTest, WithoutReportVariableReportsGoToStdoutWithAPrefix) {
  auto out = std::make_shared<CapturedStdout>();
  HandlerOptions options;
  options.log_conclusion = false;

  RunHandler(
      testing::TestEnvironment({{"PAYLOAD", "1"}}, out),
      [](HandlerContext&) { return Status::Ok(); }, options);

  EXPECT_EQ(out->lines(),
            (std::vector<std::string>{
                R"(pop-report: {"processingState":"COMPLETE","processingStateMessage":"succeeded",)"
                R"("percentComplete":100.0,"startedTime":1000,"completedTime":1000})",
                "HandlerComplete"}));
}

TEST_F(SdkHandlerTest, UnopenableReportChannelIsLoggedAndReportsGoToStdout) {
  const std::string bad_path = (dir_ / "missing-dir" / "report").string();

  Run([](HandlerContext&) { return Status::Ok(); }, {{"POP_REPORT", bad_path}});

  std::vector<std::string> lines = stdout_lines();
  ASSERT_GE(lines.size(), 3U);
  EXPECT_EQ(lines[0], "pop-sdk: cannot open report channel " + bad_path +
                          ": No such file or directory; reports go to stdout");
  EXPECT_EQ(lines[1].rfind("pop-report: ", 0), 0U);
}

TEST_F(SdkHandlerTest, ReportsFromManyThreadsEndWithExactlyOneComplete) {
  constexpr int kThreads = 6;
  Run([](HandlerContext& ctx) {
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&ctx, t] {
        for (int i = 0; i < 100; ++i) {
          ctx.ReportProgress(i, "thread " + std::to_string(t),
                             Json(JsonObject{{"thread", Json(t)}}));
        }
        if (t % 2 == 0) {
          ctx.Succeed(Json(t));
        } else {
          ctx.Fail("thread " + std::to_string(t));
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    return Status::Ok();
  });

  std::vector<std::string> lines = report();
  int complete = 0;
  for (const std::string& line : lines) {
    Json json = testing::ParseOrDie(line);
    complete += json.Find("processingState")->AsString() == "COMPLETE" ? 1 : 0;
  }
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(testing::ParseOrDie(lines.back()).Find("processingState")->AsString(), "COMPLETE");
  EXPECT_EQ(stdout_lines().back(), "HandlerComplete");
}

TEST(SdkHandlerContextTest, ACallbackCanBeTestedWithAStdoutChannel) {
  auto out = std::make_shared<CapturedStdout>();
  auto channel = ReportChannel::ToStdout([out](std::string_view line) { out->Add(line); });
  HandlerInput input;
  input.payload = Json(JsonObject{{"n", 2}});
  HandlerContext ctx(std::move(input), *channel, testing::TestEnvironment({}, out));

  ctx.Succeed(Json(ctx.payload().Find("n")->AsInt() * 2));

  EXPECT_TRUE(ctx.completed());
  ASSERT_EQ(out->lines().size(), 1U);
  EXPECT_NE(out->lines()[0].find(R"("result":4)"), std::string::npos);
}

}  // namespace
}  // namespace pop::sdk
