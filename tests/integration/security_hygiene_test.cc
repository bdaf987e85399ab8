// Input hygiene over real HTTP (docs/security.md "Limits"): one nesting limit on every path in and
// stored rows always readable or deletable; capped `by` filters; numeric ranges named by field;
// no SQL or library text in any answer.
#include <gtest/gtest.h>

#include "adapters/sqlite/sqlite_store.h"
#include "core/json/json_depth.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// `depth` objects nested inside one another: {"a":{"a":...{}}}.
std::string Nested(size_t depth) {
  std::string text;
  for (size_t i = 1; i < depth; ++i) text += R"({"a":)";
  text += "{}";
  for (size_t i = 1; i < depth; ++i) text += "}";
  return text;
}

Agenda AgendaNestedTo(const std::string& id, size_t depth) {
  Json payload = Json::Object();
  for (size_t i = 1; i < depth; ++i) payload = Json(JsonObject{{"a", std::move(payload)}});
  Agenda agenda;
  agenda.id = id;
  agenda.customer_id = "acme";
  Operation operation;
  operation.name = "op";
  operation.payload = std::move(payload);
  agenda.operations = std::vector<Operation>{operation};
  return agenda;
}

class SecurityHygieneTest : public ServiceTest {
 protected:
  // Writes `agenda` as an older version could: through a second store on the same file that
  // accepts any depth.
  void StoreLegacy(const Agenda& agenda) {
    SqliteStoreOptions legacy;
    legacy.path = (server_.dir() / "pop.db").string();
    legacy.max_document_depth = 4 * kMaxStoredJsonDepth;
    auto store = SqliteStore::Open(legacy);
    ASSERT_TRUE(store.ok()) << store.error().message;
    Status put = (*store)->Write([&](StoreWriter& writer) { return writer.Put(agenda); });
    ASSERT_TRUE(put.ok()) << put.message();
  }
};

TEST_F(SecurityHygieneTest, RejectsNestingDeeperThanReadLimitAtRun) {
  auto added =
      server_.Call("POST", "/agendatemplate",
                   R"({"id":"deep","customerId":"acme","title":"T","agenda":{"customerId":"acme",
          "operations":[{"name":"a","type":"sample","payload":{"deep":"@<pop.payload::/d>"}}]}})",
                   acme_);
  ASSERT_EQ(added.status, 200) << ToJsonText(added.body);
  const std::string before = server_.Snapshot();
  // The payload alone is within the limit; inside operations[0].payload.deep it is not.
  const std::string payload = R"({"d":)" + Nested(kMaxJsonDepth - 2) + "}";
  auto reply = Service("/agenda/service/run",
                       R"({"agendaTemplateId":"deep","payload":)" + Quoted(payload) + "}", acme_);

  EXPECT_EQ(reply.status, 422) << ToJsonText(reply.body);
  EXPECT_NE(reply.ErrorDescription().find("'operations[0].payload.deep"), std::string::npos)
      << reply.ErrorDescription();
  EXPECT_NE(reply.ErrorDescription().find("deeper than 128 levels"), std::string::npos);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityHygieneTest, ProgressReportDeeperThanTheLimitIsRefusedAndChangesNothing) {
  const std::string progress_id = StringAt(SubmitFor("acme"), "progressId");
  const std::string before = server_.Snapshot();
  auto reply = ReportState(admin_, progress_id, "EXECUTING", "",
                           R"(,"params":{"x":)" + Nested(kMaxJsonDepth) + "}");

  EXPECT_EQ(reply.status, 400) << ToJsonText(reply.body);
  EXPECT_NE(reply.ErrorDescription().find("deeper than 128 levels"), std::string::npos)
      << reply.ErrorDescription();
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(SecurityHygieneTest, StoredRowDeeperThanTheLimitGivesAClearErrorAndItsOwnerDeletesIt) {
  StoreLegacy(AgendaNestedTo("legacy", kMaxJsonDepth + 50));

  auto read = server_.Call("GET", "/agenda/legacy", std::nullopt, acme_);
  EXPECT_EQ(read.status, 422) << ToJsonText(read.body);
  EXPECT_NE(read.ErrorDescription().find("field 'operations[0].payload.a"), std::string::npos)
      << read.ErrorDescription();
  auto deleted = server_.Call("DELETE", "/agenda/legacy", std::nullopt, acme_);
  ASSERT_EQ(deleted.status, 200) << ToJsonText(deleted.body);
  ASSERT_EQ(deleted.All().size(), 1u);
  EXPECT_EQ(StringAt(deleted.All()[0], "id"), "legacy");
  EXPECT_EQ(server_.Call("GET", "/agenda/legacy", std::nullopt, admin_).All().size(), 0u);
}

TEST_F(SecurityHygieneTest, UnreadableStoredRowGivesAClearErrorAndTheAdminCanDeleteIt) {
  StoreLegacy(AgendaNestedTo("poison", kMaxStoredJsonDepth + 10));

  auto read = server_.Call("GET", "/agenda/poison", std::nullopt, admin_);
  EXPECT_EQ(read.status, 422) << ToJsonText(read.body);
  EXPECT_NE(read.ErrorDescription().find("cannot be read"), std::string::npos);
  // Whose it is cannot be told: a tenant may not delete it.
  auto refused = server_.Call("DELETE", "/agenda/poison", std::nullopt, acme_);
  EXPECT_EQ(refused.status, 422) << ToJsonText(refused.body);

  auto deleted = server_.Call("DELETE", "/agenda/poison", std::nullopt, admin_);
  ASSERT_EQ(deleted.status, 200) << ToJsonText(deleted.body);
  ASSERT_EQ(deleted.All().size(), 1u);
  EXPECT_EQ(StringAt(deleted.All()[0], "id"), "poison");
  auto after = server_.Call("GET", "/agenda/poison", std::nullopt, admin_);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.All().size(), 0u);
}

