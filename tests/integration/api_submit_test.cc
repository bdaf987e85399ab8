// Agenda POST (spec §5.7) over real HTTP: the whole submission in one transaction.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiSubmitTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.SetUpPoolFor("acme"); }

  std::vector<ReadyAgenda> ReadyOf(const std::string& agenda_id) {
    std::vector<ReadyAgenda> ready;
    Status status = server_.store().Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(ready, reader.ReadyAgendasOf(agenda_id));
      return Status::Ok();
    });
    POP_CHECK(status.ok());
    return ready;
  }

  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
};

const char kScenarioAgenda[] = R"({"customerId":"acme","linkId":"L1","params":{"maximumAttempts":2},
  "operations":[
    {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
    {"name":"b","type":"sample","payload":{"actions":[{"action":"log","paramsMap":{"logMessage":"@<a.out::/v>"}}],"resultPayload":{}}}]})";

TEST_F(ApiSubmitTest, TheSpecScenarioCreatesAgendaProgressAndReadyEntry) {
  auto reply = server_.Call("POST", "/agenda", kScenarioAgenda, acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  const Json& agenda = reply.All()[0];
  std::string id = agenda.Find("id")->AsString();
  std::string progress_id = agenda.Find("progressId")->AsString();
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(ToJsonText(*agenda.Find("agendaInsight")),
            R"({"resourcePoolId":"rp-1","insightId":"insight-1"})");
  EXPECT_EQ(agenda.Find("cid")->AsString().size(), 36u);  // generated
  EXPECT_EQ(ToJsonText(*agenda.Find("params")), R"({"maximumAttempts":2})");

  auto progress =
      server_.Call("GET", "/progress/agenda/" + progress_id, std::nullopt, acme_).All()[0];
  EXPECT_EQ(progress.Find("processingState")->AsString(), "WAITING");
  EXPECT_EQ(progress.Find("processingStateMessage"), nullptr);
  EXPECT_EQ(progress.Find("maximumAttempts")->AsInt(), 2);
  EXPECT_EQ(progress.Find("agendaId")->AsString(), id);
  EXPECT_EQ(progress.Find("linkId")->AsString(), "L1");
  const JsonArray& ops = progress.Find("operationProgress")->AsArray();
  ASSERT_EQ(ops.size(), 2u);
  std::vector<std::string> op_ids;
  for (const Json& op : ops) {
    op_ids.push_back(op.Find("id")->AsString());
    EXPECT_EQ(op.Find("processingState")->AsString(), "WAITING");
    EXPECT_EQ(op.Find("percentComplete")->AsDouble(), 0.0);
    EXPECT_EQ(op.Find("attemptCount")->AsInt(), 0);
  }
  std::sort(op_ids.begin(), op_ids.end());
  EXPECT_EQ(op_ids, (std::vector<std::string>{progress_id + "-a", progress_id + "-b"}));

  auto ready = ReadyOf(id);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].insight_id, "insight-1");
  EXPECT_EQ(ready[0].customer_id, "acme");
}

TEST_F(ApiSubmitTest, ClientIdIsDiscardedAndParamsDefaultToEmpty) {
  auto reply = server_.Call("POST", "/agenda", AgendaJson("acme", "", R"("id":"mine",)"), acme_);
  EXPECT_NE(reply.All()[0].Find("id")->AsString(), "mine");
  EXPECT_EQ(ToJsonText(*reply.All()[0].Find("params")), "{}");
}

TEST_F(ApiSubmitTest, ExternalIdAndDefaultAttemptsAreCopiedToProgress) {
  auto reply = server_.Call("POST", "/agenda",
                            AgendaJson("acme", "", R"("params":{"externalId":7},)"), acme_);
  auto progress =
      server_
          .Call("GET", "/progress/agenda/" + reply.All()[0].Find("progressId")->AsString(),
                std::nullopt, acme_)
          .All()[0];
  EXPECT_EQ(progress.Find("externalId")->AsString(), "7");
  EXPECT_EQ(progress.Find("maximumAttempts")->AsInt(), 3);
}

TEST_F(ApiSubmitTest, AnOperationTypeThePoolDoesNotRunIsRefusedNamingOperationAndType) {
  auto announced = server_.Call("PUT", "/resourcepool/rp-1", R"({"handlerTypes":["sample"]})",
                                server_.admin_token());
  ASSERT_EQ(announced.status, 200) << ToJsonText(announced.body);
  const std::string before = server_.Snapshot();

  auto reply = server_.Call(
      "POST", "/agenda",
      AgendaJson("acme", R"([{"name":"a","type":"sample"},{"name":"b","type":"sampel"}])"), acme_);

  EXPECT_EQ(reply.status, 422) << ToJsonText(reply.body);
  EXPECT_NE(ToJsonText(reply.body)
                .find("Operation 'b' has type 'sampel' that no handler of "
                      "resource pool 'rp-1' runs (did you mean 'sample'?)"),
            std::string::npos)
      << ToJsonText(reply.body);
  EXPECT_EQ(server_.Snapshot(), before);  // nothing written
}

