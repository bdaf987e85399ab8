// POST /pop/agenda/service/run (spec §8.1) over real HTTP: a template instantiated with a payload
// and submitted as the agenda's own customer.
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

constexpr char kPayload[] =
    R"({"sourceFile":"http://x/y.mp4","customerId":"acme","job":"job-9","n":4})";

// A template owned by `owner` whose agenda is built from `agenda` (JSON text).
std::string TemplateJson(const std::string& id, const std::string& owner, const std::string& agenda,
                         const std::string& extra_fields = "") {
  return R"({"id":")" + id + R"(","customerId":")" + owner + R"(","title":"Encode template",)" +
         extra_fields + R"("agenda":)" + agenda + "}";
}

// The customer comes from the payload; one sample operation.
constexpr char kPlainAgenda[] =
    R"({"customerId":"@<pop.payload::/customerId>",
        "operations":[{"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}}]})";

class AgendaRunServiceTest : public ServiceTest {
 protected:
  void AddTemplate(const std::string& body, const std::string& token) {
    auto reply = server_.Call("POST", "/agendatemplate", body, token);
    ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  }

  ApiReply Run(const std::string& template_id, const std::string& payload, const std::string& token,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Service(
        "/agenda/service/run",
        R"({"agendaTemplateId":")" + template_id + R"(","payload":)" + Quoted(payload) + "}", token,
        std::move(headers));
  }

  // Expects the error envelope of a failed run: status, exact description, [null] lists.
  void ExpectRunError(const ApiReply& reply, int status, const std::string& title,
                      const std::string& description) {
    EXPECT_EQ(reply.status, status) << ToJsonText(reply.body);
    EXPECT_EQ(ErrorTitle(reply), title);
    EXPECT_EQ(reply.ErrorDescription(), description);
    const Json* error = reply.body.Find("error");
    EXPECT_TRUE(error != nullptr && error->is_bool() && error->AsBool());
    const Json* code = reply.body.Find("errorResponse")->Find("responseCode");
    EXPECT_EQ(code != nullptr ? code->AsInt() : 0, status);
    for (const char* field : {"agendas", "all"}) {
      const Json* list = reply.body.Find(field);
      ASSERT_TRUE(list != nullptr && list->is_array()) << field;
      ASSERT_EQ(list->AsArray().size(), 1u) << field;
      EXPECT_TRUE(list->AsArray()[0].is_null()) << field;
    }
  }
};

TEST_F(AgendaRunServiceTest, SubmitsTheAgendaAndAnswersWithAllAndAgendas) {
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  auto reply = Run("tmpl-1", kPayload, acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_FALSE(reply.body.Find("error")->AsBool());
  auto agendas = ArrayIn(reply, "agendas");
  auto all = ArrayIn(reply, "all");
  ASSERT_EQ(agendas.size(), 1u);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(ToJsonText(agendas[0]), ToJsonText(all[0]));
  const Json& agenda = agendas[0];
  const std::string id = StringAt(agenda, "id");
  EXPECT_EQ(StringAt(agenda, "customerId"), "acme");
  EXPECT_EQ(ToJsonText(*agenda.Find("agendaInsight")),
            R"({"resourcePoolId":"rp-1","insightId":"insight-1"})");

  // Stored with its progress and operation progress, and ready to be claimed.
  EXPECT_EQ(StringAt(AgendaOf(id), "id"), id);
  const std::string progress_id = StringAt(agenda, "progressId");
  Json progress = ProgressOf(progress_id);
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(StringAt(progress, "agendaId"), id);
  EXPECT_EQ(StringAt(OperationProgressOf(progress_id, "a"), "processingState"), "WAITING");
  EXPECT_EQ(ReadyOf(id).size(), 1u);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id});
}

TEST_F(AgendaRunServiceTest, ReplacesReferencesToStaticParametersAndThePayloadEverywhere) {
  AddTemplate(TemplateJson("tmpl-1", "acme",
                           R"({"customerId":"@<pop.payload::/customerId>",
                               "linkId":"@<pop.transformRequest::/job>",
                               "params":{"profile":"@<profile>","request":"@<pop.payload>",
                                         "count":"@<pop.payload::/n>","later":"@<not.known>"},
                               "operations":[
                                 {"name":"a","type":"sample",
                                  "payload":{"file":"@<pop.payload::/sourceFile>",
                                             "profile":"@<profile>","retries":"@<retries>",
                                             "agenda":"@<pop.agendaId>",
                                             "resultPayload":{"v":"x"}}},
                                 {"name":"b","type":"sample",
                                  "payload":{"msg":"@<a.out::/v>",
                                             "note":"@<pop.payload::/sourceFile> in @<profile>"}}]})",
                           R"("staticParameters":{"profile":"hd","retries":3},)"),
              acme_);
  auto reply = Run("tmpl-1", kPayload, acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  Json agenda = AgendaOf(StringAt(ArrayIn(reply)[0], "id"));
  EXPECT_EQ(StringAt(agenda, "customerId"), "acme");
  EXPECT_EQ(StringAt(agenda, "linkId"), "job-9");
  EXPECT_EQ(ToJsonText(*agenda.Find("params")), std::string(R"({"profile":"hd","request":)") +
                                                    kPayload +
                                                    R"(,"count":4,"later":"@<not.known>"})");
  const JsonArray& operations = agenda.Find("operations")->AsArray();
  ASSERT_EQ(operations.size(), 2u);
  EXPECT_EQ(ToJsonText(*operations[0].Find("payload")),
            R"({"file":"http://x/y.mp4","profile":"hd","retries":3,"agenda":"@<pop.agendaId>",)"
            R"("resultPayload":{"v":"x"}})");
  // Operation outputs are the executor's business: left in place.
  EXPECT_EQ(ToJsonText(*operations[1].Find("payload")),
            R"({"msg":"@<a.out::/v>","note":"http://x/y.mp4 in hd"})");
  // The progress was built from the expanded agenda.
  EXPECT_EQ(StringAt(ProgressOf(StringAt(agenda, "progressId")), "linkId"), "job-9");
}

TEST_F(AgendaRunServiceTest, CidDefaultsToTheRequestCidAndTitleToTheTemplateTitle) {
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  auto reply = Run("tmpl-1", kPayload, acme_, {{"X-pop-cid", "run-cid-1"}});
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(StringAt(reply.body, "cid"), "run-cid-1");
  Json agenda = AgendaOf(StringAt(ArrayIn(reply)[0], "id"));
  EXPECT_EQ(StringAt(agenda, "cid"), "run-cid-1");
  EXPECT_EQ(StringAt(agenda, "title"), "Encode template");

  // Without a request cid the agenda still gets one.
  reply = Run("tmpl-1", kPayload, acme_);
  ASSERT_EQ(reply.status, 200);
  EXPECT_FALSE(StringAt(AgendaOf(StringAt(ArrayIn(reply)[0], "id")), "cid").empty());
}

TEST_F(AgendaRunServiceTest, KeepsTheTemplatesOwnCidAndTitle) {
  AddTemplate(TemplateJson("tmpl-1", "acme",
                           R"({"customerId":"acme","cid":"tmpl-cid","title":"Mine",
                               "operations":[{"name":"a","type":"sample"}]})"),
              acme_);
  auto reply = Run("tmpl-1", "{}", acme_, {{"X-pop-cid", "run-cid-2"}});
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  Json agenda = AgendaOf(StringAt(ArrayIn(reply)[0], "id"));
  EXPECT_EQ(StringAt(agenda, "cid"), "tmpl-cid");
  EXPECT_EQ(StringAt(agenda, "title"), "Mine");
}