TEST_F(SecurityHygieneTest, ManyByFiltersAnswer400WithoutSql) {
  std::string query;
  for (int i = 0; i < 1000; ++i) query += "&byf" + std::to_string(i) + "=x";
  const std::string before = server_.Snapshot();

  auto reply = server_.Call("GET", "/agenda?bylimit=5" + query, std::nullopt, admin_);

  EXPECT_EQ(reply.status, 400) << ToJsonText(reply.body);
  EXPECT_NE(reply.ErrorDescription().find("at most 20"), std::string::npos)
      << reply.ErrorDescription();
  EXPECT_EQ(ToJsonText(reply.body).find("SELECT"), std::string::npos);
  EXPECT_EQ(server_.Snapshot(), before);
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "&byf" + std::to_string(i) + "=x";
  EXPECT_EQ(server_.Call("GET", "/agenda?bylimit=5" + twenty, std::nullopt, admin_).status, 200);
}

TEST_F(SecurityHygieneTest, NumbersOutsideTheirRangeAre422NamingTheField) {
  const std::string progress_id = StringAt(SubmitFor("acme"), "progressId");
  const std::string before = server_.Snapshot();
  struct Case {
    std::string method, path, body, field;
  };
  const std::vector<Case> cases = {
      {"POST", "/insight", R"({"customerId":"acme","title":"t","queueSize":-1})", "'queueSize'"},
      {"PUT", "/insight/insight-1", R"({"queueSize":1000000000})", "'queueSize'"},
      {"PUT", "/progress/agenda/" + progress_id, R"({"maximumAttempts":-3})", "'maximumAttempts'"},
      {"PUT", "/progress/agenda/" + progress_id, R"({"maximumAttempts":1000000})",
       "'maximumAttempts'"},
      {"PUT", "/progress/agenda/" + progress_id, R"({"percentComplete":250.0})",
       "'percentComplete'"},
      {"PUT", "/progress/agenda/" + progress_id,
       R"({"operationProgress":[{"operation":"a","percentComplete":-5}]})",
       "'operationProgress[0].percentComplete'"},
      {"POST", "/agenda", AgendaJson("acme", "", R"("params":{"maximumAttempts":0},)"),
       "'params.maximumAttempts'"},
      {"POST", "/agenda", AgendaJson("acme", "", R"("params":{"priority":99999999999},)"),
       "'params.priority'"},
      {"POST", "/resourcepool/service/getAgenda",
       R"({"insightId":"insight-1","count":1,"waitSeconds":-1})", "'waitSeconds'"},
  };
  for (const Case& c : cases) {
    auto reply = server_.Call(c.method, c.path, c.body, admin_);
    EXPECT_EQ(reply.status, 422) << c.method << " " << c.path << " " << ToJsonText(reply.body);
    EXPECT_NE(reply.ErrorDescription().find(c.field), std::string::npos)
        << c.field << ": " << reply.ErrorDescription();
  }
  EXPECT_EQ(server_.Snapshot(), before);
}

}  // namespace
}  // namespace pop::testing
