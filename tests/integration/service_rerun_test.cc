// POST /pop/agenda/service/rerun (spec §8.2) over real HTTP: the reset modes, what they reset and
// keep, generated-operation removal, and the new ready entry.
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// b reads a's output, d depends on b explicitly, c stands alone.
constexpr char kDagOperations[] = R"([
  {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
  {"name":"b","type":"sample","payload":{"msg":"@<a.out::/v>"}},
  {"name":"c","type":"sample","payload":{}},
  {"name":"d","type":"sample","params":{"dependsOn":"b"}}])";

// What the failed run reported for each operation.
constexpr char kFailedOperations[] = R"([
  {"operation":"a","processingState":"COMPLETE","processingStateMessage":"succeeded",
   "resultPayload":"{\"v\":\"x\"}","percentComplete":100.0,"diagnosticEvents":[{"message":"a note"}]},
  {"operation":"b","processingState":"COMPLETE","processingStateMessage":"failed",
   "percentComplete":100.0,"diagnosticEvents":[{"message":"b broke"}]},
  {"operation":"c","processingState":"COMPLETE","processingStateMessage":"succeeded",
   "resultPayload":"{\"c\":1}","percentComplete":100.0}])";

class AgendaRerunServiceTest : public ServiceTest {
 protected:
  struct Submitted {
    std::string id;
    std::string progress_id;
  };

  Submitted SubmitDag(const std::string& extra_fields = "") {
    Json agenda = Submit(AgendaJson("acme", kDagOperations, extra_fields), acme_);
    return {StringAt(agenda, "id"), StringAt(agenda, "progressId")};
  }

  // The executor's side of a failed run: claim, report EXECUTING, report COMPLETE/failed.
  void RunToFailure(const Submitted& agenda) {
    auto got = GetAgenda(owner_, 10);
    auto ids = AgendaIdsIn(got);
    ASSERT_NE(std::find(ids.begin(), ids.end(), agenda.id), ids.end()) << ToJsonText(got.body);
    ASSERT_EQ(ReportState(owner_, agenda.progress_id, "EXECUTING", "Running Operations").status,
              200);
    auto failed = ReportState(
        owner_, agenda.progress_id, "COMPLETE", "failed",
        std::string(R"(,"percentComplete":75.0,)") + R"("diagnosticEvents":[{"message":"boom"}],)" +
            R"("completedTime":1600000009000,"operationProgress":)" + kFailedOperations);
    ASSERT_EQ(failed.status, 200) << ToJsonText(failed.body);
  }

  void ExpectOperationReset(const std::string& progress_id, const std::string& op) {
    SCOPED_TRACE("operation " + op);
    Json progress = OperationProgressOf(progress_id, op);
    ASSERT_TRUE(progress.is_object());
    EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
    EXPECT_EQ(StringAt(progress, "processingStateMessage"), "pending");
    EXPECT_EQ(StringAt(progress, "resultPayload"), "{}");
    const Json* diagnostics = progress.Find("diagnosticEvents");
    EXPECT_EQ(diagnostics != nullptr ? ToJsonText(*diagnostics) : "absent", "[]");
    const Json* percent = progress.Find("percentComplete");
    EXPECT_EQ(percent != nullptr ? percent->AsDouble() : -1.0, 0.0);
  }

  void ExpectOperationKept(const std::string& progress_id, const std::string& op,
                           const std::string& message) {
    SCOPED_TRACE("operation " + op);
    Json progress = OperationProgressOf(progress_id, op);
    EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE");
    EXPECT_EQ(StringAt(progress, "processingStateMessage"), message);
  }

  // The agenda-level reset, and what it must not clear.
  void ExpectAgendaProgressReset(const std::string& progress_id) {
    Json progress = ProgressOf(progress_id);
    EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
    EXPECT_EQ(StringAt(progress, "processingStateMessage"), "pending");
    const Json* attempts = progress.Find("attemptsCompleted");
    EXPECT_EQ(attempts != nullptr ? attempts->AsInt() : -1, 1);
    const Json* percent = progress.Find("percentComplete");
    EXPECT_EQ(percent != nullptr ? percent->AsDouble() : -1.0, 75.0);
    const Json* diagnostics = progress.Find("diagnosticEvents");
    EXPECT_EQ(diagnostics != nullptr ? ToJsonText(*diagnostics) : "absent",
              R"([{"message":"boom"}])");
    const Json* completed = progress.Find("completedTime");
    EXPECT_EQ(completed != nullptr ? completed->AsInt() : -1, 1600000009000);
  }

