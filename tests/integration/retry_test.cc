// Automatic retry of failed agendas (spec §17.2, fixed: once per failure, in the same
// transaction as the failing report, after a backoff the scheduler honours).
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetUpPoolFor("acme");
    auto reply = server_.Call("POST", "/agenda",
                              AgendaJson("acme", "", R"("params":{"maximumAttempts":2},)"), acme_);
    ASSERT_EQ(reply.status, 200);
    id_ = StringAt(reply.All()[0], "id");
    progress_id_ = StringAt(reply.All()[0], "progressId");
  }

  ApiReply Claim() {
    return server_.Call("POST", "/resourcepool/service/getAgenda",
                        R"({"insightId":"insight-1","count":1,"waitSeconds":0})", admin());
  }
  ApiReply Report(const std::string& state, const std::string& message) {
    return server_.Call(
        "POST", "/resourcepool/service/updateAgendaProgress",
        R"({"agendaProgress":{"id":")" + progress_id_ + R"(","processingState":")" + state +
            R"(","processingStateMessage":")" + message +
            R"(","operationProgress":[{"operation":"a","processingState":"COMPLETE","processingStateMessage":"succeeded","resultPayload":"{\"v\":\"x\"}"},{"operation":"b","processingState":"COMPLETE","processingStateMessage":")" +
            message + R"("}]}})",
        admin());
  }
  Json Progress() {
    return server_.Call("GET", "/progress/agenda/" + progress_id_, std::nullopt, acme_).All()[0];
  }
  std::string Why() {
    return StringAt(server_.Call("GET", "/agenda/" + id_ + "/why", std::nullopt, acme_).body,
                    "state");
  }
  void Advance(Duration d) {
    // Run the scheduler step for the later time before the clock moves, so this thread (not the
    // scheduler's own) does it and it is done when we go on.
    server_.queues().ProcessDue(server_.clock().Now() + d);
    server_.clock().Advance(d);
  }
  const std::string& admin() { return server_.admin_token(); }

  ApiServer server_{ApiServerOptions{.retry_backoff = Duration::Seconds(5)}};
  std::string acme_ = server_.TokenFor({"acme"});
  std::string id_;
  std::string progress_id_;
};

TEST_F(RetryTest, AFailureWithAttemptsLeftIsRerunAfterTheBackoff) {
  ASSERT_EQ(AgendaIdsIn(Claim()), std::vector<std::string>{id_});
  ASSERT_EQ(Report("COMPLETE", "failed").status, 200);
  Json progress = Progress();
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "pending");
  EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 1);
  EXPECT_EQ(Why(), "DELAYED");
  EXPECT_TRUE(AgendaIdsIn(Claim()).empty());  // not before the backoff ends
  Advance(Duration::Seconds(5));
  ApiReply again = Claim();
  ASSERT_EQ(AgendaIdsIn(again), std::vector<std::string>{id_});
  // The retry carries the prior progress, so the executor skips the operation that succeeded.
  ASSERT_EQ(ArrayIn(again, "agendaProgresses").size(), 1u);
}

TEST_F(RetryTest, TheLastAttemptStaysFailed) {
  Claim();
  Report("COMPLETE", "failed");
  Advance(Duration::Seconds(5));
  Claim();
  ASSERT_EQ(Report("COMPLETE", "failed").status, 200);
  Json progress = Progress();
  EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "failed");
  EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 2);
  Advance(Duration::Seconds(60));
  EXPECT_TRUE(AgendaIdsIn(Claim()).empty());
}

TEST_F(RetryTest, ARepeatedFailedReportDoesNotRetryTwice) {
  Claim();
  Report("COMPLETE", "failed");
  // The same report again (a resent final report, or a PUT): no transition, no second retry.
  ASSERT_EQ(
      server_
          .Call("PUT", "/progress/agenda/" + progress_id_,
                R"({"processingState":"COMPLETE","processingStateMessage":"failed"})", admin())
          .status,
      200);
  Advance(Duration::Seconds(5));
  EXPECT_EQ(AgendaIdsIn(Claim()), std::vector<std::string>{id_});
  EXPECT_TRUE(AgendaIdsIn(Claim()).empty());
}

TEST_F(RetryTest, SuccessAndCancelAreNotRetried) {
  Claim();
  Report("COMPLETE", "cancelled");
  EXPECT_EQ(StringAt(Progress(), "processingState"), "COMPLETE");
  EXPECT_EQ(Why(), "COMPLETE");
}

TEST_F(RetryTest, AFailureWrittenThroughTheDataRouteIsRetriedToo) {
  ASSERT_EQ(
      server_
          .Call("PUT", "/progress/agenda/" + progress_id_,
                R"({"processingState":"COMPLETE","processingStateMessage":"failed"})", admin())
          .status,
      200);
  EXPECT_EQ(StringAt(Progress(), "processingStateMessage"), "pending");
}

TEST_F(RetryTest, DoNotRunAgendasStayFailed) {
  auto reply = server_.Call(
      "POST", "/agenda", AgendaJson("acme", "", R"("params":{"maximumAttempts":3,"doNotRun":1},)"),
      acme_);
  std::string progress_id = StringAt(reply.All()[0], "progressId");
  server_.Call("PUT", "/progress/agenda/" + progress_id,
               R"({"processingState":"COMPLETE","processingStateMessage":"failed"})", admin());
  auto progress =
      server_.Call("GET", "/progress/agenda/" + progress_id, std::nullopt, acme_).All()[0];
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "failed");
}

}  // namespace
}  // namespace pop::testing
