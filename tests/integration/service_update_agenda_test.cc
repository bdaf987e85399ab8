// POST /pop/resourcepool/service/updateAgenda (spec §10.3) and createAgenda (§10.4) over real
// HTTP: generated operations appended by an executor, and agendas submitted by a pool owner.
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class UpdateAgendaServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Json agenda =
        Submit(AgendaJson("acme", "", R"("params":{"maximumAttempts":2,"keep":"k"},)"), acme_);
    id_ = StringAt(agenda, "id");
    progress_id_ = StringAt(agenda, "progressId");
  }

  ApiReply Update(const std::string& body, const std::string& token) {
    return Service("/resourcepool/service/updateAgenda", body, token);
  }

  static std::vector<std::string> NamesOf(const Json& agenda) {
    std::vector<std::string> names;
    const Json* operations = agenda.is_object() ? agenda.Find("operations") : nullptr;
    if (operations == nullptr) return names;
    for (const Json& op : operations->AsArray()) names.push_back(StringAt(op, "name"));
    return names;
  }

  std::string id_;
  std::string progress_id_;
};

constexpr char kGenerated[] =
    R"([{"name":"g1","type":"sample","params":{"generatedOperationParent":"a"}},
        {"name":"g2","type":"other","payload":{"in":"@<nowhere.out>"}}])";

TEST_F(UpdateAgendaServiceTest, AppendsOperationsAndOverlaysParams) {
  auto reply = Update(R"({"agendaId":")" + id_ + R"(","operations":)" + kGenerated +
                          R"(,"params":{"k":"v","keep":"changed"}})",
                      owner_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  const Json* returned = reply.body.Find("agenda");
  ASSERT_NE(returned, nullptr);
  const std::vector<std::string> names = {"a", "b", "g1", "g2"};
  EXPECT_EQ(NamesOf(*returned), names);
  const std::string params = R"({"maximumAttempts":2,"keep":"changed","k":"v"})";
  EXPECT_EQ(ToJsonText(*returned->Find("params")), params);

  Json stored = AgendaOf(id_);
  EXPECT_EQ(NamesOf(stored), names);
  EXPECT_EQ(ToJsonText(*stored.Find("params")), params);
  // Appended as given: no validation of the new operations' references.
  EXPECT_EQ(ToJsonText(*stored.Find("operations")->AsArray()[3].Find("payload")),
            R"({"in":"@<nowhere.out>"})");
  EXPECT_EQ(ToJsonText(*ProgressOf(progress_id_).Find("params")), params);
  for (const char* op : {"g1", "g2"}) {
    SCOPED_TRACE(op);
    Json progress = OperationProgressOf(progress_id_, op);
    ASSERT_TRUE(progress.is_object());
    EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
    EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 0.0);
    EXPECT_EQ(StringAt(progress, "customerId"), "acme");
    EXPECT_EQ(StringAt(progress, "agendaProgressId"), progress_id_);
  }
  EXPECT_EQ(ToJsonText(*OperationProgressOf(progress_id_, "g1").Find("params")),
            R"({"generatedOperationParent":"a"})");
  EXPECT_EQ(ProgressOf(progress_id_).Find("operationProgress")->AsArray().size(), 4u);
}