  std::vector<std::string> OperationNamesOf(const std::string& agenda_id) {
    std::vector<std::string> names;
    Json agenda = AgendaOf(agenda_id);
    if (const Json* operations = agenda.is_object() ? agenda.Find("operations") : nullptr) {
      for (const Json& op : operations->AsArray()) names.push_back(StringAt(op, "name"));
    }
    return names;
  }
};

TEST_F(AgendaRerunServiceTest, WithoutModeResetsEveryOperation) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  auto reply = Rerun(acme_, agenda.id);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  ExpectAgendaProgressReset(agenda.progress_id);
  for (const char* op : {"a", "b", "c", "d"}) ExpectOperationReset(agenda.progress_id, op);
}

TEST_F(AgendaRerunServiceTest, ResetAllResetsEveryOperation) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["resetAll"])").status, 200);
  ExpectAgendaProgressReset(agenda.progress_id);
  for (const char* op : {"a", "b", "c", "d"}) ExpectOperationReset(agenda.progress_id, op);
}

TEST_F(AgendaRerunServiceTest, OperationsToResetAlsoResetsTheirDependants) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["operationsToReset=b"])").status, 200);
  ExpectAgendaProgressReset(agenda.progress_id);
  ExpectOperationReset(agenda.progress_id, "b");
  ExpectOperationReset(agenda.progress_id, "d");  // dependsOn b
  ExpectOperationKept(agenda.progress_id, "a", "succeeded");
  ExpectOperationKept(agenda.progress_id, "c", "succeeded");
  EXPECT_EQ(StringAt(OperationProgressOf(agenda.progress_id, "a"), "resultPayload"),
            R"({"v":"x"})");
}

TEST_F(AgendaRerunServiceTest, OperationsToResetRemovesOperationsGeneratedByAResetOne) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  // While it ran, a generated operation g (child of a) was appended and completed.
  auto updated = Service("/resourcepool/service/updateAgenda",
                         R"({"agendaId":")" + agenda.id + R"(","operations":[
                             {"name":"g","type":"sample",
                              "params":{"generatedOperationParent":"a"}}]})",
                         owner_);
  ASSERT_EQ(updated.status, 200) << ToJsonText(updated.body);
  ASSERT_EQ(ReportState(owner_, agenda.progress_id, "COMPLETE", "failed",
                        R"(,"operationProgress":[{"operation":"g","processingState":"COMPLETE",
                            "processingStateMessage":"succeeded"}])")
                .status,
            200);
  ASSERT_EQ(OperationNamesOf(agenda.id), (std::vector<std::string>{"a", "b", "c", "d", "g"}));

  auto reply = Rerun(acme_, agenda.id, R"(["operationsToReset=a"])");
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(OperationNamesOf(agenda.id), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(OperationProgressOf(agenda.progress_id, "g").is_null());
  for (const char* op : {"a", "b", "d"}) ExpectOperationReset(agenda.progress_id, op);
  ExpectOperationKept(agenda.progress_id, "c", "succeeded");
  // The progress lists only the operations that remain.
  Json progress = ProgressOf(agenda.progress_id);
  EXPECT_EQ(progress.Find("operationProgress")->AsArray().size(), 4u);
  // Rerun never changes the agenda's ids or insight.
  Json stored = AgendaOf(agenda.id);
  EXPECT_EQ(StringAt(stored, "progressId"), agenda.progress_id);
  EXPECT_EQ(StringAt(*stored.Find("agendaInsight"), "insightId"), "insight-1");
}

