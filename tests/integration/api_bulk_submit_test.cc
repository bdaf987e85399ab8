// Bulk submission over real HTTP: an Agenda POST of a JSON array stores every element in one
// transaction or none, answers them in request order, names the first bad element, and its
// Idempotency-Key covers the whole batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// `count` agendas of `customer`, element i with linkId "L<i>".
std::string Batch(const std::string& customer, size_t count) {
  std::string body = "[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ",";
    body += AgendaJson(customer, "", R"("linkId":"L)" + std::to_string(i) + R"(",)");
  }
  return body + "]";
}

// The batch of Batch(customer, count) with element `bad` replaced by `element`.
std::string BatchWith(const std::string& customer, size_t count, size_t bad,
                      const std::string& element) {
  std::string body = "[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ",";
    body += i == bad ? element : AgendaJson(customer);
  }
  return body + "]";
}

std::string Message(const ApiReply& reply) { return ToJsonText(reply.body); }

class ApiBulkSubmitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetUpPoolFor("acme");
    server_.SetUpPoolFor("beta");
  }

  int64_t AgendaCount(const std::string& token) {
    return server_.Call("GET", "/agenda?bycount=true", std::nullopt, token)
        .body.Find("count")
        ->AsInt();
  }

  size_t ReadyCount() {
    size_t count = 0;
    Status status = server_.store().Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(auto ready, reader.ListReadyAgendas());
      count = ready.size();
      return Status::Ok();
    });
    POP_CHECK(status.ok());
    return count;
  }

  ApiServer server_{ApiServerOptions{.max_batch = 50}};
  std::string acme_ = server_.TokenFor({"acme"});
  std::string both_ = server_.TokenFor({"acme", "beta"});
};

TEST_F(ApiBulkSubmitTest, AnArrayStoresEveryAgendaAndAnswersThemInRequestOrder) {
  auto reply = server_.Call("POST", "/agenda", Batch("acme", 20), acme_);

  ASSERT_EQ(reply.status, 200) << Message(reply);
  ASSERT_EQ(reply.All().size(), 20u);
  EXPECT_EQ(reply.body.Find("count")->AsInt(), 20);
  for (size_t i = 0; i < 20; ++i) {
    const Json& agenda = reply.All()[i];
    EXPECT_EQ(agenda.Find("linkId")->AsString(), "L" + std::to_string(i));
    EXPECT_EQ(agenda.Find("id")->AsString().size(), 36u);
    EXPECT_EQ(ToJsonText(*agenda.Find("agendaInsight")),
              R"({"resourcePoolId":"rp-1","insightId":"insight-1"})");
    auto progress = server_.Call("GET", "/progress/agenda/" + agenda.Find("progressId")->AsString(),
                                 std::nullopt, acme_);
    ASSERT_EQ(progress.All().size(), 1u);
    EXPECT_EQ(progress.All()[0].Find("processingState")->AsString(), "WAITING");
  }
  EXPECT_EQ(AgendaCount(acme_), 20);
  EXPECT_EQ(ReadyCount(), 20u);
}

TEST_F(ApiBulkSubmitTest, AnInvalidElementRefusesTheBatchNamingItsIndexAndStoresNothing) {
  const std::string before = server_.Snapshot();

  auto reply =
      server_.Call("POST", "/agenda",
                   BatchWith("acme", 5, 3, R"({"customerId":"acme","operations":[]})"), acme_);

  EXPECT_EQ(reply.status, 422) << Message(reply);
  EXPECT_NE(Message(reply).find("[3]: No operations specified in Agenda."), std::string::npos)
      << Message(reply);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiBulkSubmitTest, AFieldOfTheWrongTypeIsNamedUnderItsElement) {
  const std::string before = server_.Snapshot();

  auto reply = server_.Call(
      "POST", "/agenda",
      BatchWith("acme", 4, 2,
                AgendaJson("acme", R"([{"name":"a","type":"sample"},{"name":["b"]}])")),
      acme_);

  EXPECT_EQ(reply.status, 400) << Message(reply);
  EXPECT_NE(Message(reply).find("'[2].operations[1].name': expected a string, got an array"),
            std::string::npos)
      << Message(reply);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiBulkSubmitTest, AnUnknownFieldIsNamedUnderItsElement) {
  auto reply = server_.Call(
      "POST", "/agenda",
      BatchWith("acme", 3, 1, AgendaJson("acme", R"([{"name":"a","type":"sample","paylod":{}}])")),
      acme_);

  EXPECT_EQ(reply.status, 400) << Message(reply);
  EXPECT_NE(Message(reply).find("Unknown field '[1].operations[0].paylod'"), std::string::npos)
      << Message(reply);
}

TEST_F(ApiBulkSubmitTest, AnElementThatFailsInTheTransactionLeavesTheEarlierOnesUnstored) {
  // Element 4's customer has no pool: found only once the transaction has stored elements 0-3.
  const std::string before = server_.Snapshot();

  auto reply = server_.Call("POST", "/agenda", BatchWith("acme", 6, 4, AgendaJson("nobody")),
                            server_.admin_token());

  EXPECT_EQ(reply.status, 422) << Message(reply);
  EXPECT_NE(Message(reply).find("[4]: Customer not found for customerId nobody"), std::string::npos)
      << Message(reply);
  EXPECT_EQ(server_.Snapshot(), before);
  EXPECT_EQ(ReadyCount(), 0u);
}

