// POST /pop/resourcepool/service/updateAgendaProgress (spec §10.2) over real HTTP: the executor's
// report, which also confirms the claim of getAgenda (docs/compat.md: a claim is a lease).
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class UpdateAgendaProgressServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Json agenda =
        Submit(AgendaJson("acme", "", R"("linkId":"L1","params":{"maximumAttempts":2},)"), acme_);
    id_ = StringAt(agenda, "id");
    progress_id_ = StringAt(agenda, "progressId");
  }

  // getAgenda as the pool owner, expecting this agenda.
  void Claim() { ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id_}); }

  int64_t AttemptsCompleted() {
    const Json progress = ProgressOf(progress_id_);
    const Json* attempts = progress.Find("attemptsCompleted");
    return attempts != nullptr && attempts->is_integer() ? attempts->AsInt() : 0;
  }

  // getAgenda with a puller id; the reply.
  ApiReply ClaimAs(const std::string& puller) {
    return server_.Call(
        "POST", "/resourcepool/service/getAgenda",
        R"({"insightId":"insight-1","count":1,"waitSeconds":0,"pullerId":")" + puller + R"("})",
        owner_);
  }
  ApiReply ReportAs(const std::string& puller, const std::string& state,
                    const std::string& message = "", const std::string& token = "") {
    std::string progress = R"({"id":")" + progress_id_ + R"(","processingState":")" + state + "\"";
    if (!message.empty()) progress += R"(,"processingStateMessage":")" + message + "\"";
    return server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                        R"({"pullerId":")" + puller + R"(","agendaProgress":)" + progress + "}}",
                        token.empty() ? owner_ : token);
  }

  std::string id_;
  std::string progress_id_;
};

TEST_F(UpdateAgendaProgressServiceTest, AppliesOnlyTheReportableFields) {
  Claim();
  auto reply = Report(owner_, R"({"id":")" + progress_id_ + R"(","processingState":"EXECUTING",
                          "processingStateMessage":"Running Operations","percentComplete":40.0,
                          "diagnosticEvents":[{"message":"d1"}],"startedTime":1600000001000,
                          "completedTime":1600000002000,
                          "params":{"x":1},"attemptsCompleted":7,"maximumAttempts":9,
                          "title":"T","linkId":"other","customerId":"globex","agendaId":"zzz",
                          "externalId":"e","cid":"body-cid"})",
                      {{"X-pop-cid", "report-cid"}});
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  EXPECT_EQ(StringAt(reply.body, "cid"), "report-cid");
  Json progress = ProgressOf(progress_id_);
  EXPECT_EQ(StringAt(progress, "processingState"), "EXECUTING");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "Running Operations");
  EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 40.0);
  EXPECT_EQ(ToJsonText(*progress.Find("diagnosticEvents")), R"([{"message":"d1"}])");
  EXPECT_EQ(progress.Find("startedTime")->AsInt(), 1600000001000);
  EXPECT_EQ(progress.Find("completedTime")->AsInt(), 1600000002000);
  EXPECT_EQ(StringAt(progress, "cid"), "report-cid");  // the request cid, not the body's
  // Dropped.
  EXPECT_EQ(ToJsonText(*progress.Find("params")), R"({"maximumAttempts":2})");
  EXPECT_EQ(progress.Find("attemptsCompleted"), nullptr);
  EXPECT_EQ(progress.Find("maximumAttempts")->AsInt(), 2);
  EXPECT_EQ(progress.Find("title"), nullptr);
  EXPECT_EQ(progress.Find("externalId"), nullptr);
  EXPECT_EQ(StringAt(progress, "linkId"), "L1");
  EXPECT_EQ(StringAt(progress, "customerId"), "acme");
  EXPECT_EQ(StringAt(progress, "agendaId"), id_);
}

