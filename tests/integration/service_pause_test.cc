// POST /pop/agenda/service/pause|resume and /pop/insight/service/pause|resume over real HTTP (not
// in the spec; docs/api.md, "Pause and resume"): a paused agenda is not claimed and `why` says
// PAUSED; a running one keeps its claim and its reports are answered "paused"; resume undoes
// both; a finished agenda is refused naming its state; pausing twice is idempotent; access is
// as cancel's (agendas) and as a PUT's (insights); and a restarted scheduler still knows.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class PauseServiceTest : public ServiceTest {
 protected:
  struct Submitted {
    std::string id;
    std::string progress_id;
  };

  Submitted SubmitOne() {
    Json agenda = Submit(AgendaJson("acme"), acme_);
    return {StringAt(agenda, "id"), StringAt(agenda, "progressId")};
  }

  ApiReply Pause(const std::string& token, const std::string& agenda_id, bool pause = true) {
    return Service(std::string("/agenda/service/") + (pause ? "pause" : "resume"),
                   R"({"agendaId":)" + Quoted(agenda_id) + "}", token);
  }
  ApiReply PauseInsight(const std::string& token, const std::string& insight_id,
                        bool pause = true) {
    return Service(std::string("/insight/service/") + (pause ? "pause" : "resume"),
                   R"({"insightId":)" + Quoted(insight_id) + "}", token);
  }

  // Claims it as the pool's puller and reports it running.
  void StartRunning(const Submitted& agenda) {
    ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
    auto running = ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations");
    ASSERT_EQ(running.status, 200) << ToJsonText(running.body);
    EXPECT_FALSE(BoolAt(running, "paused"));
  }

  static std::optional<int64_t> IntAt(const ApiReply& reply, std::string_view field) {
    const Json* value = reply.body.is_object() ? reply.body.Find(field) : nullptr;
    if (value == nullptr || !value->is_integer()) return std::nullopt;
    return value->AsInt();
  }
  static bool BoolAt(const ApiReply& reply, std::string_view field) {
    const Json* value = reply.body.is_object() ? reply.body.Find(field) : nullptr;
    return value != nullptr && value->is_bool() && value->AsBool();
  }

  NullLogger logger_;
};

TEST_F(PauseServiceTest, AQueuedAgendaIsNotClaimedWhilePausedAndWhySaysSo) {
  Submitted agenda = SubmitOne();
  ApiReply paused = Pause(acme_, agenda.id);
  ASSERT_EQ(paused.status, 200) << ToJsonText(paused.body);
  EXPECT_TRUE(BoolAt(paused, "paused"));
  EXPECT_TRUE(BoolAt(paused, "changed"));
  EXPECT_FALSE(BoolAt(paused, "running"));
  EXPECT_EQ(IntAt(paused, "pausedTime"), server_.clock().Now().millis());
  EXPECT_EQ(StringAt(paused.body, "message"),
            "Agenda " + agenda.id + " paused; it is not claimed until it is resumed");

  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  ApiReply why = Why(agenda.id, acme_);
  EXPECT_EQ(StringAt(why.body, "state"), "PAUSED");
  EXPECT_TRUE(BoolAt(why, "paused"));
  EXPECT_EQ(StringAt(why.body, "reason"), "paused: it is not claimed until it is resumed");
  ApiReply whole = Why(agenda.id, admin_);  // a global caller sees the queue's counts
  EXPECT_EQ(IntAt(whole, "pausedAgendas"), 1);
  EXPECT_EQ(IntAt(whole, "queued"), 0);
  EXPECT_EQ(why.body.Find("pausedAgendas"), nullptr);  // a tenant does not

  ApiReply resumed = Pause(acme_, agenda.id, false);
  ASSERT_EQ(resumed.status, 200) << ToJsonText(resumed.body);
  EXPECT_FALSE(BoolAt(resumed, "paused"));
  EXPECT_TRUE(BoolAt(resumed, "changed"));
  EXPECT_EQ(StringAt(Why(agenda.id, acme_).body, "state"), "QUEUED");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
}