TEST_F(ApiSubmitTest, AnAgendaNoInsightMapsIsRefusedForItsUnknownTypeFirst) {
  ASSERT_EQ(server_
                .Call("PUT", "/resourcepool/rp-1", R"({"handlerTypes":["sample"]})",
                      server_.admin_token())
                .status,
            200);
  // No insight maps type "ech", but the pool announces what it runs: the type is the mistake.
  auto reply =
      server_.Call("POST", "/agenda", AgendaJson("acme", R"([{"name":"a","type":"ech"}])"), acme_);
  EXPECT_EQ(reply.status, 422) << ToJsonText(reply.body);
  EXPECT_NE(ToJsonText(reply.body).find("Operation 'a' has type 'ech'"), std::string::npos);
}

TEST_F(ApiSubmitTest, APoolThatAnnouncesNoTypesChecksNone) {
  // A fresh pool (no handlerTypes): the types are not known yet, so none is refused; an agenda
  // no insight maps is still "No available insights".
  auto mapped = server_.Call(
      "POST", "/agenda",
      AgendaJson("acme", R"([{"name":"a","type":"sample"},{"name":"b","type":"other"}])"), acme_);
  EXPECT_EQ(mapped.status, 200) << ToJsonText(mapped.body);
  auto unmapped = server_.Call("POST", "/agenda",
                               AgendaJson("acme", R"([{"name":"a","type":"other"}])"), acme_);
  EXPECT_EQ(unmapped.status, 404) << ToJsonText(unmapped.body);
}

TEST_F(ApiSubmitTest, DoNotRunIsAPresenceCheck) {
  for (const char* value : {"true", "false", "null"}) {
    auto reply = server_.Call(
        "POST", "/agenda",
        AgendaJson("acme", "", std::string(R"("params":{"doNotRun":)") + value + "},"), acme_);
    ASSERT_EQ(reply.status, 200);
    EXPECT_TRUE(ReadyOf(reply.All()[0].Find("id")->AsString()).empty()) << value;
  }
}

TEST_F(ApiSubmitTest, ValidationFailuresAre422WithTheSpecMessageAndStoreNothing) {
  std::string before = server_.Snapshot();
  struct Case {
    std::string body;
    std::string message;
  };
  std::vector<Case> cases = {
      {R"({"operations":[{"name":"a","type":"sample"}]})",
       "The customerId field must be specified."},
      {R"({"customerId":"acme","operations":[]})", "No operations specified in Agenda."},
      {AgendaJson("acme", R"([{"type":"sample"}])"), "Operations must have names."},
      {AgendaJson("acme", R"([{"name":"x","type":"sample"},{"name":"X","type":"sample"}])"),
       "Operation names must be unique."},
      {AgendaJson("acme", R"([{"name":"x","type":"sample","payload":"@<y.out>"}])"),
       "Validation Issues detected: Invalid references found in operation [x] payload: @<y.out>"},
      {AgendaJson("acme", R"([{"name":"x","type":"sample","payload":"@<x.out>"}])"),
       "Validation Issues detected: There is a circular reference involving the operation: x"},
      {AgendaJson("nobody"), "Customer not found for customerId nobody"},
  };
  auto admin = server_.admin_token();
  for (const Case& c : cases) {
    auto reply = server_.Call("POST", "/agenda", c.body, admin);
    EXPECT_EQ(reply.status, 422) << c.body;
    EXPECT_EQ(reply.ErrorDescription(), c.message);
    EXPECT_EQ(reply.body.Find("errorResponse")->Find("title")->AsString(), "ValidationException");
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiSubmitTest, NoMatchingInsightIs404AndStoresNothing) {
  std::string before = server_.Snapshot();
  auto reply = server_.Call("POST", "/agenda",
                            AgendaJson("acme", R"([{"name":"a","type":"encode"}])"), acme_);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.ErrorDescription(),
            "No available insights for processing agenda: no insight of resource pool rp-1 that "
            "customer acme may use maps this agenda (its operation types: encode)");
  server_.Call("POST", "/customer", R"({"id":"poolless","customerId":"poolless","title":"P"})",
               server_.admin_token());
  auto poolless = server_.Call("POST", "/agenda", AgendaJson("poolless"), server_.admin_token());
  EXPECT_EQ(poolless.status, 404);
  EXPECT_EQ(poolless.ErrorDescription(),
            "No available insights for processing agenda: customer poolless has no "
            "resourcePoolId");
  server_.Call("DELETE", "/customer/poolless", std::nullopt, server_.admin_token());
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiSubmitTest, InsightsInvisibleToTheCustomerAreNotCandidates) {
  server_.Call("PUT", "/insight/insight-1", R"({"isGlobal":false})", server_.admin_token());
  EXPECT_EQ(server_.Call("POST", "/agenda", AgendaJson("acme"), acme_).status, 404);
  server_.Call("PUT", "/insight/insight-1", R"({"allowedCustomerIds":["Acme"]})",
               server_.admin_token());
  EXPECT_EQ(server_.Call("POST", "/agenda", AgendaJson("acme"), acme_).status, 200);
}

