// AgentLiveness and its /healthz handler: alive while a poll or report succeeded within the
// threshold (the original's monitor.alive.lastRequestMilliseconds), 503 once none has.
#include "app/agent_liveness.h"

#include <gtest/gtest.h>

#include <optional>

#include "api/agent_health.h"
#include "fakes/fake_clock.h"

namespace pop::app {
namespace {

// A PoolClient whose answers the test picks: the server up or down.
class SwitchablePoolClient final : public PoolClient {
 public:
  Result<ClaimedWork> GetAgenda(const std::string&, int64_t, Duration,
                                const std::string&) override {
    if (!up) return Error(ErrorCode::kUnavailable, "connection refused");
    return ClaimedWork{};
  }
  Result<ProgressReportAnswer> UpdateAgendaProgress(const AgendaProgress&,
                                                    const std::string&) override {
    if (!up) return Error(ErrorCode::kUnavailable, "connection refused");
    return ProgressReportAnswer{};
  }
  Status UpdateAgenda(const std::string&, const std::vector<Operation>&,
                      const std::optional<ParamsMap>&) override {
    return Status::Ok();
  }
  Status AppendOperationLogs(const std::map<std::string, std::string>&) override {
    return Status::Ok();
  }
  bool up = true;
};

class AgentLivenessTest : public ::testing::Test {
 protected:
  api::HttpResponse Get(const std::string& target) {
    api::AgentHealth health([this] { return liveness_.Check(); });
    api::HttpRequest request;
    request.method = "GET";
    request.target = target;
    api::HttpResponse out;
    health.Handle(request, [&out](api::HttpResponse response) { out = std::move(response); });
    return out;
  }

  testing::FakeClock clock_;
  SwitchablePoolClient server_;
  AgentLiveness liveness_{server_, clock_, Duration::Seconds(30)};
};

TEST_F(AgentLivenessTest, ANewAgentHasOneThresholdToReachItsServer) {
  clock_.Advance(Duration::Seconds(30));
  EXPECT_TRUE(liveness_.Check().alive);
  EXPECT_EQ(Get("/healthz").status, 200);
  clock_.Advance(Duration::Millis(1));
  EXPECT_FALSE(liveness_.Check().alive);
  api::HttpResponse stale = Get("/healthz");
  EXPECT_EQ(stale.status, 503);
  EXPECT_NE(stale.body.find(R"("status":"stale")"), std::string::npos) << stale.body;
  EXPECT_NE(stale.body.find(R"("thresholdMillis":30000)"), std::string::npos) << stale.body;
}

TEST_F(AgentLivenessTest, SuccessfulPollsKeepItAliveFailedOnesDoNot) {
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(Duration::Seconds(20));
    ASSERT_TRUE(liveness_.GetAgenda("insight-1", 1, Duration::Seconds(0), "p").ok());
    EXPECT_TRUE(liveness_.Check().alive);
  }
  server_.up = false;
  clock_.Advance(Duration::Seconds(20));
  EXPECT_FALSE(liveness_.GetAgenda("insight-1", 1, Duration::Seconds(0), "p").ok());
  EXPECT_TRUE(liveness_.Check().alive);  // 20 s since the last success
  clock_.Advance(Duration::Seconds(11));
  EXPECT_FALSE(liveness_.GetAgenda("insight-1", 1, Duration::Seconds(0), "p").ok());
  EXPECT_FALSE(liveness_.Check().alive);
  EXPECT_EQ(Get("/healthz").status, 503);
  server_.up = true;
  ASSERT_TRUE(liveness_.GetAgenda("insight-1", 1, Duration::Seconds(0), "p").ok());
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(AgentLivenessTest, ReportsCountTooForAnExecutorOrABusyPuller) {
  clock_.Advance(Duration::Seconds(25));
  ASSERT_TRUE(liveness_.UpdateAgendaProgress(AgendaProgress{}, "p").ok());
  clock_.Advance(Duration::Seconds(25));
  LivenessStatus status = liveness_.Check();
  EXPECT_TRUE(status.alive);
  EXPECT_EQ(status.since_success, Duration::Seconds(25));
  ASSERT_TRUE(status.last_report.has_value());
  EXPECT_FALSE(status.last_poll.has_value());
}

TEST_F(AgentLivenessTest, OtherPathsAreNotFound) {
  EXPECT_EQ(Get("/").status, 404);
  EXPECT_EQ(Get("/pop/healthz").status, 404);
}

}  // namespace
}  // namespace pop::app