TEST_F(UpdateAgendaProgressServiceTest, AbsentFieldsKeepTheirStoredValues) {
  Claim();
  ASSERT_EQ(ReportState(owner_, progress_id_, "EXECUTING", "Running Operations",
                        R"(,"percentComplete":10.0,"diagnosticEvents":[{"message":"d1"}])")
                .status,
            200);
  ASSERT_EQ(Report(owner_, R"({"id":")" + progress_id_ + R"(","percentComplete":20.0})").status,
            200);
  Json progress = ProgressOf(progress_id_);
  EXPECT_EQ(StringAt(progress, "processingState"), "EXECUTING");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "Running Operations");
  EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 20.0);
  EXPECT_EQ(ToJsonText(*progress.Find("diagnosticEvents")), R"([{"message":"d1"}])");
}

TEST_F(UpdateAgendaProgressServiceTest, UpsertsOperationProgressUnderProgressIdDashName) {
  Claim();
  auto reply = ReportState(owner_, progress_id_, "EXECUTING", "Running Operations",
                           R"(,"operationProgress":[
                               {"operation":"a","processingState":"COMPLETE",
                                "processingStateMessage":"succeeded",
                                "resultPayload":"{\"v\":\"x\"}","percentComplete":100.0},
                               {"operation":"extra","processingState":"EXECUTING"}])");
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  Json a = OperationProgressOf(progress_id_, "a");
  EXPECT_EQ(StringAt(a, "id"), progress_id_ + "-a");
  EXPECT_EQ(StringAt(a, "processingState"), "COMPLETE");
  EXPECT_EQ(StringAt(a, "processingStateMessage"), "succeeded");
  EXPECT_EQ(StringAt(a, "resultPayload"), R"({"v":"x"})");
  EXPECT_EQ(a.Find("percentComplete")->AsDouble(), 100.0);
  // An operation the progress did not have yet is created.
  Json extra = OperationProgressOf(progress_id_, "extra");
  EXPECT_EQ(StringAt(extra, "id"), progress_id_ + "-extra");
  EXPECT_EQ(StringAt(extra, "processingState"), "EXECUTING");
  EXPECT_EQ(StringAt(extra, "customerId"), "acme");
  EXPECT_EQ(StringAt(extra, "agendaProgressId"), progress_id_);
  EXPECT_EQ(ProgressOf(progress_id_).Find("operationProgress")->AsArray().size(), 3u);
  // A later partial report merges into the stored operation progress.
  ASSERT_EQ(ReportState(owner_, progress_id_, "EXECUTING", "",
                        R"(,"operationProgress":[{"operation":"a","percentComplete":100.0}])")
                .status,
            200);
  EXPECT_EQ(StringAt(OperationProgressOf(progress_id_, "a"), "resultPayload"), R"({"v":"x"})");
}

TEST_F(UpdateAgendaProgressServiceTest, AttemptsCompletedCountsTransitionsIntoComplete) {
  Claim();
  ASSERT_EQ(ReportState(owner_, progress_id_, "EXECUTING", "Running Operations").status, 200);
  EXPECT_EQ(AttemptsCompleted(), 0);
  ASSERT_EQ(ReportState(owner_, progress_id_, "COMPLETE", "failed").status, 200);
  EXPECT_EQ(AttemptsCompleted(), 1);
  ASSERT_EQ(ReportState(owner_, progress_id_, "COMPLETE", "failed").status, 200);
  EXPECT_EQ(AttemptsCompleted(), 1);
  ASSERT_EQ(ReportState(owner_, progress_id_, "EXECUTING").status, 200);
  EXPECT_EQ(AttemptsCompleted(), 1);
  ASSERT_EQ(ReportState(owner_, progress_id_, "COMPLETE", "succeeded", R"(,"attemptsCompleted":9)")
                .status,
            200);
  EXPECT_EQ(AttemptsCompleted(), 2);
}

TEST_F(UpdateAgendaProgressServiceTest, OnlyThePoolThatMayClaimReports) {
  ASSERT_EQ(AgendaIdsIn(ClaimAs("p-1")), std::vector<std::string>{id_});
  // Reading the insight is not enough (the original's rule): global and allowed customers, and
  // the agenda's own customer, are refused exactly as for an absent progress.
  AdminPut("/insight/insight-1", R"({"allowedCustomerIds":["acme","globex"]})");
  const std::string before = server_.Snapshot();
  for (const std::string* token : {&acme_, &globex_}) {
    auto reply = ReportState(*token, progress_id_, "COMPLETE", "succeeded");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
    EXPECT_EQ(reply.ErrorDescription(),
              "The AgendaProgress specified was not found or is not visible: " + progress_id_);
  }
  EXPECT_EQ(server_.Snapshot(), before);
  // Those who may act for the insight report, as the claim's holder (the claim fence).
  EXPECT_EQ(ReportAs("p-1", "EXECUTING", "owner").status, 200);
  EXPECT_EQ(ReportAs("p-1", "EXECUTING", "admin", admin_).status, 200);
}