TEST_F(ApiSubmitTest, RepeatedIdempotencyKeyReturnsTheFirstAgenda) {
  auto first =
      server_.Call("POST", "/agenda", AgendaJson("acme"), acme_, {{"Idempotency-Key", "k1"}});
  auto second =
      server_.Call("POST", "/agenda", AgendaJson("acme"), acme_, {{"Idempotency-Key", "k1"}});
  auto other =
      server_.Call("POST", "/agenda", AgendaJson("acme"), acme_, {{"Idempotency-Key", "k2"}});
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.All()[0].Find("id")->AsString(), first.All()[0].Find("id")->AsString());
  EXPECT_NE(other.All()[0].Find("id")->AsString(), first.All()[0].Find("id")->AsString());
  EXPECT_EQ(
      server_.Call("GET", "/agenda?bycount=true", std::nullopt, acme_).body.Find("count")->AsInt(),
      2);
}

TEST_F(ApiSubmitTest, ConcurrentSubmissionsWithOneKeyCreateOneAgenda) {
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto reply =
          server_.Call("POST", "/agenda", AgendaJson("acme"), acme_, {{"Idempotency-Key", "same"}});
      ids[i] = reply.All()[0].Find("id")->AsString();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(
      server_.Call("GET", "/agenda?bycount=true", std::nullopt, acme_).body.Find("count")->AsInt(),
      1);
}

TEST_F(ApiSubmitTest, ClientSuppliedProgressIdReattachesExistingProgress) {
  auto first = server_.Call("POST", "/agenda", AgendaJson("acme"), acme_);
  std::string progress_id = first.All()[0].Find("progressId")->AsString();
  auto second =
      server_.Call("POST", "/agenda",
                   AgendaJson("acme", "", R"("progressId":")" + progress_id + R"(",)"), acme_);
  ASSERT_EQ(second.status, 200) << ToJsonText(second.body);
  std::string second_id = second.All()[0].Find("id")->AsString();
  auto progress =
      server_.Call("GET", "/progress/agenda/" + progress_id, std::nullopt, acme_).All()[0];
  EXPECT_EQ(progress.Find("agendaId")->AsString(), second_id);
  auto missing =
      server_.Call("POST", "/agenda", AgendaJson("acme", "", R"("progressId":"nope",)"), acme_);
  EXPECT_EQ(missing.status, 404);
}

TEST_F(ApiSubmitTest, DeletingAnAgendaRemovesItsReadyEntryButKeepsProgress) {
  auto reply = server_.Call("POST", "/agenda", AgendaJson("acme"), acme_);
  std::string id = reply.All()[0].Find("id")->AsString();
  ASSERT_EQ(ReadyOf(id).size(), 1u);
  server_.Call("DELETE", "/agenda/" + id, std::nullopt, acme_);
  EXPECT_TRUE(ReadyOf(id).empty());
  EXPECT_EQ(server_
                .Call("GET", "/progress/agenda/" + reply.All()[0].Find("progressId")->AsString(),
                      std::nullopt, acme_)
                .All()
                .size(),
            1u);
}

TEST_F(ApiSubmitTest, AgendaPutReplacesOperationsWithoutTouchingProgress) {
  auto reply = server_.Call("POST", "/agenda", AgendaJson("acme"), acme_);
  std::string id = reply.All()[0].Find("id")->AsString();
  auto put =
      server_.Call("PUT", "/agenda/" + id, R"({"operations":[{"name":"z","type":"t"}]})", acme_);
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(put.All()[0].Find("operations")->AsArray().size(), 1u);
  EXPECT_EQ(ReadyOf(id).size(), 1u);
}

}  // namespace
}  // namespace pop::testing
