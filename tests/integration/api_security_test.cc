// The tenancy holes of the security review, each closed at its root and tested over real HTTP
// (docs/security.md): reports only from the pool that may claim, insights and customers pointed
// only at pools one owns, ids that cannot collide across tenants, and answers that never tell
// whether another tenant's object exists.
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class SecurityTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Json agenda = SubmitFor("acme");
    acme_agenda_ = StringAt(agenda, "id");
    acme_progress_ = StringAt(agenda, "progressId");
  }

  std::string acme_agenda_;
  std::string acme_progress_;
};

// Class 2: the Resource Pool services are for the pool that holds the claim.

TEST_F(SecurityTest, CrossTenantProgressReportIsRefusedAndChangesNothing) {
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{acme_agenda_});
  const std::string before = server_.Snapshot();
  // globex can read the global insight, which used to be enough to report.
  auto forged = ReportState(globex_, acme_progress_, "COMPLETE", "failed");
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(forged.ErrorDescription(),
            "The AgendaProgress specified was not found or is not visible: " + acme_progress_);
  // Exactly what an absent progress answers.
  auto absent = ReportState(globex_, "no-such-progress", "COMPLETE", "failed");
  EXPECT_EQ(absent.status, 400);
  EXPECT_EQ(absent.ErrorDescription(),
            "The AgendaProgress specified was not found or is not visible: no-such-progress");
  // The agenda's own customer does not hold the claim either.
  EXPECT_EQ(ReportState(acme_, acme_progress_, "COMPLETE", "failed").status, 400);
  EXPECT_EQ(server_.Snapshot(), before);
  // The pool owner that claimed it reports.
  EXPECT_EQ(ReportState(owner_, acme_progress_, "EXECUTING").status, 200);
}

TEST_F(SecurityTest, CrossTenantUpdateAgendaCannotInjectOperationsOrReadThePayload) {
  const std::string before = server_.Snapshot();
  auto injected = Service(
      "/resourcepool/service/updateAgenda",
      R"({"agendaId":")" + acme_agenda_ + R"(","operations":[{"name":"evil","type":"sample"}]})",
      globex_);
  EXPECT_EQ(injected.status, 404);
  EXPECT_EQ(injected.ErrorDescription(), "Agenda " + acme_agenda_ + " not found");
  EXPECT_EQ(injected.body.Find("agenda"), nullptr);
  auto absent =
      Service("/resourcepool/service/updateAgenda",
              R"({"agendaId":"nope","operations":[{"name":"evil","type":"sample"}]})", globex_);
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(absent.ErrorDescription(), "Agenda nope not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityTest, CrossTenantOperationLogAppendIsRefused) {
  const std::string op_id = acme_progress_ + "-a";
  auto appended = Service("/resourcepool/service/appendOperationLog",
                          R"({"logs":{")" + op_id + R"(":"forged\n"}})", globex_);
  EXPECT_EQ(appended.status, 400);
  std::optional<OperationLog> log;
  ASSERT_TRUE(server_.store()
                  .Read([&](StoreReader& reader) -> Status {
                    POP_ASSIGN_OR_RETURN(log, reader.GetOperationLog(op_id));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(log.has_value());
}

TEST_F(SecurityTest, ReportMustComeFromTheClaimsHolder) {
  auto claimed = GetAgenda(owner_, 1, 0, "insight-1", R"(,"pullerId":"puller-1")");
  ASSERT_EQ(AgendaIdsIn(claimed), std::vector<std::string>{acme_agenda_});
  const std::string other_owner_token = server_.TokenFor({"pool-owner"});
  // Same pool, another token, no puller id: not the claim's holder.
  auto reply = ReportState(other_owner_token, acme_progress_, "EXECUTING");
  EXPECT_EQ(reply.status, 409) << ToJsonText(reply.body);
  // The claiming token itself, but without the puller id it claimed with.
  EXPECT_EQ(ReportState(owner_, acme_progress_, "EXECUTING").status, 409);
  auto right = Service("/resourcepool/service/updateAgendaProgress",
                       R"({"pullerId":"puller-1","agendaProgress":{"id":")" + acme_progress_ +
                           R"(","processingState":"EXECUTING"}})",
                       other_owner_token);
  EXPECT_EQ(right.status, 200) << ToJsonText(right.body);
}

// Class 3: work capture through insights and customers pointed at another's pool.