TEST_F(UpdateAgendaProgressServiceTest, UnknownProgressIs400) {
  const std::string before = server_.Snapshot();
  auto reply = ReportState(owner_, "nope", "EXECUTING");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
  EXPECT_EQ(reply.ErrorDescription(),
            "The AgendaProgress specified was not found or is not visible: nope");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(UpdateAgendaProgressServiceTest, MissingProgressOrIdIs422) {
  // The spec does not say; the code answers 422.
  for (const char* body : {"", "{}", R"({"agendaProgress":null})",
                           R"({"agendaProgress":{"processingState":"EXECUTING"}})"}) {
    SCOPED_TRACE(body);
    auto reply = Service("/resourcepool/service/updateAgendaProgress", body, owner_);
    EXPECT_EQ(reply.status, 422);
    EXPECT_EQ(reply.ErrorDescription(),
              "agendaProgress with an id is required on updateAgendaProgress");
  }
}

TEST_F(UpdateAgendaProgressServiceTest, OperationProgressWithoutOperationIs422AndChangesNothing) {
  Claim();
  const std::string before = server_.Snapshot();
  auto reply = ReportState(owner_, progress_id_, "EXECUTING", "Running Operations",
                           R"(,"operationProgress":[{"operation":"a","processingState":"COMPLETE"},
                                                    {"processingState":"COMPLETE"}])");
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.ErrorDescription(),
            "Issues detected: All OperationProgress objects must specify the operation field.");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(UpdateAgendaProgressServiceTest, TheReportConfirmsTheClaim) {
  Claim();
  ASSERT_EQ(ReadyOf(id_).size(), 1u);
  EXPECT_FALSE(ReadyOf(id_)[0].confirmed);
  ASSERT_EQ(ReportState(owner_, progress_id_, "EXECUTING", "Running Operations").status, 200);
  // The entry stays, confirmed: the fence of this execution.
  ASSERT_EQ(ReadyOf(id_).size(), 1u);
  EXPECT_TRUE(ReadyOf(id_)[0].confirmed);
  // Long after the lease would have ended, nobody gets it again.
  server_.clock().Advance(Duration::Seconds(61));
  server_.queues().ProcessDue(server_.clock().Now());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
  EXPECT_EQ(ReportState(owner_, progress_id_, "COMPLETE", "succeeded").status, 200);
  EXPECT_TRUE(ReadyOf(id_).empty());  // the execution ended: so did its fence
}

TEST_F(UpdateAgendaProgressServiceTest, AReportAfterTheClaimLapsedIsAConflict) {
  Claim();
  LetLeasesLapse();
  const std::string before = server_.Snapshot();
  auto reply = ReportState(owner_, progress_id_, "EXECUTING", "Running Operations");
  EXPECT_EQ(reply.status, 409) << ToJsonText(reply.body);
  EXPECT_EQ(ErrorTitle(reply), "ConflictException");
  EXPECT_EQ(reply.ErrorDescription(), "Agenda " + id_ +
                                          " is back in its queue (its claim lapsed, or it was "
                                          "rerun); stop this execution.");
  EXPECT_EQ(server_.Snapshot(), before);  // the report was not applied
  // The agenda is claimable again, and the next claimer's report is accepted.
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id_});
  EXPECT_EQ(ReportState(owner_, progress_id_, "EXECUTING", "Running Operations").status, 200);
  ASSERT_EQ(ReadyOf(id_).size(), 1u);
  EXPECT_TRUE(ReadyOf(id_)[0].confirmed);
}

