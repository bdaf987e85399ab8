// POST /pop/resourcepool/service/getAgenda (spec §10.1, with the fixes of docs/compat.md: queues
// fill at once, the call long-polls, a claim is a lease) over real HTTP.
#include <gtest/gtest.h>

#include <thread>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class GetAgendaServiceTest : public ServiceTest {
 protected:
  bool ClaimedInStore(const std::string& agenda_id) {
    std::vector<ReadyAgenda> ready = ReadyOf(agenda_id);
    return ready.size() == 1 && ready[0].claimed_by.has_value();
  }

  std::optional<ApiReply> LongPoll(const std::string& token, int64_t wait_seconds = 5) {
    return TryPost(
        "/resourcepool/service/getAgenda",
        R"({"insightId":"insight-1","count":1,"waitSeconds":)" + std::to_string(wait_seconds) + "}",
        token);
  }
};

TEST_F(GetAgendaServiceTest, ValidationErrorsAre422) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"", "InsightId and Count are required on getAgenda"},
      {"null", "InsightId and Count are required on getAgenda"},
      {"{}", "InsightId is required to getAgenda."},
      {R"({"insightId":" ","count":1})", "InsightId is required to getAgenda."},
      {R"({"insightId":"insight-1"})", "Count is required to getAgenda."},
      {R"({"insightId":"insight-1","count":null})", "Count is required to getAgenda."},
      {R"({"insightId":"insight-1","count":0})", "Count must be greater than 0 for getAgenda."},
      {R"({"insightId":"insight-1","count":-2})", "Count must be greater than 0 for getAgenda."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto reply = Service("/resourcepool/service/getAgenda", c.body, owner_);
    EXPECT_EQ(reply.status, 422);
    EXPECT_EQ(ErrorTitle(reply), "ValidationException");
    EXPECT_EQ(reply.ErrorDescription(), c.message);
  }
}

TEST_F(GetAgendaServiceTest, WrongFieldTypesAre400NamingTheField) {
  auto reply = Service("/resourcepool/service/getAgenda",
                       R"({"insightId":"insight-1","count":"two"})", owner_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Invalid value for field 'count': expected an integer, got a string");
}

TEST_F(GetAgendaServiceTest, CallerMustOwnTheInsightEvenAGlobalOne) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  AdminPut("/insight/insight-1", R"({"allowedCustomerIds":["acme"]})");
  const std::string before = server_.Snapshot();
  for (const std::string* token : {&acme_, &globex_}) {
    auto reply = GetAgenda(*token);
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
    EXPECT_EQ(reply.ErrorDescription(),
              "The Insight specified was not found or is not visible: insight-1");
  }
  EXPECT_EQ(server_.Snapshot(), before);  // nothing was claimed
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
}

TEST_F(GetAgendaServiceTest, UnknownInsightIs400) {
  auto reply = GetAgenda(owner_, 1, 0, "nope");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "The Insight specified was not found or is not visible: nope");
}

TEST_F(GetAgendaServiceTest, ASuperUserMayPollAnyInsight) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(admin_)), std::vector<std::string>{id});
}

TEST_F(GetAgendaServiceTest, ReturnsTheAgendaWithParamsAddedAndNoProgresses) {
  const int64_t submitted_at = server_.clock().Now().millis();
  Json submitted = Submit(AgendaJson("acme", "", R"("params":{"maximumAttempts":2},)"), acme_);
  server_.clock().Advance(Duration::Seconds(3));
  auto reply = GetAgenda(owner_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  auto agendas = ArrayIn(reply);
  ASSERT_EQ(agendas.size(), 1u);
  EXPECT_EQ(ToJsonText(agendas[0]), ToJsonText(ArrayIn(reply, "all")[0]));
  const Json& agenda = agendas[0];
  EXPECT_EQ(StringAt(agenda, "id"), StringAt(submitted, "id"));
  EXPECT_EQ(StringAt(agenda, "progressId"), StringAt(submitted, "progressId"));
  EXPECT_EQ(agenda.Find("operations")->AsArray().size(), 2u);
  EXPECT_EQ(ToJsonText(*agenda.Find("params")),
            R"({"maximumAttempts":2,"added":)" + std::to_string(submitted_at) + "}");
  EXPECT_EQ(reply.body.Find("agendaProgresses"), nullptr);  // every operation is WAITING
  // params.added is not stored.
  EXPECT_EQ(ToJsonText(*AgendaOf(StringAt(submitted, "id")).Find("params")),
            R"({"maximumAttempts":2})");
}

TEST_F(GetAgendaServiceTest, IncludesTheProgressOfARerunWithPriorProgress) {
  Json submitted = SubmitFor("acme");
  const std::string id = StringAt(submitted, "id");
  const std::string progress_id = StringAt(submitted, "progressId");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
  ASSERT_EQ(ReportState(owner_, progress_id, "COMPLETE", "failed",
                        R"(,"operationProgress":[{"operation":"a","processingState":"COMPLETE",
                            "processingStateMessage":"succeeded","resultPayload":"{\"v\":\"x\"}"},
                            {"operation":"b","processingState":"COMPLETE",
                            "processingStateMessage":"failed"}])")
                .status,
            200);
  ASSERT_EQ(Rerun(acme_, id, R"(["continue"])").status, 200);
  auto reply = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(reply), std::vector<std::string>{id});
  auto progresses = ArrayIn(reply, "agendaProgresses");
  ASSERT_EQ(progresses.size(), 1u) << ToJsonText(reply.body);
  EXPECT_EQ(StringAt(progresses[0], "id"), progress_id);
  EXPECT_EQ(StringAt(progresses[0], "processingState"), "WAITING");
  const Json* ops = progresses[0].Find("operationProgress");
  ASSERT_NE(ops, nullptr);
  ASSERT_EQ(ops->AsArray().size(), 2u);
  for (const Json& op : ops->AsArray()) {
    EXPECT_EQ(StringAt(op, "processingState"), "COMPLETE");
    EXPECT_EQ(StringAt(op, "processingStateMessage"),
              StringAt(op, "operation") == "a" ? "succeeded" : "failed");
  }
}