TEST_F(AgendaRunServiceTest, MissingTemplateIdOrPayloadIs422) {
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  const std::string before = server_.Snapshot();
  for (const char* body : {"", "null", "{}", R"({"agendaTemplateId":"tmpl-1"})",
                           R"({"payload":"{}"})", R"({"agendaTemplateId":" ","payload":"{}"})",
                           R"({"agendaTemplateId":"tmpl-1","payload":""})",
                           R"({"agendaTemplateId":"tmpl-1","payload":null})"}) {
    SCOPED_TRACE(body);
    ExpectRunError(Service("/agenda/service/run", body, acme_), 422, "ValidationException",
                   "agendaTemplateId and payload must be specified");
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, UnparsablePayloadIs400) {
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("tmpl-1", "{not json", acme_), 400, "BadRequestException",
                 "Unable to parse input payload as JSON");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, UnknownTemplateIs404) {
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("nope", kPayload, acme_), 404, "ObjectNotFoundException",
                 "AgendaTemplate nope not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, AnotherTenantsPrivateTemplateIs404) {
  AddTemplate(TemplateJson("tmpl-g", "globex", kPlainAgenda), globex_);
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("tmpl-g", kPayload, acme_), 404, "ObjectNotFoundException",
                 "AgendaTemplate tmpl-g not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, GlobalTemplatesAreVisibleToEveryone) {
  AddTemplate(TemplateJson("tmpl-g", "globex", kPlainAgenda, R"("isGlobal":true,)"), globex_);
  auto reply = Run("tmpl-g", kPayload, acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(StringAt(ArrayIn(reply)[0], "customerId"), "acme");
}

TEST_F(AgendaRunServiceTest, AllowedCustomersSeeTheTemplateWhateverTheCase) {
  AddTemplate(TemplateJson("tmpl-g", "globex", kPlainAgenda, R"("allowedCustomerIds":["ACME"],)"),
              globex_);
  auto reply = Run("tmpl-g", kPayload, acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(StringAt(ArrayIn(reply)[0], "customerId"), "acme");
}

TEST_F(AgendaRunServiceTest, StaticParameterNamedLikeThePayloadIsDuplicated) {
  for (const char* name : {"pop.payload", "pop.transformRequest"}) {
    SCOPED_TRACE(name);
    const std::string id = std::string("tmpl-") + name;
    AddTemplate(TemplateJson(id, "acme", kPlainAgenda,
                             std::string(R"("staticParameters":{"x":1,")") + name + R"(":2},)"),
                acme_);
    const std::string before = server_.Snapshot();
    ExpectRunError(Run(id, kPayload, acme_), 422, "ValidationException",
                   std::string("Parameter [") + name + "] is duplicated.");
    EXPECT_EQ(server_.Snapshot(), before);
  }
}

TEST_F(AgendaRunServiceTest, WrapsInnerValidationFailuresAsBadRequestWithTitle) {
  AddTemplate(TemplateJson("tmpl-refs", "acme",
                           R"({"customerId":"acme","operations":[
                                 {"name":"a","type":"sample","payload":"@<zz.out>"}]})"),
              acme_);
  AddTemplate(TemplateJson("tmpl-empty", "acme", R"({"customerId":"acme","operations":[]})"),
              acme_);
  AddTemplate(
      TemplateJson("tmpl-nocustomer", "acme", R"({"operations":[{"name":"a","type":"sample"}]})"),
      acme_);
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("tmpl-refs", kPayload, acme_), 400, "BadRequestException",
                 "[ValidationException : Validation Issues detected: Invalid references found in "
                 "operation [a] payload: @<zz.out>]");
  ExpectRunError(Run("tmpl-empty", kPayload, acme_), 400, "BadRequestException",
                 "[ValidationException : No operations specified in Agenda.]");
  ExpectRunError(Run("tmpl-nocustomer", kPayload, acme_), 400, "BadRequestException",
                 "[ValidationException : The customerId field must be specified.]");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, WrapsUnknownCustomerAsBadRequestWithTitle) {
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  const std::string before = server_.Snapshot();
  // An admin may act for any customer, so the submission itself finds none.
  ExpectRunError(Run("tmpl-1", R"({"customerId":"nobody"})", admin_), 400, "BadRequestException",
                 "[ValidationException : Customer not found for customerId nobody]");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, WrapsNoInsightAsBadRequestWithTitle) {
  AddTemplate(TemplateJson("tmpl-encode", "acme",
                           R"({"customerId":"acme","operations":[{"name":"a","type":"encode"}]})"),
              acme_);
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("tmpl-encode", kPayload, acme_), 400, "BadRequestException",
                 "[ObjectNotFoundException : No available insights for processing agenda: no "
                 "insight of resource pool rp-1 that customer acme may use maps this agenda (its "
                 "operation types: encode)]");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, ExpansionThatIsNoAgendaIs422) {
  AddTemplate(TemplateJson("tmpl-1", "acme",
                           R"({"customerId":"acme","linkId":"@<pop.payload::/link>",
                               "operations":[{"name":"a","type":"sample"}]})"),
              acme_);
  const std::string before = server_.Snapshot();
  ExpectRunError(Run("tmpl-1", R"({"link":{"not":"a string"}})", acme_), 422, "ValidationException",
                 "Failed to generate Agenda from template: [Encode template]");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(AgendaRunServiceTest, RunsOnlyForCustomersTheCallerMayActFor) {
  // The original submitted the expansion as its own customer, so globex could run work in acme's
  // account with a template of its own (docs/security.md): now that is 403 and stores nothing.
  AddTemplate(TemplateJson("tmpl-g", "globex",
                           R"({"customerId":"acme","linkId":"for-acme",
                               "operations":[{"name":"a","type":"sample"}]})"),
              globex_);
  const std::string before = server_.Snapshot();
  auto reply = Run("tmpl-g", "{}", globex_);
  ExpectRunError(reply, 403, "UnauthorizedException",
                 "You do not have permission to perform this action for customerId acme");
  EXPECT_EQ(server_.Snapshot(), before);
  // A shared template whose customer comes from the payload runs for the caller's own account.
  AddTemplate(TemplateJson("tmpl-shared", "globex", kPlainAgenda, R"("isGlobal":true,)"), globex_);
  auto own = Run("tmpl-shared", R"({"customerId":"acme"})", acme_);
  ASSERT_EQ(own.status, 200) << ToJsonText(own.body);
  EXPECT_EQ(StringAt(ArrayIn(own)[0], "customerId"), "acme");
  EXPECT_EQ(Run("tmpl-shared", R"({"customerId":"acme"})", globex_).status, 403);
}

TEST_F(AgendaRunServiceTest, AcceptsAPayloadSentAsAnEmbeddedObject) {
  // The contract is a string holding JSON; an embedded object is read as its text.
  AddTemplate(TemplateJson("tmpl-1", "acme", kPlainAgenda), acme_);
  auto reply =
      Service("/agenda/service/run",
              std::string(R"({"agendaTemplateId":"tmpl-1","payload":)") + kPayload + "}", acme_);
  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(StringAt(ArrayIn(reply)[0], "customerId"), "acme");
}

}  // namespace
}  // namespace pop::testing