TEST_F(AgendaRerunServiceTest, ResetAllAlsoRemovesGeneratedOperations) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  auto updated = Service("/resourcepool/service/updateAgenda",
                         R"({"agendaId":")" + agenda.id + R"(","operations":[
                             {"name":"g","type":"sample","params":{"generatedOperationParent":"c"}},
                             {"name":"gg","type":"sample","params":{"generatedOperationParent":"g"}}]})",
                         owner_);
  ASSERT_EQ(updated.status, 200) << ToJsonText(updated.body);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);
  EXPECT_EQ(OperationNamesOf(agenda.id), (std::vector<std::string>{"a", "b", "c", "d", "g", "gg"}));
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["resetAll"])").status, 200);
  EXPECT_EQ(OperationNamesOf(agenda.id), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(OperationProgressOf(agenda.progress_id, "g").is_null());
  EXPECT_TRUE(OperationProgressOf(agenda.progress_id, "gg").is_null());
  for (const char* op : {"a", "b", "c", "d"}) ExpectOperationReset(agenda.progress_id, op);
}

TEST_F(AgendaRerunServiceTest, ContinueResetsOnlyTheAgendaState) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);
  ExpectAgendaProgressReset(agenda.progress_id);
  ExpectOperationKept(agenda.progress_id, "a", "succeeded");
  ExpectOperationKept(agenda.progress_id, "b", "failed");
  ExpectOperationKept(agenda.progress_id, "c", "succeeded");
  EXPECT_EQ(StringAt(OperationProgressOf(agenda.progress_id, "d"), "processingState"), "WAITING");
  EXPECT_EQ(ToJsonText(*OperationProgressOf(agenda.progress_id, "b").Find("diagnosticEvents")),
            R"([{"message":"b broke"}])");
}

TEST_F(AgendaRerunServiceTest, RerunMakesTheAgendaClaimableAgain) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  EXPECT_TRUE(ReadyOf(agenda.id).empty());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
  server_.clock().Advance(Duration::Seconds(30));
  const int64_t rerun_at = server_.clock().Now().millis();
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);
  ASSERT_EQ(ReadyOf(agenda.id).size(), 1u);
  EXPECT_EQ(ReadyOf(agenda.id)[0].insight_id, "insight-1");
  EXPECT_EQ(ReadyOf(agenda.id)[0].customer_id, "acme");
  auto reply = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(reply), std::vector<std::string>{agenda.id});
  // params.added is the time it became ready again.
  EXPECT_EQ(ArrayIn(reply)[0].Find("params")->Find("added")->AsInt(), rerun_at);
}

TEST_F(AgendaRerunServiceTest, SkipExecutionResetsButDoesNotSchedule) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["skipExecution"])").status, 200);
  ExpectAgendaProgressReset(agenda.progress_id);
  for (const char* op : {"a", "b", "c", "d"}) ExpectOperationReset(agenda.progress_id, op);
  EXPECT_TRUE(ReadyOf(agenda.id).empty());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
}

TEST_F(AgendaRerunServiceTest, SkipExecutionCombinesWithOperationsToReset) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["operationsToReset=c", "skipExecution", null, ""])").status,
            200);
  ExpectOperationReset(agenda.progress_id, "c");
  ExpectOperationKept(agenda.progress_id, "a", "succeeded");
  EXPECT_TRUE(ReadyOf(agenda.id).empty());
}

TEST_F(AgendaRerunServiceTest, DoNotRunAgendasAreResetButNotScheduled) {
  Submitted agenda = SubmitDag(R"("params":{"doNotRun":false},)");
  EXPECT_TRUE(ReadyOf(agenda.id).empty());
  ASSERT_EQ(ReportState(owner_, agenda.progress_id, "COMPLETE", "failed").status, 200);
  ASSERT_EQ(Rerun(acme_, agenda.id).status, 200);
  EXPECT_EQ(StringAt(ProgressOf(agenda.progress_id), "processingStateMessage"), "pending");
  EXPECT_TRUE(ReadyOf(agenda.id).empty());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
}

TEST_F(AgendaRerunServiceTest, TwoRerunsLeaveOneReadyEntry) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["continue"])").status, 200);
  EXPECT_EQ(ReadyOf(agenda.id).size(), 1u);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), std::vector<std::string>{agenda.id});
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
}