TEST_F(ApiBulkSubmitTest, MoreAgendasThanMaxBatchAnswer413AndAnEmptyArray422) {
  const std::string before = server_.Snapshot();

  auto too_many = server_.Call("POST", "/agenda", Batch("acme", 51), acme_);
  auto empty = server_.Call("POST", "/agenda", "[]", acme_);

  EXPECT_EQ(too_many.status, 413) << Message(too_many);
  EXPECT_NE(Message(too_many).find("at most 50 agendas (--max-batch); this array holds 51"),
            std::string::npos)
      << Message(too_many);
  EXPECT_EQ(empty.status, 422) << Message(empty);
  EXPECT_EQ(server_.Snapshot(), before);
  EXPECT_EQ(server_.Call("POST", "/agenda", Batch("acme", 50), acme_).status, 200);
}

TEST_F(ApiBulkSubmitTest, ABatchMixingCustomersNeedsPermissionForEach) {
  const std::string mixed = "[" + AgendaJson("acme") + "," + AgendaJson("beta") + "]";
  const std::string before = server_.Snapshot();

  auto refused = server_.Call("POST", "/agenda", mixed, acme_);

  EXPECT_EQ(refused.status, 403) << Message(refused);
  EXPECT_NE(Message(refused).find("[1]: You do not have permission to perform this action for "
                                  "customerId beta"),
            std::string::npos)
      << Message(refused);
  EXPECT_EQ(server_.Snapshot(), before);

  auto accepted = server_.Call("POST", "/agenda", mixed, both_);
  ASSERT_EQ(accepted.status, 200) << Message(accepted);
  EXPECT_EQ(accepted.All()[0].Find("customerId")->AsString(), "acme");
  EXPECT_EQ(accepted.All()[1].Find("customerId")->AsString(), "beta");
}

TEST_F(ApiBulkSubmitTest, TheSameBatchWithTheSameKeyAnswersTheFirstEnvelope) {
  auto first =
      server_.Call("POST", "/agenda", Batch("acme", 3), acme_, {{"Idempotency-Key", "b1"}});
  auto again =
      server_.Call("POST", "/agenda", Batch("acme", 3), acme_, {{"Idempotency-Key", "b1"}});

  ASSERT_EQ(first.status, 200) << Message(first);
  ASSERT_EQ(again.status, 200) << Message(again);
  EXPECT_EQ(ToJsonText(Json(again.All())), ToJsonText(Json(first.All())));
  EXPECT_EQ(AgendaCount(acme_), 3);
}

TEST_F(ApiBulkSubmitTest, TheSameKeyWithAnotherBodyIsAConflictThatStoresNothing) {
  ASSERT_EQ(
      server_.Call("POST", "/agenda", Batch("acme", 3), acme_, {{"Idempotency-Key", "b1"}}).status,
      200);
  const std::string before = server_.Snapshot();

  auto shorter =
      server_.Call("POST", "/agenda", Batch("acme", 2), acme_, {{"Idempotency-Key", "b1"}});
  auto longer =
      server_.Call("POST", "/agenda", Batch("acme", 4), acme_, {{"Idempotency-Key", "b1"}});
  auto changed = server_.Call("POST", "/agenda", BatchWith("acme", 3, 1, AgendaJson("acme")), acme_,
                              {{"Idempotency-Key", "b1"}});
  auto single = server_.Call("POST", "/agenda", AgendaJson("acme", "", R"("linkId":"L0",)"), acme_,
                             {{"Idempotency-Key", "b1"}});

  for (const ApiReply* reply : {&shorter, &longer, &changed, &single}) {
    EXPECT_EQ(reply->status, 409) << Message(*reply);
    EXPECT_NE(Message(*reply).find("Idempotency-Key 'b1' of customer acme was first used with a "
                                   "different agenda or batch"),
              std::string::npos)
        << Message(*reply);
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiBulkSubmitTest, ABatchOfOneIsTheSameSubmissionAsTheSingleAgenda) {
  auto single =
      server_.Call("POST", "/agenda", AgendaJson("acme"), acme_, {{"Idempotency-Key", "k"}});
  auto batch = server_.Call("POST", "/agenda", "[" + AgendaJson("acme") + "]", acme_,
                            {{"Idempotency-Key", "k"}});

  ASSERT_EQ(single.status, 200) << Message(single);
  ASSERT_EQ(batch.status, 200) << Message(batch);
  EXPECT_EQ(batch.All()[0].Find("id")->AsString(), single.All()[0].Find("id")->AsString());
  EXPECT_EQ(AgendaCount(acme_), 1);
}

TEST_F(ApiBulkSubmitTest, TheSchedulerQueuesTheWholeBatchInRequestOrder) {
  auto reply = server_.Call("POST", "/agenda", Batch("acme", 4), acme_);
  ASSERT_EQ(reply.status, 200) << Message(reply);

  std::vector<std::string> claimed;
  for (int i = 0; i < 4; ++i) {
    auto ids = AgendaIdsIn(
        server_.Call("POST", "/resourcepool/service/getAgenda",
                     R"({"insightId":"insight-1","count":1,"waitSeconds":0,"pullerId":"p1"})",
                     server_.admin_token()));
    claimed.insert(claimed.end(), ids.begin(), ids.end());
  }

  std::vector<std::string> submitted;
  for (const Json& agenda : reply.All()) submitted.push_back(agenda.Find("id")->AsString());
  EXPECT_EQ(claimed, submitted);  // FirstInFirstOut: the batch's order
}

TEST_F(ApiBulkSubmitTest, AnArrayIsAcceptedOnlyForAgendas) {
  auto reply = server_.Call("POST", "/customer", R"([{"id":"c1"}])", server_.admin_token());

  EXPECT_EQ(reply.status, 400) << Message(reply);
}

}  // namespace
}  // namespace pop::testing
