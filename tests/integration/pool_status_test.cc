// GET /pop/resourcepool/{id}/status (app/resource_pool_status.h): a Resource Pool's Insights with
// their pullers' last poll, and the Agendas its pullers hold with their progress, visible exactly
// like the pool (another tenant gets 404) and listing only the Agendas the caller may read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class PoolStatusTest : public ServiceTest {
 protected:
  ApiReply StatusOf(const std::string& token, const std::string& pool = "rp-1") {
    return server_.Call("GET", "/resourcepool/" + pool + "/status", std::nullopt, token);
  }
  // The agenda ids of a status answer's runningAgendas, in order.
  static std::vector<std::string> RunningIds(const ApiReply& reply) {
    std::vector<std::string> ids;
    for (const Json& row : ArrayIn(reply, "runningAgendas"))
      ids.push_back(StringAt(row, "agendaId"));
    return ids;
  }
};

TEST_F(PoolStatusTest, ListsTheLastPollAndTheHeldAgendasWithTheirProgress) {
  // Nothing polled, nothing held yet.
  auto empty = StatusOf(admin_);
  ASSERT_EQ(empty.status, 200) << ToJsonText(empty.body);
  EXPECT_EQ(StringAt(empty.body, "resourcePoolId"), "rp-1");
  auto insights = ArrayIn(empty, "insights");
  ASSERT_EQ(insights.size(), 1U);
  EXPECT_EQ(StringAt(insights[0], "insightId"), "insight-1");
  EXPECT_EQ(insights[0].Find("lastPollTime"), nullptr);
  EXPECT_TRUE(RunningIds(empty).empty());

  const std::string acme = StringAt(SubmitFor("acme"), "id");
  const std::string acme_progress = StringAt(AgendaOf(acme), "progressId");
  const Timestamp claimed_at = server_.clock().Now();
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{acme});
  server_.clock().Advance(Duration::Seconds(2));
  const std::string globex = StringAt(SubmitFor("globex"), "id");
  const Timestamp polled_here = server_.clock().Now();
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{globex});
  // acme's executor reports: its claim is confirmed, the agenda runs.
  ASSERT_EQ(ReportState(owner_, acme_progress, "EXECUTING", "", R"(,"percentComplete":40)").status,
            200);
  // This server's scheduler saw the polls.
  auto seen_here = StatusOf(admin_);
  ASSERT_EQ(ArrayIn(seen_here, "insights").size(), 1U);
  EXPECT_EQ(ArrayIn(seen_here, "insights")[0].Find("lastPollTime")->AsInt(), polled_here.millis());
  // A later poll through another server sharing the store, as the servers record them
  // (app/alerts/insight_poll_recorder.h): the later one counts.
  server_.clock().Advance(Duration::Seconds(1));
  const Timestamp polled = server_.clock().Now();
  ASSERT_TRUE(server_.store()
                  .Write([&](StoreWriter& w) { return w.RecordInsightPoll("insight-1", polled); })
                  .ok());
  server_.clock().Advance(Duration::Seconds(7));

  auto status = StatusOf(admin_);
  ASSERT_EQ(status.status, 200) << ToJsonText(status.body);
  EXPECT_EQ(status.body.Find("time")->AsInt(), server_.clock().Now().millis());
  insights = ArrayIn(status, "insights");
  ASSERT_EQ(insights.size(), 1U);
  EXPECT_EQ(insights[0].Find("lastPollTime")->AsInt(), polled.millis());
  EXPECT_EQ(insights[0].Find("secondsSincePoll")->AsInt(), 7);
  ASSERT_EQ(RunningIds(status), (std::vector<std::string>{acme, globex}));  // oldest claim first
  const std::vector<Json> held = ArrayIn(status, "runningAgendas");
  const Json& running = held[0];
  EXPECT_EQ(StringAt(running, "state"), "RUNNING");
  EXPECT_EQ(StringAt(running, "insightId"), "insight-1");
  EXPECT_EQ(StringAt(running, "customerId"), "acme");
  EXPECT_FALSE(StringAt(running, "claimedBy").empty());
  EXPECT_EQ(running.Find("claimedTime")->AsInt(), claimed_at.millis());
  EXPECT_EQ(StringAt(running, "agendaProgressId"), acme_progress);
  EXPECT_EQ(StringAt(running, "processingState"), "EXECUTING");
  EXPECT_EQ(running.Find("percentComplete")->AsDouble(), 40.0);
  const Json& claimed = held[1];
  EXPECT_EQ(StringAt(claimed, "state"), "CLAIMED");
  EXPECT_NE(claimed.Find("leaseUntil"), nullptr);

  // Finished: no longer held.
  ASSERT_EQ(ReportState(owner_, acme_progress, "COMPLETE").status, 200);
  EXPECT_EQ(RunningIds(StatusOf(admin_)), std::vector<std::string>{globex});
}

TEST_F(PoolStatusTest, VisibleLikeThePoolAndListingOnlyTheAgendasTheCallerMayRead) {
  const std::string acme = StringAt(SubmitFor("acme"), "id");
  const std::string globex = StringAt(SubmitFor("globex"), "id");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_, 2)).size(), 2U);
  // The pool owner reads its pool but neither tenant's agenda (as GET /agenda/{id} answers).
  auto owner = StatusOf(owner_);
  ASSERT_EQ(owner.status, 200) << ToJsonText(owner.body);
  EXPECT_EQ(ArrayIn(owner, "insights").size(), 1U);
  EXPECT_TRUE(RunningIds(owner).empty());
  // A token for the pool owner and acme: acme's agenda, not globex's.
  auto both = StatusOf(server_.TokenFor({"pool-owner", "acme"}));
  ASSERT_EQ(both.status, 200);
  EXPECT_EQ(RunningIds(both), std::vector<std::string>{acme});
  EXPECT_EQ(RunningIds(StatusOf(admin_)), (std::vector<std::string>{acme, globex}));
  // Tenants that cannot read the pool: 404, as for a pool that does not exist.
  for (const std::string& token : {acme_, globex_}) {
    auto refused = StatusOf(token);
    EXPECT_EQ(refused.status, 404) << ToJsonText(refused.body);
    EXPECT_EQ(ErrorTitle(refused), "ObjectNotFoundException");
  }
  EXPECT_EQ(StatusOf(admin_, "rp-none").status, 404);
  EXPECT_EQ(server_.Call("POST", "/resourcepool/rp-1/status", "{}", admin_).status, 405);
}

}  // namespace
}  // namespace pop::testing