TEST_F(GetAgendaServiceTest, OmitsTheProgressAfterAFullReset) {
  Json submitted = SubmitFor("acme");
  const std::string id = StringAt(submitted, "id");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
  ASSERT_EQ(ReportState(owner_, StringAt(submitted, "progressId"), "COMPLETE", "failed",
                        R"(,"operationProgress":[{"operation":"a","processingState":"COMPLETE",
                            "processingStateMessage":"failed"}])")
                .status,
            200);
  ASSERT_EQ(Rerun(acme_, id, R"(["resetAll"])").status, 200);
  auto reply = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(reply), std::vector<std::string>{id});
  EXPECT_EQ(reply.body.Find("agendaProgresses"), nullptr);
}

TEST_F(GetAgendaServiceTest, CountLimitsHowManyAreHandedOut) {
  AdminPut("/insight/insight-1", R"({"queueSize":10})");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(StringAt(SubmitFor("acme"), "id"));
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 2)), (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 2)), (std::vector<std::string>{ids[2], ids[3]}));
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 2)), std::vector<std::string>{ids[4]});
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 2)).empty());
}

TEST_F(GetAgendaServiceTest, AtMostTheQueueIsHandedOutAtOnce) {
  // queueSize 2: a count of 5 gets what is queued, the rest follows on the next call.
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(StringAt(SubmitFor("acme"), "id"));
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), std::vector<std::string>{ids[2]});
}

TEST_F(GetAgendaServiceTest, HandsOutInFifoOrder) {
  std::vector<std::string> ids;
  std::vector<int64_t> added;
  for (int i = 0; i < 5; ++i) {
    added.push_back(server_.clock().Now().millis());
    ids.push_back(StringAt(SubmitFor(i % 2 == 0 ? "acme" : "globex"), "id"));
    server_.clock().Advance(Duration::Seconds(1));
  }
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto reply = GetAgenda(owner_);
    auto agendas = ArrayIn(reply);
    ASSERT_EQ(agendas.size(), 1u) << ToJsonText(reply.body);
    got.push_back(StringAt(agendas[0], "id"));
    EXPECT_EQ(agendas[0].Find("params")->Find("added")->AsInt(), added[i]);
  }
  EXPECT_EQ(got, ids);
}

TEST_F(GetAgendaServiceTest, KeepsTheProgressAfterAFullResetOfOperationsThatRan) {
  Json submitted = SubmitFor("acme");
  const std::string id = StringAt(submitted, "id");
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
  // pop's executor counts attempts: after a full reset the next one knows `a` ran once.
  ASSERT_EQ(ReportState(owner_, StringAt(submitted, "progressId"), "COMPLETE", "failed",
                        R"(,"operationProgress":[{"operation":"a","processingState":"COMPLETE",
                            "processingStateMessage":"failed","attemptCount":1}])")
                .status,
            200);
  ASSERT_EQ(Rerun(acme_, id, R"(["resetAll"])").status, 200);
  auto reply = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(reply), std::vector<std::string>{id});
  auto progresses = ArrayIn(reply, "agendaProgresses");
  ASSERT_EQ(progresses.size(), 1u);
  const Json* ops = progresses[0].Find("operationProgress");
  ASSERT_NE(ops, nullptr);
  bool counted = false;
  for (const Json& op : ops->AsArray()) {
    if (StringAt(op, "operation") != "a") continue;
    EXPECT_EQ(StringAt(op, "processingState"), "WAITING");
    EXPECT_EQ(op.Find("attemptCount")->AsInt(), 1);
    counted = true;
  }
  EXPECT_TRUE(counted);
}