TEST_F(SecurityTest, CustomerCannotCreateAnInsightInAPoolItDoesNotOwn) {
  const std::string before = server_.Snapshot();
  auto captured = server_.Call("POST", "/insight",
                               R"({"id":"trap","customerId":"globex","title":"trap",
                                   "resourcePoolId":"rp-1","queueSize":10,"isGlobal":true,
                                   "mappers":{"operationType":["sample"]}})",
                               globex_);
  EXPECT_EQ(captured.status, 422);
  EXPECT_EQ(captured.ErrorDescription(),
            "Issues detected: The resourcePoolId field names a ResourcePool that was not found or "
            "that you do not own: rp-1");
  // A pool that does not exist answers the same.
  auto absent =
      server_.Call("POST", "/insight",
                   R"({"customerId":"globex","title":"t","resourcePoolId":"rp-none"})", globex_);
  EXPECT_EQ(absent.status, 422);
  EXPECT_EQ(absent.ErrorDescription(),
            "Issues detected: The resourcePoolId field names a ResourcePool that was not found or "
            "that you do not own: rp-none");
  auto global = server_.Call("POST", "/insight",
                             R"({"customerId":"globex","title":"t","isGlobal":true})", globex_);
  EXPECT_EQ(global.status, 422);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityTest, CustomerCannotMoveItsInsightOrItselfIntoAnotherPool) {
  ASSERT_EQ(server_
                .Call("POST", "/resourcepool", R"({"id":"rp-g","customerId":"globex","title":"g"})",
                      globex_)
                .status,
            200);
  auto own = server_.Call("POST", "/insight",
                          R"({"id":"ins-g","customerId":"globex","title":"g",
                              "resourcePoolId":"rp-g","isGlobal":true,
                              "mappers":{"operationType":["sample"]}})",
                          globex_);
  ASSERT_EQ(own.status, 200) << ToJsonText(own.body);
  const std::string before = server_.Snapshot();
  EXPECT_EQ(server_.Call("PUT", "/insight/ins-g", R"({"resourcePoolId":"rp-1"})", globex_).status,
            422);
  // Pointing a customer at a pool, or moving it, is the pool owners' (ApiCustomerWeightTest).
  EXPECT_EQ(server_
                .Call("POST", "/customer",
                      R"({"id":"globex-2","customerId":"globex","title":"g",
                          "resourcePoolId":"rp-1"})",
                      globex_)
                .status,
            403);
  EXPECT_EQ(server_.Call("PUT", "/customer/globex", R"({"resourcePoolId":"rp-g"})", globex_).status,
            403);
  EXPECT_EQ(server_.Snapshot(), before);
  // The pool owner may put insights in its pool.
  EXPECT_EQ(server_
                .Call("POST", "/insight",
                      R"({"customerId":"pool-owner","title":"p","resourcePoolId":"rp-1"})", owner_)
                .status,
            200);
}

// Class 4: derived ids never merge into another tenant's record.

TEST_F(SecurityTest, OperationProgressIdsDoNotCollideAcrossTenants) {
  Json victim = Submit(AgendaJson("globex", R"([{"name":"x-y","type":"sample"}])"), globex_);
  const std::string victim_progress = StringAt(victim, "progressId");
  const std::string victim_op = victim_progress + "-x-y";
  const Json victim_record = Read("/progress/operation/" + victim_op);
  ASSERT_EQ(StringAt(victim_record, "customerId"), "globex");
  // acme makes a progress whose derived op id is the victim's: "<victim>-x" + "-" + "y".
  ASSERT_EQ(server_
                .Call("POST", "/progress/agenda",
                      R"({"id":")" + victim_progress + R"(-x","customerId":"acme"})", acme_)
                .status,
            200);
  Json attack = Submit(AgendaJson("acme", R"([{"name":"y","type":"sample"}])",
                                  R"("progressId":")" + victim_progress + R"(-x",)"),
                       acme_);
  ASSERT_FALSE(attack.is_null());
  EXPECT_EQ(ToJsonText(Read("/progress/operation/" + victim_op)), ToJsonText(victim_record));
  auto stolen = server_.Call("GET", "/progress/operation/" + victim_op, std::nullopt, acme_);
  EXPECT_TRUE(stolen.All().empty());
  // acme's own record exists under a distinct id.
  auto mine =
      server_.Call("GET", "/progress/operation?byagendaProgressId=" + victim_progress + "-x",
                   std::nullopt, acme_);
  ASSERT_EQ(mine.All().size(), 1U);
  EXPECT_EQ(StringAt(mine.All()[0], "id"), victim_op + "~2");
  EXPECT_EQ(StringAt(mine.All()[0], "operation"), "y");
  // Later reports on acme's operation find its own record, never the victim's.
  auto put =
      server_.Call("PUT", "/progress/agenda/" + victim_progress + "-x",
                   R"({"operationProgress":[{"operation":"y","percentComplete":50.0}]})", acme_);
  ASSERT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(Read("/progress/operation/" + victim_op + "~2").Find("percentComplete")->AsDouble(),
            50.0);
  EXPECT_EQ(ToJsonText(Read("/progress/operation/" + victim_op)), ToJsonText(victim_record));
}

TEST_F(SecurityTest, ProgressPutWithAForeignOperationIdDoesNotTouchIt) {
  Json victim = SubmitFor("globex");
  const std::string victim_op = StringAt(victim, "progressId") + "-a";
  const Json victim_record = Read("/progress/operation/" + victim_op);
  auto put = server_.Call("PUT", "/progress/agenda/" + acme_progress_,
                          R"({"operationProgress":[{"id":")" + victim_op +
                              R"(","operation":"a","percentComplete":99.0}]})",
                          acme_);
  ASSERT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(ToJsonText(Read("/progress/operation/" + victim_op)), ToJsonText(victim_record));
  EXPECT_EQ(OperationProgressOf(acme_progress_, "a").Find("percentComplete")->AsDouble(), 99.0);
}