TEST_F(PauseServiceTest, PausingTwiceAndResumingWhatIsNotPausedAnswerOkAndChangeNothing) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(Pause(acme_, agenda.id).status, 200);
  const int64_t first = server_.clock().Now().millis();
  server_.clock().Advance(Duration::Seconds(30));
  ApiReply again = Pause(acme_, agenda.id);
  ASSERT_EQ(again.status, 200) << ToJsonText(again.body);
  EXPECT_TRUE(BoolAt(again, "paused"));
  EXPECT_FALSE(BoolAt(again, "changed"));
  EXPECT_EQ(IntAt(again, "pausedTime"), first);  // the first pause's time stays
  EXPECT_EQ(StringAt(again.body, "message"),
            "Agenda " + agenda.id + " was paused already; nothing was changed");

  ASSERT_EQ(Pause(acme_, agenda.id, false).status, 200);
  const std::string before = server_.Snapshot();
  ApiReply not_paused = Pause(acme_, agenda.id, false);
  ASSERT_EQ(not_paused.status, 200) << ToJsonText(not_paused.body);
  EXPECT_FALSE(BoolAt(not_paused, "changed"));
  EXPECT_EQ(StringAt(not_paused.body, "message"),
            "Agenda " + agenda.id + " was not paused; nothing was changed");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(PauseServiceTest, ARunningAgendaKeepsItsClaimAndItsReportsAreAnsweredPaused) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);

  ApiReply paused = Pause(acme_, agenda.id);
  ASSERT_EQ(paused.status, 200) << ToJsonText(paused.body);
  EXPECT_TRUE(BoolAt(paused, "running"));
  ApiReply report = ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations");
  ASSERT_EQ(report.status, 200) << ToJsonText(report.body);  // the claim stays the executor's
  EXPECT_TRUE(BoolAt(report, "paused"));
  ApiReply why = Why(agenda.id, acme_);
  EXPECT_EQ(StringAt(why.body, "state"), "PAUSED");
  EXPECT_NE(StringAt(why.body, "reason").find("its running operations go on"), std::string::npos);
  ASSERT_EQ(ReadyOf(agenda.id).size(), 1u);
  EXPECT_TRUE(ReadyOf(agenda.id)[0].confirmed);

  ASSERT_EQ(Pause(acme_, agenda.id, false).status, 200);
  report = ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations");
  ASSERT_EQ(report.status, 200);
  EXPECT_FALSE(BoolAt(report, "paused"));
  EXPECT_EQ(StringAt(Why(agenda.id, acme_).body, "state"), "RUNNING");
}

TEST_F(PauseServiceTest, AFinishedAgendaIsRefusedNamingItsStateAndNothingChanges) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);
  ASSERT_EQ(ReportState(owner_, agenda.progress_id, "COMPLETE", "succeeded").status, 200);
  const std::string before = server_.Snapshot();
  for (bool pause : {true, false}) {
    ApiReply refused = Pause(acme_, agenda.id, pause);
    EXPECT_EQ(refused.status, 409) << ToJsonText(refused.body);
    EXPECT_EQ(refused.ErrorDescription(),
              "Agenda " + agenda.id + " has finished (COMPLETE/succeeded); only an unfinished " +
                  "agenda can be " + (pause ? "paused" : "resumed") +
                  " (rerun it to run it again)");
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(PauseServiceTest, AccessIsAsCancelAndBadInputNamesTheField) {
  Submitted agenda = SubmitOne();
  ApiReply other = Pause(globex_, agenda.id);  // another tenant's agenda looks absent
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.ErrorDescription(), "Agenda " + agenda.id + " not found");
  EXPECT_EQ(Pause(acme_, "no-such-agenda").status, 404);
  ApiReply no_body = Service("/agenda/service/pause", "", acme_);
  EXPECT_EQ(no_body.status, 422);
  EXPECT_EQ(no_body.ErrorDescription(), "agendaId is required on pause");
  ApiReply blank = Service("/agenda/service/resume", R"({"agendaId":" "})", acme_);
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(blank.ErrorDescription(), "agendaId must be specified");
  ApiReply wrong_type = Service("/agenda/service/pause", R"({"agendaId":{"id":"x"}})", acme_);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.ErrorDescription(),
            "Invalid value for field 'agendaId': expected a string, got an object");
  EXPECT_EQ(StringAt(Why(agenda.id, acme_).body, "state"), "QUEUED");  // nothing changed
  EXPECT_EQ(Pause(admin_, agenda.id).status, 200);                     // a super user may
}

TEST_F(PauseServiceTest, ACancelEndsAPauseSoThatARerunRuns) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(Pause(acme_, agenda.id).status, 200);
  ASSERT_EQ(
      Service("/agenda/service/cancel", R"({"agendaId":)" + Quoted(agenda.id) + "}", acme_).status,
      200);
  EXPECT_EQ(server_.queues().AgendaPausedAt(agenda.id), std::nullopt);
  ASSERT_EQ(Rerun(acme_, agenda.id).status, 200);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
}