TEST_F(AgendaRerunServiceTest, RerunOfAWaitingAgendaKeepsItsOneReadyEntry) {
  Submitted agenda = SubmitDag();
  ASSERT_EQ(Rerun(acme_, agenda.id).status, 200);
  EXPECT_EQ(ReadyOf(agenda.id).size(), 1u);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 5)), std::vector<std::string>{agenda.id});
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_, 5)).empty());
}

TEST_F(AgendaRerunServiceTest, ValidationErrorsAre422AndChangeNothing) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  const std::string before = server_.Snapshot();
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "agendaId is required on rerun"},
      {"null", "agendaId is required on rerun"},
      {"{}", "agendaId must be specified"},
      {R"({"agendaId":"  "})", "agendaId must be specified"},
      {R"({"agendaId":")" + agenda.id + R"(","params":["operationsToReset="]})",
       "params is invalid - operationsToReset has no operations specified"},
      {R"({"agendaId":")" + agenda.id + R"(","params":["operationsToReset=x,a,y"]})",
       "params is invalid - operationsToReset has the following invalid operation names: x,y"},
      {R"({"agendaId":")" + agenda.id + R"(","params":["operationsToReset=A"]})",
       "params is invalid - operationsToReset has the following invalid operation names: A"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto reply = Service("/agenda/service/rerun", c.body, acme_);
    EXPECT_EQ(reply.status, 422) << ToJsonText(reply.body);
    EXPECT_EQ(ErrorTitle(reply), "ValidationException");
    EXPECT_EQ(reply.ErrorDescription(), c.message);
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRerunServiceTest, UnknownAgendaIs404) {
  const std::string before = server_.Snapshot();
  auto reply = Rerun(acme_, "nope");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(ErrorTitle(reply), "ObjectNotFoundException");
  EXPECT_EQ(reply.ErrorDescription(), "Agenda nope not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRerunServiceTest, MissingProgressIs404) {
  Submitted agenda = SubmitDag();
  ASSERT_EQ(
      server_.Call("DELETE", "/progress/agenda/" + agenda.progress_id, std::nullopt, acme_).status,
      200);
  const std::string before = server_.Snapshot();
  auto reply = Rerun(acme_, agenda.id);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.ErrorDescription(), "AgendaProgress " + agenda.progress_id + " not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRerunServiceTest, ModeNamesAreCaseSensitiveAndUnknownOnesIgnored) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  // "Continue" is not "continue": with no known mode the rerun resets everything.
  ASSERT_EQ(Rerun(acme_, agenda.id, R"(["Continue", "whatever=1"])").status, 200);
  for (const char* op : {"a", "b", "c", "d"}) ExpectOperationReset(agenda.progress_id, op);
}

TEST_F(AgendaRerunServiceTest, OperationNamesAreNotTrimmed) {
  Submitted agenda = SubmitDag();
  const std::string before = server_.Snapshot();
  auto reply = Rerun(acme_, agenda.id, R"(["operationsToReset=a, b"])");
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(reply.ErrorDescription(),
            "params is invalid - operationsToReset has the following invalid operation names:  b");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRerunServiceTest, AnotherTenantsAgendaIs404AndChangesNothing) {
  Submitted agenda = SubmitDag();
  RunToFailure(agenda);
  const std::string before = server_.Snapshot();
  // The pool owner does not own the agenda either: rerun reads it with the Customer filter.
  for (const std::string* token : {&globex_, &owner_}) {
    auto reply = Rerun(*token, agenda.id, R"(["resetAll"])");
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.ErrorDescription(), "Agenda " + agenda.id + " not found");
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRerunServiceTest, ParamsMustBeAList) {
  Submitted agenda = SubmitDag();
  const std::string before = server_.Snapshot();
  auto reply = Service("/agenda/service/rerun",
                       R"({"agendaId":")" + agenda.id + R"(","params":"resetAll"})", acme_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Invalid value for field 'params': expected an array of strings, got a string");
  EXPECT_EQ(server_.Snapshot(), before);
}

}  // namespace
}  // namespace pop::testing