TEST_F(UpdateAgendaServiceTest, WithoutParamsLeavesParamsAlone) {
  auto reply = Update(R"({"agendaId":")" + id_ + R"(","operations":)" + kGenerated + "}", owner_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  const std::string params = R"({"maximumAttempts":2,"keep":"k"})";
  EXPECT_EQ(ToJsonText(*AgendaOf(id_).Find("params")), params);
  EXPECT_EQ(ToJsonText(*ProgressOf(progress_id_).Find("params")), params);
  EXPECT_EQ(NamesOf(AgendaOf(id_)), (std::vector<std::string>{"a", "b", "g1", "g2"}));
}

TEST_F(UpdateAgendaServiceTest, ValidationErrorsAre422) {
  const std::string before = server_.Snapshot();
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "agendaId and operations are required on an updateAgenda request"},
      {"null", "agendaId and operations are required on an updateAgenda request"},
      {"{}", "agendaId is required on an updateAgenda request"},
      {R"({"agendaId":" ","operations":[{"name":"x"}]})",
       "agendaId is required on an updateAgenda request"},
      {R"({"agendaId":")" + id_ + R"("})",
       "One or more operations must be specified on an updateAgenda request"},
      {R"({"agendaId":")" + id_ + R"(","operations":[]})",
       "One or more operations must be specified on an updateAgenda request"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto reply = Update(c.body, owner_);
    EXPECT_EQ(reply.status, 422);
    EXPECT_EQ(ErrorTitle(reply), "ValidationException");
    EXPECT_EQ(reply.ErrorDescription(), c.message);
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(UpdateAgendaServiceTest, UnknownAgendaIs404) {
  const std::string before = server_.Snapshot();
  auto reply =
      Update(R"({"agendaId":"nope","operations":)" + std::string(kGenerated) + "}", owner_);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(ErrorTitle(reply), "ObjectNotFoundException");
  EXPECT_EQ(reply.ErrorDescription(), "Agenda nope not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(UpdateAgendaServiceTest, OnlyThePoolThatMayClaimAddsOperations) {
  // Reading the insight (global, or allowed) is not enough: the original let any tenant that
  // could read it inject operations that then ran as the agenda's customer. To anyone else the
  // agenda is absent.
  AdminPut("/insight/insight-1", R"({"allowedCustomerIds":["globex"]})");
  const std::string before = server_.Snapshot();
  for (const std::string* token : {&acme_, &globex_}) {
    auto reply = Update(R"({"agendaId":")" + id_ + R"(","operations":)" + kGenerated + "}", *token);
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.ErrorDescription(), "Agenda " + id_ + " not found");
  }
  EXPECT_EQ(server_.Snapshot(), before);
  EXPECT_EQ(
      Update(R"({"agendaId":")" + id_ + R"(","operations":)" + kGenerated + "}", owner_).status,
      200);
}

class CreateAgendaServiceTest : public ServiceTest {
 protected:
  ApiReply Create(const std::string& agendas_json, const std::string& token) {
    return Service("/resourcepool/service/createAgenda", R"({"agendas":)" + agendas_json + "}",
                   token);
  }

  static std::vector<std::string> CustomersOf(const ApiReply& reply, const char* field) {
    std::vector<std::string> customers;
    for (const Json& agenda : ArrayIn(reply, field)) {
      customers.push_back(StringAt(agenda, "customerId"));
    }
    return customers;
  }

  // A second insight of the pool, owned by someone else, global, for operations of type encode.
  void AddEncodeInsight() {
    auto reply = server_.Call("POST", "/insight",
                              R"({"id":"insight-2","customerId":"other-owner","title":"enc",
                                  "resourcePoolId":"rp-1","queueName":"q2","queueSize":2,
                                  "schedulingAlgorithm":"FirstInFirstOut","isGlobal":true,
                                  "mappers":{"operationType":["encode"]}})",
                              admin_);
    ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  }
};

