// POST /pop/agenda/service/cancel over real HTTP (not in the spec; docs/api.md): a waiting,
// delayed or running agenda ends COMPLETE/"cancelled" in one transaction and leaves its queue;
// the running executor's next report is refused and cannot overwrite it; a cancelled agenda is
// never retried automatically but may be rerun; visibility and bad input as for rerun.
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class AgendaCancelServiceTest : public ServiceTest {
 protected:
  AgendaCancelServiceTest()
      : ServiceTest(ApiServerOptions{.retry_backoff = Duration::Seconds(5)}) {}

  struct Submitted {
    std::string id;
    std::string progress_id;
  };

  // maximumAttempts 3: a failure would be retried.
  Submitted SubmitOne() {
    Json agenda = Submit(AgendaJson("acme", "", R"("params":{"maximumAttempts":3},)"), acme_);
    return {StringAt(agenda, "id"), StringAt(agenda, "progressId")};
  }

  ApiReply Cancel(const std::string& token, const std::string& agenda_id) {
    return Service("/agenda/service/cancel", R"({"agendaId":)" + Quoted(agenda_id) + "}", token);
  }

  // The executor's side: claim it and report that it runs, with operation a executing.
  void StartRunning(const Submitted& agenda) {
    ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
    auto running =
        ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations",
                    R"(,"operationProgress":[{"operation":"a","processingState":"EXECUTING"}])");
    ASSERT_EQ(running.status, 200) << ToJsonText(running.body);
  }

  void ExpectCancelled(const Submitted& agenda) {
    Json progress = ProgressOf(agenda.progress_id);
    EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE");
    EXPECT_EQ(StringAt(progress, "processingStateMessage"), "cancelled");
    EXPECT_NE(progress.Find("completedTime"), nullptr);
    EXPECT_TRUE(ReadyOf(agenda.id).empty());
  }

  std::string WhyState(const std::string& agenda_id) {
    return StringAt(Why(agenda_id, acme_).body, "state");
  }

  // Moves time on, running the scheduler's step for the later time first (see RetryTest).
  void Advance(Duration d) {
    server_.queues().ProcessDue(server_.clock().Now() + d);
    server_.clock().Advance(d);
  }
};

TEST_F(AgendaCancelServiceTest, AWaitingAgendaLeavesItsQueueAndEndsCancelled) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(WhyState(agenda.id), "QUEUED");

  ApiReply reply = Cancel(acme_, agenda.id);

  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_TRUE(reply.body.Find("cancelled")->AsBool());
  EXPECT_FALSE(reply.body.Find("wasRunning")->AsBool());
  EXPECT_EQ(StringAt(*reply.body.Find("agendaProgress"), "processingStateMessage"), "cancelled");
  ExpectCancelled(agenda);
  // Operations that never ran end cancelled too.
  for (const char* op : {"a", "b"}) {
    Json progress = OperationProgressOf(agenda.progress_id, op);
    EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE") << op;
    EXPECT_EQ(StringAt(progress, "processingStateMessage"), "cancelled") << op;
  }
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());  // gone from the queue
  auto why = Why(agenda.id, acme_);
  EXPECT_EQ(StringAt(why.body, "state"), "COMPLETE");
  EXPECT_EQ(StringAt(why.body, "reason"), "it was cancelled; rerun it to run it again");
}

TEST_F(AgendaCancelServiceTest, AWaitingAgendaBehindAFullQueueIsRemovedFromThePolicy) {
  AdminPut("/insight/insight-1", R"({"queueSize":1})");
  Submitted first = SubmitOne();
  Submitted second = SubmitOne();
  ASSERT_EQ(WhyState(second.id), "WAITING");

  ASSERT_EQ(Cancel(acme_, second.id).status, 200);

  ExpectCancelled(second);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{first.id});
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
}

TEST_F(AgendaCancelServiceTest, ADelayedRetryIsCancelledAndNeverScheduled) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);
  ASSERT_EQ(ReportState(owner_, agenda.progress_id, "COMPLETE", "failed").status, 200);
  ASSERT_EQ(WhyState(agenda.id), "DELAYED");
  ASSERT_EQ(ReadyOf(agenda.id).size(), 1u);

  ApiReply reply = Cancel(acme_, agenda.id);

  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_TRUE(reply.body.Find("cancelled")->AsBool());
  EXPECT_FALSE(reply.body.Find("wasRunning")->AsBool());
  ExpectCancelled(agenda);
  Advance(Duration::Seconds(60));
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  EXPECT_EQ(WhyState(agenda.id), "COMPLETE");
}

TEST_F(AgendaCancelServiceTest, ARunningAgendasNextReportIsRefusedAndCannotOverwriteTheCancel) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);

  ApiReply reply = Cancel(acme_, agenda.id);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_TRUE(reply.body.Find("wasRunning")->AsBool());
  ExpectCancelled(agenda);
  EXPECT_EQ(StringAt(OperationProgressOf(agenda.progress_id, "a"), "processingStateMessage"),
            "cancelled");

  // The executor's heartbeat, then its final report: both refused, nothing stored.
  ApiReply heartbeat = ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations",
                                   R"(,"percentComplete":50.0)");
  EXPECT_EQ(heartbeat.status, 409);
  EXPECT_EQ(heartbeat.ErrorDescription(),
            "Agenda " + agenda.id + " was cancelled; stop this execution.");
  ApiReply final_report = ReportState(
      owner_, agenda.progress_id, "COMPLETE", "failed",
      R"(,"operationProgress":[{"operation":"a","processingState":"COMPLETE","processingStateMessage":"failed"}])");
  EXPECT_EQ(final_report.status, 409);
  ExpectCancelled(agenda);
  EXPECT_EQ(StringAt(OperationProgressOf(agenda.progress_id, "a"), "processingStateMessage"),
            "cancelled");
  // Not retried.
  Advance(Duration::Seconds(60));
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  ExpectCancelled(agenda);
}