// Class 6: invisible looks exactly like absent.

TEST_F(SecurityTest, WritesToAnInvisibleObjectAnswerAsForAnAbsentOne) {
  const std::string before = server_.Snapshot();
  auto put = server_.Call("PUT", "/agenda/" + acme_agenda_, R"({"title":"x"})", globex_);
  auto put_absent = server_.Call("PUT", "/agenda/no-such-agenda", R"({"title":"x"})", globex_);
  EXPECT_EQ(put.status, 404);
  EXPECT_EQ(put_absent.status, 404);
  EXPECT_EQ(put.ErrorDescription(), "Unable to get object by id " + acme_agenda_);
  auto del = server_.Call("DELETE", "/agenda/" + acme_agenda_, std::nullopt, globex_);
  auto del_absent = server_.Call("DELETE", "/agenda/no-such-agenda", std::nullopt, globex_);
  EXPECT_EQ(del.status, del_absent.status);
  EXPECT_EQ(del.body.Find("count")->AsInt(), 0);
  // A POST onto a taken id says only that the id is taken, not by whom.
  auto post = server_.Call("POST", "/customer",
                           R"({"id":"acme","customerId":"globex","title":"x"})", globex_);
  EXPECT_EQ(post.status, 409);
  EXPECT_EQ(post.ErrorDescription().find("acme can"), std::string::npos);
  EXPECT_EQ(post.ErrorDescription(), "The id acme is already in use; choose another id or omit it");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityTest, SubmittingForAForeignCustomerTellsNothingOfIt) {
  AddCustomer("no-pool-co");
  ASSERT_EQ(
      server_.Call("PUT", "/customer/no-pool-co", R"({"resourcePoolId":null})", admin_).status,
      200);
  const std::string before = server_.Snapshot();
  std::vector<std::string> answers;
  for (const char* customer : {"acme", "no-pool-co", "nobody-at-all"}) {
    auto reply = server_.Call("POST", "/agenda", AgendaJson(customer), globex_);
    EXPECT_EQ(reply.status, 403) << customer;
    std::string description = reply.ErrorDescription();
    answers.push_back(description.substr(0, description.rfind(' ')));
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(answers[1], answers[2]);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityTest, WhyDoesNotCountOtherTenantsAgendas) {
  Json globex_agenda = SubmitFor("globex");
  const std::string id = StringAt(globex_agenda, "id");
  auto tenant = Why(id, globex_);
  ASSERT_EQ(tenant.status, 200) << ToJsonText(tenant.body);
  EXPECT_EQ(tenant.body.Find("position"), nullptr);
  EXPECT_EQ(tenant.body.Find("queued"), nullptr);
  EXPECT_EQ(tenant.body.Find("waiting"), nullptr);
  EXPECT_EQ(StringAt(tenant.body, "reason").find("ahead"), std::string::npos);
  auto admin = Why(id, admin_);
  ASSERT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body.Find("position")->AsInt(), 1);  // acme's agenda is ahead of it
}

TEST_F(SecurityTest, PoolInsightIdsListOnlyInsightsTheCallerMaySee) {
  ASSERT_EQ(
      server_
          .Call("POST", "/resourcepool", R"({"id":"rp-2","customerId":"acme","title":"a"})", admin_)
          .status,
      200);
  ASSERT_EQ(server_
                .Call("POST", "/insight",
                      R"({"id":"private","customerId":"pool-owner","title":"p",
                          "resourcePoolId":"rp-1"})",
                      owner_)
                .status,
            200);
  auto as_acme = server_.Call("GET", "/resourcepool/rp-1", std::nullopt, admin_);
  ASSERT_EQ(as_acme.All().size(), 1U);
  EXPECT_NE(ToJsonText(as_acme.All()[0]).find("private"), std::string::npos);
  // acme reads its own pool rp-2 (its owner) but cannot see rp-1 at all; the pool owner sees
  // every insight of rp-1, a tenant's view of a pool lists only what it could read itself.
  auto owner_view = server_.Call("GET", "/resourcepool/rp-1", std::nullopt, owner_);
  ASSERT_EQ(owner_view.All().size(), 1U);
  EXPECT_NE(ToJsonText(owner_view.All()[0]).find("private"), std::string::npos);
  ASSERT_EQ(server_.Call("PUT", "/resourcepool/rp-2", R"({"customerId":"acme"})", admin_).status,
            200);
  ASSERT_EQ(server_
                .Call("POST", "/insight",
                      R"({"id":"other-in-rp2","customerId":"pool-owner","title":"o",
                          "resourcePoolId":"rp-2"})",
                      admin_)
                .status,
            200);
  auto acme_view = server_.Call("GET", "/resourcepool/rp-2", std::nullopt, acme_);
  ASSERT_EQ(acme_view.All().size(), 1U);
  EXPECT_EQ(ToJsonText(acme_view.All()[0]).find("other-in-rp2"), std::string::npos);
}

}  // namespace
}  // namespace pop::testing