TEST_F(GetAgendaServiceTest, ZeroWaitOnAnEmptyQueueAnswersAtOnceWithNothing) {
  auto reply = GetAgenda(owner_, 3, 0);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  EXPECT_EQ(ToJsonText(*reply.body.Find("agendas")), "[]");
  EXPECT_EQ(ToJsonText(*reply.body.Find("all")), "[]");
  EXPECT_EQ(reply.body.Find("agendaProgresses"), nullptr);
}

TEST_F(GetAgendaServiceTest, ALongPollReceivesAnAgendaSubmittedWhileItWaits) {
  std::optional<ApiReply> polled;
  std::thread poller([&] { polled = LongPoll(owner_, 5); });
  // Time does not move: the poll can only end because the agenda arrived.
  const std::string id = StringAt(SubmitFor("acme"), "id");
  poller.join();
  ASSERT_TRUE(polled.has_value()) << "the long poll was never answered";
  EXPECT_EQ(polled->status, 200) << ToJsonText(polled->body);
  EXPECT_EQ(AgendaIdsIn(*polled), std::vector<std::string>{id});
}

TEST_F(GetAgendaServiceTest, AClaimedAgendaIsNeverHandedOutTwice) {
  const std::string id = StringAt(SubmitFor("acme"), "id");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), std::vector<std::string>{id});
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(admin_, 5)).empty());
  // The claim is recorded on the ready entry.
  auto ready = ReadyOf(id);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_TRUE(ready[0].claimed_by.has_value());
}

TEST_F(GetAgendaServiceTest, DeletedAgendasAreNotHandedOut) {
  const std::string deleted = StringAt(SubmitFor("acme"), "id");
  const std::string kept = StringAt(SubmitFor("acme"), "id");
  ASSERT_EQ(server_.Call("DELETE", "/agenda/" + deleted, std::nullopt, acme_).status, 200);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), std::vector<std::string>{kept});
  EXPECT_TRUE(ReadyOf(deleted).empty());
}

TEST_F(GetAgendaServiceTest, APollAbandonedByItsClientLosesNothing) {
  // The client gives up on its long poll; the server may still hand the next agenda to it.
  EXPECT_FALSE(TryPost("/resourcepool/service/getAgenda",
                       R"({"insightId":"insight-1","count":1,"waitSeconds":30})", owner_,
                       std::chrono::milliseconds(300))
                   .has_value());
  const std::string id = StringAt(SubmitFor("acme"), "id");
  std::vector<std::string> got = AgendaIdsIn(GetAgenda(owner_));
  if (got.empty()) {
    // It went to the abandoned poll: nobody reports, so the lease ends and it is back. The
    // lease is taken from the clock when that claim is written, which may still be under way:
    // let the clock jump only once the claim is stored, or the lease would start after the jump.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!ClaimedInStore(id) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(ClaimedInStore(id)) << "the abandoned poll's claim was never stored";
    LetLeasesLapse();
    auto polled = LongPoll(owner_, 5);
    ASSERT_TRUE(polled.has_value()) << "the long poll was never answered";
    got = AgendaIdsIn(*polled);
  }
  EXPECT_EQ(got, std::vector<std::string>{id});
}

TEST_F(GetAgendaServiceTest, QueueSizeZeroNeverHandsAnythingOut) {
  AdminPut("/insight/insight-1", R"({"queueSize":0})");
  SubmitFor("acme");
  SubmitFor("globex");
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
  server_.clock().Advance(Duration::Minutes(5));
  server_.queues().ProcessDue(server_.clock().Now());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
}

TEST_F(GetAgendaServiceTest, RaisingTheQueueSizeMakesWaitingAgendasClaimable) {
  AdminPut("/insight/insight-1", R"({"queueSize":0})");
  const std::string first = StringAt(SubmitFor("acme"), "id");
  const std::string second = StringAt(SubmitFor("globex"), "id");
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
  AdminPut("/insight/insight-1", R"({"queueSize":2})");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), (std::vector<std::string>{first, second}));
}

TEST_F(GetAgendaServiceTest, RaisingTheQueueSizeAnswersAParkedPoll) {
  AdminPut("/insight/insight-1", R"({"queueSize":0})");
  const std::string id = StringAt(SubmitFor("acme"), "id");
  std::optional<ApiReply> polled;
  std::thread poller([&] { polled = LongPoll(owner_, 5); });
  auto put = server_.Call("PUT", "/insight/insight-1", R"({"queueSize":1})", owner_);
  EXPECT_EQ(put.status, 200) << ToJsonText(put.body);
  poller.join();
  ASSERT_TRUE(polled.has_value()) << "the long poll was never answered";
  EXPECT_EQ(AgendaIdsIn(*polled), std::vector<std::string>{id});
}

}  // namespace
}  // namespace pop::testing