TEST_F(CreateAgendaServiceTest, CreatesEachAgendaForItsOwnCustomer) {
  auto reply = Create("[" + AgendaJson("acme") + "," + AgendaJson("globex") + "]", owner_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  EXPECT_EQ(CustomersOf(reply, "agendas"), (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(CustomersOf(reply, "all"), (std::vector<std::string>{"acme", "globex"}));
  for (const Json& agenda : ArrayIn(reply)) {
    const std::string id = StringAt(agenda, "id");
    EXPECT_EQ(StringAt(*agenda.Find("agendaInsight"), "insightId"), "insight-1");
    EXPECT_EQ(StringAt(AgendaOf(id), "customerId"), StringAt(agenda, "customerId"));
    EXPECT_EQ(StringAt(ProgressOf(StringAt(agenda, "progressId")), "processingState"), "WAITING");
    EXPECT_EQ(ReadyOf(id).size(), 1u);
  }
  // Each tenant sees its own.
  EXPECT_EQ(server_.Call("GET", "/agenda", std::nullopt, acme_).All().size(), 1u);
  EXPECT_EQ(server_.Call("GET", "/agenda", std::nullopt, globex_).All().size(), 1u);
}

TEST_F(CreateAgendaServiceTest, OnlyInsightsTheCallerOwnsAreCandidates) {
  AddEncodeInsight();
  const std::string encode =
      AgendaJson("acme", R"([{"name":"a","type":"encode"}])", R"("linkId":"enc",)");
  // acme itself may submit it: insight-2 is visible to acme.
  EXPECT_EQ(StringAt(*Submit(encode, acme_).Find("agendaInsight"), "insightId"), "insight-2");
  const std::string before = server_.Snapshot();
  auto reply = Create("[" + encode + "]", owner_);
  EXPECT_EQ(reply.status, 400) << ToJsonText(reply.body);
  EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
  EXPECT_EQ(reply.ErrorDescription(),
            "[ObjectNotFoundException : No available insights for processing agenda: no "
            "insight of resource pool rp-1 that customer acme may use maps this agenda (its "
            "operation types: encode)]");
  EXPECT_TRUE(ArrayIn(reply).empty());
  EXPECT_EQ(server_.Snapshot(), before);
  // Its owner may.
  auto created = Create("[" + encode + "]", server_.TokenFor({"other-owner"}));
  ASSERT_EQ(created.status, 200) << ToJsonText(created.body);
  EXPECT_EQ(StringAt(*ArrayIn(created)[0].Find("agendaInsight"), "insightId"), "insight-2");
}

TEST_F(CreateAgendaServiceTest, OwnedInsightsMustAlsoBeVisibleToTheCustomer) {
  AdminPut("/insight/insight-1", R"({"isGlobal":false,"allowedCustomerIds":["globex"]})");
  auto reply = Create("[" + AgendaJson("acme") + "," + AgendaJson("globex") + "]", owner_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "[ObjectNotFoundException : No available insights for processing agenda: no "
            "insight of resource pool rp-1 that customer acme may use maps this agenda (its "
            "operation types: sample)]");
  EXPECT_EQ(CustomersOf(reply, "agendas"), std::vector<std::string>{"globex"});
}

TEST_F(CreateAgendaServiceTest, ACallerOwningNoInsightCreatesNothing) {
  const std::string before = server_.Snapshot();
  auto reply = Create("[" + AgendaJson("acme") + "]", acme_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "[ObjectNotFoundException : No available insights for processing agenda: no "
            "insight of resource pool rp-1 that customer acme may use maps this agenda (its "
            "operation types: sample)]");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(CreateAgendaServiceTest, PartialFailureListsTheCreatedAndConcatenatesTheFailures) {
  auto reply =
      Create("[" + AgendaJson("acme") + R"(,{"customerId":"acme","operations":[]},)" +
                 AgendaJson("nobody") + R"(,{"operations":[{"name":"a","type":"sample"}]},)" +
                 AgendaJson("globex") + "]",
             owner_);
  EXPECT_EQ(reply.status, 400) << ToJsonText(reply.body);
  EXPECT_TRUE(reply.body.Find("error")->AsBool());
  EXPECT_EQ(ErrorTitle(reply), "BadRequestException");
  EXPECT_EQ(reply.ErrorDescription(),
            "[ValidationException : No operations specified in Agenda.]"
            "[ValidationException : Customer not found for customerId nobody]"
            "[ValidationException : The customerId field must be specified.]");
  EXPECT_EQ(CustomersOf(reply, "agendas"), (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(CustomersOf(reply, "all"), (std::vector<std::string>{"acme", "globex"}));
  for (const Json& agenda : ArrayIn(reply)) {
    EXPECT_EQ(StringAt(AgendaOf(StringAt(agenda, "id")), "id"), StringAt(agenda, "id"));
  }
}

TEST_F(CreateAgendaServiceTest, AnEmptyOrAbsentListCreatesNothing) {
  const std::string before = server_.Snapshot();
  for (const char* body :
       {R"({"agendas":[]})", "{}", "", R"({"agendas":null})", R"({"agendas":[null]})"}) {
    SCOPED_TRACE(body);
    auto reply = Service("/resourcepool/service/createAgenda", body, owner_);
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    EXPECT_EQ(ToJsonText(*reply.body.Find("agendas")), "[]");
    EXPECT_EQ(ToJsonText(*reply.body.Find("all")), "[]");
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(CreateAgendaServiceTest, MalformedAgendaIs400NamingTheField) {
  const std::string before = server_.Snapshot();
  auto reply = Service("/resourcepool/service/createAgenda",
                       R"({"agendas":[{"customerId":"acme","operations":{"a":1}}]})", owner_);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.ErrorDescription(),
            "Invalid value for field 'agendas[0].operations': expected an array, got an object");
  EXPECT_EQ(server_.Snapshot(), before);
}

}  // namespace
}  // namespace pop::testing