TEST_F(AgendaCancelServiceTest, AClaimedAgendaLosesItsClaimAndTheLeaseDoesNotBringItBack) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
  ASSERT_EQ(WhyState(agenda.id), "CLAIMED");

  ApiReply reply = Cancel(acme_, agenda.id);

  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_TRUE(reply.body.Find("wasRunning")->AsBool());
  ExpectCancelled(agenda);
  LetLeasesLapse();
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  EXPECT_EQ(ReportState(owner_, agenda.progress_id, "EXECUTING").status, 409);
  ExpectCancelled(agenda);
}

TEST_F(AgendaCancelServiceTest, AFinishedAgendaIsLeftAsItIsAndTheAnswerSaysSo) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);
  ASSERT_EQ(ReportState(owner_, agenda.progress_id, "COMPLETE", "succeeded").status, 200);
  const std::string before = server_.Snapshot();

  ApiReply reply = Cancel(acme_, agenda.id);

  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("cancelled")->AsBool());
  EXPECT_EQ(
      StringAt(reply.body, "message"),
      "Agenda " + agenda.id + " had already finished (COMPLETE/succeeded); nothing was changed");
  EXPECT_EQ(StringAt(*reply.body.Find("agendaProgress"), "processingStateMessage"), "succeeded");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaCancelServiceTest, CancellingTwiceChangesNothingTheSecondTime) {
  Submitted agenda = SubmitOne();
  ASSERT_EQ(Cancel(acme_, agenda.id).status, 200);
  const std::string before = server_.Snapshot();

  ApiReply again = Cancel(acme_, agenda.id);

  ASSERT_EQ(again.status, 200);
  EXPECT_FALSE(again.body.Find("cancelled")->AsBool());
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaCancelServiceTest, ACancelledAgendaMayBeRerunExplicitly) {
  Submitted agenda = SubmitOne();
  StartRunning(agenda);
  ASSERT_EQ(Cancel(acme_, agenda.id).status, 200);

  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);

  Json progress = ProgressOf(agenda.progress_id);
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{agenda.id});
  // The new execution reports normally.
  EXPECT_EQ(ReportState(owner_, agenda.progress_id, "EXECUTING").status, 200);
}

TEST_F(AgendaCancelServiceTest, UnknownOrInvisibleAgendasAreNotFoundAndNothingChanges) {
  Submitted agenda = SubmitOne();
  const std::string before = server_.Snapshot();

  ApiReply unknown = Cancel(acme_, "no-such-agenda");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorTitle(unknown), "ObjectNotFoundException");
  EXPECT_EQ(unknown.ErrorDescription(), "Agenda no-such-agenda not found");

  ApiReply other_tenant = Cancel(globex_, agenda.id);
  EXPECT_EQ(other_tenant.status, 404);
  EXPECT_EQ(other_tenant.ErrorDescription(), "Agenda " + agenda.id + " not found");

  EXPECT_EQ(server_.Snapshot(), before);
  EXPECT_EQ(WhyState(agenda.id), "QUEUED");
  // The admin sees every agenda.
  EXPECT_EQ(Cancel(admin_, agenda.id).status, 200);
}

TEST_F(AgendaCancelServiceTest, AMissingOrMalformedAgendaIdIsRefusedNamingTheField) {
  Submitted agenda = SubmitOne();
  const std::string before = server_.Snapshot();

  ApiReply no_body = Service("/agenda/service/cancel", "", acme_);
  EXPECT_EQ(no_body.status, 422);
  EXPECT_EQ(no_body.ErrorDescription(), "agendaId is required on cancel");

  for (const char* body : {"{}", R"({"agendaId":""})", R"({"agendaId":"  "})"}) {
    ApiReply blank = Service("/agenda/service/cancel", body, acme_);
    EXPECT_EQ(blank.status, 422) << body;
    EXPECT_EQ(blank.ErrorDescription(), "agendaId must be specified") << body;
  }

  ApiReply wrong_type = Service("/agenda/service/cancel", R"({"agendaId":{"id":"x"}})", acme_);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.ErrorDescription(),
            "Invalid value for field 'agendaId': expected a string, got an object");

  ApiReply not_json = Service("/agenda/service/cancel", "{agendaId", acme_);
  EXPECT_EQ(not_json.status, 400);

  EXPECT_EQ(server_.Snapshot(), before);
  EXPECT_EQ(WhyState(agenda.id), "QUEUED");
}

TEST_F(AgendaCancelServiceTest, OtherVerbsAreNotImplemented) {
  ApiReply get = server_.Call("GET", "/agenda/service/cancel", std::nullopt, acme_);
  EXPECT_EQ(get.status, 400);
  EXPECT_EQ(get.ErrorDescription(), "GET is not implemented for this endpoint");
}

}  // namespace
}  // namespace pop::testing