TEST_F(UpdateAgendaProgressServiceTest, AReportNamingAnotherPullerIsAConflict) {
  auto claimed = server_.Call(
      "POST", "/resourcepool/service/getAgenda",
      R"({"insightId":"insight-1","count":1,"waitSeconds":0,"pullerId":"p-1"})", owner_);
  ASSERT_EQ(AgendaIdsIn(claimed), std::vector<std::string>{id_});
  const std::string before = server_.Snapshot();
  auto stale = server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                            R"({"pullerId":"p-2","agendaProgress":{"id":")" + progress_id_ +
                                R"(","processingState":"EXECUTING"}})",
                            owner_);
  EXPECT_EQ(stale.status, 409) << ToJsonText(stale.body);
  EXPECT_EQ(stale.ErrorDescription(),
            "Agenda " + id_ + " is claimed by p-1, not by p-2; stop this execution.");
  EXPECT_EQ(server_.Snapshot(), before);
  auto owner = server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                            R"({"pullerId":"p-1","agendaProgress":{"id":")" + progress_id_ +
                                R"(","processingState":"EXECUTING"}})",
                            owner_);
  EXPECT_EQ(owner.status, 200) << ToJsonText(owner.body);
  ASSERT_EQ(ReadyOf(id_).size(), 1u);
  EXPECT_TRUE(ReadyOf(id_)[0].confirmed);
}

// The claim fence lasts for the whole execution, not only until the first report.

TEST_F(UpdateAgendaProgressServiceTest, AStaleExecutorIsRefusedAfterAnotherClaimedAndConfirmed) {
  ASSERT_EQ(AgendaIdsIn(ClaimAs("p-1")), std::vector<std::string>{id_});
  LetLeasesLapse();  // p-1's executor is slow: its claim lapses before it reports
  ASSERT_EQ(AgendaIdsIn(ClaimAs("p-2")), std::vector<std::string>{id_});
  ASSERT_EQ(ReportAs("p-2", "EXECUTING").status, 200);
  const std::string before = server_.Snapshot();
  auto stale = ReportAs("p-1", "EXECUTING");
  EXPECT_EQ(stale.status, 409) << ToJsonText(stale.body);
  EXPECT_EQ(stale.ErrorDescription(),
            "Agenda " + id_ + " is claimed by p-2, not by p-1; stop this execution.");
  EXPECT_EQ(server_.Snapshot(), before);
  // Later too, and even once p-2's lease would have ended.
  LetLeasesLapse();
  EXPECT_EQ(ReportAs("p-1", "COMPLETE", "succeeded").status, 409);
  EXPECT_EQ(ReportAs("p-2", "EXECUTING").status, 200);
  EXPECT_EQ(ReportAs("p-2", "COMPLETE", "succeeded").status, 200);
  EXPECT_TRUE(ReadyOf(id_).empty());
}

TEST_F(UpdateAgendaProgressServiceTest, ARerunReplacesTheFenceAndTheOldExecutionIsRefused) {
  ASSERT_EQ(AgendaIdsIn(ClaimAs("p-1")), std::vector<std::string>{id_});
  ASSERT_EQ(ReportAs("p-1", "EXECUTING").status, 200);
  ASSERT_EQ(Rerun(acme_, id_).status, 200);
  ASSERT_EQ(ReadyOf(id_).size(), 1u);
  EXPECT_FALSE(ReadyOf(id_)[0].confirmed);
  EXPECT_FALSE(ReadyOf(id_)[0].claimed_by.has_value());
  auto stale = ReportAs("p-1", "EXECUTING");
  EXPECT_EQ(stale.status, 409) << ToJsonText(stale.body);
  // The rerun is claimed and run afresh.
  ASSERT_EQ(AgendaIdsIn(ClaimAs("p-2")), std::vector<std::string>{id_});
  EXPECT_EQ(ReportAs("p-2", "EXECUTING").status, 200);
}

TEST_F(UpdateAgendaProgressServiceTest, AnAgendaThatWasNeverScheduledMayReport) {
  Json agenda = Submit(AgendaJson("acme", "", R"("params":{"doNotRun":1},)"), acme_);
  auto reply = ReportState(owner_, StringAt(agenda, "progressId"), "EXECUTING");
  EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
}

}  // namespace
}  // namespace pop::testing