TEST_F(PauseServiceTest, APausedInsightServesNoClaimAndLeavesClaimedWorkAlone) {
  Submitted running = SubmitOne();
  StartRunning(running);
  Submitted queued = SubmitOne();

  ApiReply paused = PauseInsight(owner_, "insight-1");
  ASSERT_EQ(paused.status, 200) << ToJsonText(paused.body);
  EXPECT_TRUE(BoolAt(paused, "changed"));
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  ApiReply why = Why(queued.id, acme_);
  EXPECT_EQ(StringAt(why.body, "state"), "PAUSED");
  EXPECT_TRUE(BoolAt(why, "insightPaused"));
  EXPECT_EQ(StringAt(why.body, "reason"),
            "insight insight-1 is paused: nothing is claimed from it until it is resumed");
  // The running agenda's executor goes on.
  ApiReply report = ReportState(owner_, running.progress_id, "EXECUTING", "Running Operations");
  ASSERT_EQ(report.status, 200);
  EXPECT_FALSE(BoolAt(report, "paused"));
  EXPECT_FALSE(BoolAt(PauseInsight(owner_, "insight-1"), "changed"));  // idempotent

  ASSERT_EQ(PauseInsight(owner_, "insight-1", false).status, 200);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{queued.id});
}

TEST_F(PauseServiceTest, AParkedClaimIsServedWhenItsInsightIsResumed) {
  ASSERT_EQ(PauseInsight(owner_, "insight-1").status, 200);
  Submitted agenda = SubmitOne();
  std::promise<Result<std::vector<ReadyAgenda>>> answer;
  server_.queues().Claim(
      "insight-1", 1, Duration::Seconds(20), "puller-1",
      [&](Result<std::vector<ReadyAgenda>> claimed) { answer.set_value(std::move(claimed)); });
  std::future<Result<std::vector<ReadyAgenda>>> claimed = answer.get_future();
  server_.queues().ProcessDue(server_.clock().Now());
  EXPECT_EQ(claimed.wait_for(std::chrono::seconds(0)), std::future_status::timeout);  // parked

  // The resume wakes the scheduler, which serves the parked claim (no time passes).
  ASSERT_EQ(PauseInsight(owner_, "insight-1", false).status, 200);
  ASSERT_EQ(claimed.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  Result<std::vector<ReadyAgenda>> result = claimed.get();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().agenda_id, agenda.id);
}

TEST_F(PauseServiceTest, InsightAccessIsAsChangingItAndBadInputNamesTheField) {
  ApiReply tenant = PauseInsight(acme_, "insight-1");  // global: readable, not acme's to change
  EXPECT_EQ(tenant.status, 403) << ToJsonText(tenant.body);
  EXPECT_EQ(PauseInsight(acme_, "no-such-insight").status, 404);
  ApiReply no_body = Service("/insight/service/pause", "", owner_);
  EXPECT_EQ(no_body.status, 422);
  EXPECT_EQ(no_body.ErrorDescription(), "insightId is required on pause");
  ApiReply blank = Service("/insight/service/resume", R"({"insightId":""})", owner_);
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(blank.ErrorDescription(), "insightId must be specified");
  EXPECT_EQ(server_.queues().InsightPausedAt("insight-1"), std::nullopt);
}

// A scheduler started on the store again (a restart of pop dev or pop server) knows the pauses.
TEST_F(PauseServiceTest, ARestartedSchedulerKeepsPausedAgendasAndInsightsOutOfItsQueues) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(Pause(acme_, agenda.id).status, 200);
  AdminPut("/insight/insight-1", R"({"queueSize":2})");
  ASSERT_EQ(server_
                .Call("POST", "/insight",
                      R"({"id":"insight-2","customerId":"pool-owner","title":"i2",
                             "resourcePoolId":"rp-1","queueSize":2})",
                      admin_)
                .status,
            200);
  ASSERT_EQ(PauseInsight(owner_, "insight-2").status, 200);

  app::InsightQueues restarted(app::Services{server_.store(), server_.clock(), server_.ids()},
                               app::QueueOptions{.start_thread = false}, logger_);
  ASSERT_TRUE(restarted.Start().ok());
  EXPECT_EQ(restarted.AgendaPausedAt(agenda.id), server_.clock().Now());
  EXPECT_TRUE(restarted.InsightPausedAt("insight-2").has_value());
  auto place = restarted.Explain(agenda.id);
  ASSERT_TRUE(place.has_value());
  EXPECT_EQ(place->state, app::QueueExplanation::State::kPaused);
  EXPECT_EQ(place->queued, 0u);
  EXPECT_EQ(place->paused, 1u);
  std::optional<Result<std::vector<ReadyAgenda>>> answer;
  restarted.Claim("insight-1", 1, Duration(), "puller-1",
                  [&](Result<std::vector<ReadyAgenda>> claimed) { answer = claimed; });
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_TRUE((*answer)->empty());
  restarted.Stop();
}

}  // namespace
}  // namespace pop::testing
