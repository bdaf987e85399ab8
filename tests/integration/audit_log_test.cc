// The audit log over real HTTP (docs/security.md "Audit log"): every state-changing call is
// recorded once answered, with who, what, the objects and the status; GET /pop/audit lists it to
// super users and looks absent to everyone else.
#include <gtest/gtest.h>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class AuditLogTest : public ServiceTest {
 protected:
  // GET /audit as `token` after every recorded call has been written.
  ApiReply Audit(const std::string& query, const std::string& token) {
    server_.audit().Flush();
    return server_.Call("GET", "/audit" + query, std::nullopt, token);
  }
  std::vector<Json> Records(const std::string& query = "") {
    auto reply = Audit(query, admin_);
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    return ArrayIn(reply, "all");
  }
  static std::vector<std::string> Strings(const Json& record, const char* field) {
    std::vector<std::string> out;
    for (const Json& item : record.Find(field)->AsArray()) out.push_back(item.AsString());
    return out;
  }
  // The record of the newest call to `route` by `method`, or null.
  static Json Find(const std::vector<Json>& records, const std::string& method,
                   const std::string& route) {
    for (const Json& record : records) {
      if (StringAt(record, "method") == method && StringAt(record, "route") == route) {
        return record;
      }
    }
    return Json();
  }
};

TEST_F(AuditLogTest, AuditRecordsEveryStateChange) {
  const Json agenda = SubmitFor("acme");
  const std::string agenda_id = StringAt(agenda, "id");
  const std::string progress_id = StringAt(agenda, "progressId");
  AdminPut("/progress/agenda/" + progress_id, R"({"percentComplete":10.0})");
  auto cancelled = Service("/agenda/service/cancel", R"({"agendaId":")" + agenda_id + "\"}", acme_);
  auto token = server_.Call("POST", "/token", R"({"accounts":["globex"]})", admin_);
  ASSERT_EQ(token.status, 200);
  auto deleted = server_.Call("DELETE", "/agenda/" + agenda_id, std::nullopt, admin_);
  ASSERT_EQ(deleted.status, 200);
  // Reads are not recorded.
  server_.Call("GET", "/agenda/" + agenda_id, std::nullopt, acme_);
  Summary(acme_, "L");

  const auto records = Records();

  const Json posted = Find(records, "POST", "/pop/agenda");
  ASSERT_TRUE(posted.is_object()) << ToJsonText(Json(records));
  EXPECT_EQ(posted.Find("status")->AsInt(), 200);
  EXPECT_EQ(Strings(posted, "accounts"), std::vector<std::string>{"acme"});
  EXPECT_FALSE(posted.Find("superUser")->AsBool());
  EXPECT_FALSE(StringAt(posted, "tokenId").empty());
  EXPECT_FALSE(StringAt(posted, "correlationId").empty());
  EXPECT_GT(posted.Find("time")->AsInt(), 0);
  EXPECT_EQ(Strings(posted, "objectIds"), std::vector<std::string>{agenda_id});

  const Json put = Find(records, "PUT", "/pop/progress/agenda/" + progress_id);
  ASSERT_TRUE(put.is_object());
  EXPECT_TRUE(put.Find("superUser")->AsBool());
  EXPECT_EQ(Strings(put, "objectIds"), std::vector<std::string>{progress_id});

  const Json cancel = Find(records, "POST", "/pop/agenda/service/cancel");
  ASSERT_TRUE(cancel.is_object());
  EXPECT_EQ(cancel.Find("status")->AsInt(), cancelled.status);
  EXPECT_EQ(Strings(cancel, "objectIds").at(0), agenda_id);

  const Json created_token = Find(records, "POST", "/pop/token");
  ASSERT_TRUE(created_token.is_object());
  EXPECT_EQ(created_token.Find("status")->AsInt(), 200);

  const Json removed = Find(records, "DELETE", "/pop/agenda/" + agenda_id);
  ASSERT_TRUE(removed.is_object());
  EXPECT_EQ(Strings(removed, "objectIds"), std::vector<std::string>{agenda_id});

  for (const Json& record : records) {
    EXPECT_NE(StringAt(record, "method"), "GET") << ToJsonText(record);
    EXPECT_NE(StringAt(record, "route"), "/pop/progress/agenda/service") << ToJsonText(record);
  }
  // Newest first.
  EXPECT_EQ(StringAt(records.front(), "method"), "DELETE");
}

TEST_F(AuditLogTest, RefusedCallsAreRecordedWithTheirStatus) {
  auto refused = server_.Call("POST", "/agenda", AgendaJson("globex"), acme_);
  ASSERT_EQ(refused.status, 403);

  const Json record = Find(Records(), "POST", "/pop/agenda");
  ASSERT_TRUE(record.is_object());
  EXPECT_EQ(record.Find("status")->AsInt(), 403);
  EXPECT_EQ(Strings(record, "accounts"), std::vector<std::string>{"acme"});
}

TEST_F(AuditLogTest, GetAgendaIsRecordedOnlyWhenItClaimsAnAgenda) {
  auto empty = GetAgenda(owner_);
  ASSERT_EQ(empty.status, 200) << ToJsonText(empty.body);
  ASSERT_TRUE(AgendaIdsIn(empty).empty());
  EXPECT_FALSE(Find(Records(), "POST", "/pop/resourcepool/service/getAgenda").is_object());

  const std::string agenda_id = StringAt(SubmitFor("acme"), "id");
  auto claimed = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(claimed), std::vector<std::string>{agenda_id});
  const Json record = Find(Records(), "POST", "/pop/resourcepool/service/getAgenda");
  ASSERT_TRUE(record.is_object());
  EXPECT_EQ(Strings(record, "objectIds"), std::vector<std::string>{agenda_id});
}

TEST_F(AuditLogTest, AuditRouteIsInvisibleToEveryoneButSuperUsers) {
  SubmitFor("acme");
  // (A token for the account "*" is issued to super users only: ApiTokensTest.)
  for (const std::string& token : {acme_, globex_, owner_}) {
    auto reply = Audit("", token);
    EXPECT_EQ(reply.status, 404) << ToJsonText(reply.body);
    EXPECT_TRUE(ArrayIn(reply, "all").empty());
  }
  EXPECT_EQ(Audit("", server_.TokenFor({}, /*super_user=*/true)).status, 200);
}

TEST_F(AuditLogTest, ListFiltersBySinceUserAndLimit) {
  SubmitFor("acme");
  server_.clock().Advance(Duration::Seconds(10));
  const int64_t later = server_.clock().Now().millis();
  SubmitFor("globex");
  SubmitFor("acme");

  auto by_acme = Records("?byUser=acme");
  ASSERT_EQ(by_acme.size(), 2u);
  for (const Json& record : by_acme) {
    EXPECT_EQ(Strings(record, "accounts"), std::vector<std::string>{"acme"});
  }
  EXPECT_EQ(Records("?since=" + std::to_string(later)).size(), 2u);
  EXPECT_EQ(Records("?byUser=acme&since=" + std::to_string(later)).size(), 1u);
  EXPECT_EQ(Records("?limit=1").size(), 1u);
  auto bad = Audit("?limit=0", admin_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.ErrorDescription().find("'limit'"), std::string::npos) << bad.ErrorDescription();
}

}  // namespace
}  // namespace pop::testing
