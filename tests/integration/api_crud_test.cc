// Every data route and verb over real HTTP (spec §4.6-§4.7, §5).
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

struct RouteCase {
  const char* route;
  const char* body;  // a valid POST body with id "x-1"
};

const RouteCase kCrudRoutes[] = {
    {"/agendatemplate",
     R"({"id":"x-1","customerId":"acme","title":"t","agenda":{"operations":[]}})"},
    {"/customer", R"({"id":"x-1","customerId":"acme","title":"Acme","billingCode":"B"})"},
    {"/insight", R"({"id":"x-1","customerId":"acme","title":"ins","queueName":"q"})"},
    {"/resourcepool", R"({"id":"x-1","customerId":"acme","title":"pool"})"},
    {"/progress/agenda", R"({"id":"x-1","customerId":"acme","title":"p","linkId":"L"})"},
    {"/progress/operation",
     R"({"id":"x-1","customerId":"acme","agendaProgressId":"p","operation":"a"})"},
};

class ApiCrudTest : public ::testing::Test {
 protected:
  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
};

TEST_F(ApiCrudTest, HealthzAnswersWithoutCredentials) {
  auto reply = server_.Raw("GET", "/healthz", std::nullopt, {});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ToJsonText(reply.body), R"({"status":"ok"})");
}

TEST_F(ApiCrudTest, EveryRouteCreatesReadsUpdatesAndDeletes) {
  for (const RouteCase& c : kCrudRoutes) {
    SCOPED_TRACE(c.route);
    auto created = server_.Call("POST", c.route, c.body, acme_);
    ASSERT_EQ(created.status, 200) << ToJsonText(created.body);
    EXPECT_EQ(created.All()[0].Find("id")->AsString(), "x-1");
    EXPECT_TRUE(created.All()[0].Find("addedTime")->is_integer());

    auto by_path = server_.Call("GET", std::string(c.route) + "/x-1", std::nullopt, acme_);
    ASSERT_EQ(by_path.status, 200);
    ASSERT_EQ(by_path.All().size(), 1u);
    EXPECT_EQ(by_path.body.Find("count")->AsInt(), 1);
    auto by_query = server_.Call("GET", std::string(c.route) + "?id=x-1", std::nullopt, acme_);
    ASSERT_EQ(by_query.All().size(), 1u);
    auto collection = server_.Call("GET", c.route, std::nullopt, acme_);
    ASSERT_EQ(collection.All().size(), 1u);

    server_.clock().Advance(Duration::Seconds(1));
    auto updated =
        server_.Call("PUT", std::string(c.route) + "/x-1", R"({"cid":"changed"})", acme_);
    ASSERT_EQ(updated.status, 200) << ToJsonText(updated.body);
    const Json& after = updated.All()[0];
    EXPECT_EQ(after.Find("cid")->AsString(), "changed");
    EXPECT_EQ(after.Find("customerId")->AsString(), "acme");  // kept by the sparse merge
    EXPECT_GT(after.Find("updatedTime")->AsInt(), after.Find("addedTime")->AsInt());

    auto deleted = server_.Call("DELETE", std::string(c.route) + "/x-1", std::nullopt, acme_);
    ASSERT_EQ(deleted.status, 200);
    ASSERT_EQ(deleted.All().size(), 1u);
    EXPECT_EQ(deleted.All()[0].Find("id")->AsString(), "x-1");
    EXPECT_TRUE(
        server_.Call("GET", std::string(c.route) + "/x-1", std::nullopt, acme_).All().empty());
  }
}

TEST_F(ApiCrudTest, PostDefaultsByKind) {
  auto insight = server_.Call("POST", "/insight", R"({"customerId":"acme","title":"i"})", acme_);
  EXPECT_EQ(insight.All()[0].Find("isGlobal")->AsBool(), false);
  EXPECT_EQ(insight.All()[0].Find("queueSize")->AsInt(), 0);
  auto tmpl = server_.Call("POST", "/agendatemplate", R"({"customerId":"acme"})", acme_);
  EXPECT_EQ(tmpl.All()[0].Find("isGlobal")->AsBool(), false);
  EXPECT_EQ(tmpl.All()[0].Find("isDefaultTemplate")->AsBool(), false);
  auto progress = server_.Call("POST", "/progress/agenda", R"({"customerId":"acme"})", acme_);
  EXPECT_EQ(progress.All()[0].Find("maximumAttempts")->AsInt(), 3);
  auto op = server_.Call("POST", "/progress/operation", R"({"customerId":"acme"})", acme_);
  EXPECT_EQ(op.All()[0].Find("attemptCount")->AsInt(), 0);
  // Server-generated ids are UUIDv7 (docs/compat.md): the UUID text form, version digit 7.
  EXPECT_EQ(op.All()[0].Find("id")->AsString().size(), 36u);
  EXPECT_EQ(op.All()[0].Find("id")->AsString()[14], '7');
}

TEST_F(ApiCrudTest, PostOntoAnExistingIdMergesLikeAnUpsert) {
  server_.Call("POST", "/customer",
               R"({"id":"c1","customerId":"acme","title":"A","billingCode":"B"})", acme_);
  server_.Call("POST", "/customer", R"({"id":"c1","customerId":"acme","title":"A2"})", acme_);
  auto stored = server_.Call("GET", "/customer/c1", std::nullopt, acme_);
  EXPECT_EQ(stored.All()[0].Find("title")->AsString(), "A2");
  EXPECT_EQ(stored.All()[0].Find("billingCode")->AsString(), "B");
}

TEST_F(ApiCrudTest, PutIsASparseMergeThatReplacesNestedValuesWholesale) {
  server_.Call("POST", "/agendatemplate",
               R"({"id":"t1","customerId":"acme","title":"T","params":{"a":1,"b":2},
                   "staticParameters":{"k":"v"}})",
               acme_);
  auto updated =
      server_.Call("PUT", "/agendatemplate/t1", R"({"params":{"c":3},"title":null})", acme_);
  ASSERT_EQ(updated.status, 200);
  const Json& t = updated.All()[0];
  EXPECT_EQ(ToJsonText(*t.Find("params")), R"({"c":3})");
  EXPECT_EQ(t.Find("title")->AsString(), "T");
  EXPECT_EQ(ToJsonText(*t.Find("staticParameters")), R"({"k":"v"})");
}

TEST_F(ApiCrudTest, PutIdRules) {
  server_.Call("POST", "/customer", R"({"id":"c1","customerId":"acme","title":"A"})", acme_);
  auto by_body = server_.Call("PUT", "/customer", R"({"id":"c1","billingCode":"X"})", acme_);
  EXPECT_EQ(by_body.status, 200);
  auto mismatch = server_.Call("PUT", "/customer/c1", R"({"id":"c2"})", acme_);
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(mismatch.ErrorDescription(),
            "Mismatched Id in URL and on input object: URLId: c1 and ObjectId: c2");
  auto no_id = server_.Call("PUT", "/customer", R"({"title":"x"})", acme_);
  EXPECT_EQ(no_id.status, 422);
  EXPECT_EQ(no_id.ErrorDescription(), "Unable to PUT an object without specifying an id");
  auto missing = server_.Call("PUT", "/customer/nope", R"({"title":"x"})", acme_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.ErrorDescription(), "Unable to get object by id nope");
  EXPECT_EQ(missing.body.Find("errorResponse")->Find("title")->AsString(),
            "ObjectNotFoundException");
  auto null_body = server_.Call("PUT", "/customer/c1", "null", acme_);
  EXPECT_EQ(null_body.status, 422);
  EXPECT_EQ(null_body.ErrorDescription(), "Unable to PUT a null object");
}

TEST_F(ApiCrudTest, DeleteOfAMissingObjectSucceedsWithNothing) {
  auto reply = server_.Call("DELETE", "/customer/none", std::nullopt, acme_);
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.All().empty());
  EXPECT_EQ(reply.body.Find("error")->AsBool(), false);
}

TEST_F(ApiCrudTest, DeletingAgendaProgressDeletesItsOperationProgress) {
  server_.Call("POST", "/progress/agenda", R"({"id":"p1","customerId":"acme"})", acme_);
  server_.Call("PUT", "/progress/agenda/p1",
               R"({"operationProgress":[{"operation":"a"},{"operation":"b"}]})", acme_);
  EXPECT_EQ(server_.Call("GET", "/progress/operation?byagendaProgressId=p1", std::nullopt, acme_)
                .All()
                .size(),
            2u);
  server_.Call("DELETE", "/progress/agenda/p1", std::nullopt, acme_);
  EXPECT_TRUE(server_.Call("GET", "/progress/operation?byagendaProgressId=p1", std::nullopt, acme_)
                  .All()
                  .empty());
}

TEST_F(ApiCrudTest, AgendaProgressPutUpsertsOperationProgressAndCountsAttempts) {
  server_.Call("POST", "/progress/agenda", R"({"id":"p1","customerId":"acme","cid":"c"})", acme_);
  auto put = server_.Call("PUT", "/progress/agenda/p1",
                          R"({"processingState":"EXECUTING","operationProgress":[
                               {"operation":"a","percentComplete":50.0}]})",
                          acme_);
  ASSERT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(put.All()[0].Find("operationProgress"), nullptr);  // never stored on the progress
  auto op = server_.Call("GET", "/progress/operation/p1-a", std::nullopt, acme_).All()[0];
  EXPECT_EQ(op.Find("processingState")->AsString(), "WAITING");
  EXPECT_EQ(op.Find("agendaProgressId")->AsString(), "p1");
  EXPECT_EQ(op.Find("cid")->AsString(), "c");
  EXPECT_EQ(op.Find("percentComplete")->AsDouble(), 50.0);

  server_.Call("PUT", "/progress/agenda/p1",
               R"({"processingState":"COMPLETE","operationProgress":[
                    {"operation":"a","processingState":"COMPLETE","processingStateMessage":"succeeded"}]})",
               acme_);
  auto again =
      server_.Call("PUT", "/progress/agenda/p1", R"({"processingState":"COMPLETE"})", acme_);
  EXPECT_EQ(again.All()[0].Find("attemptsCompleted")->AsInt(), 1);  // once per transition
  op = server_.Call("GET", "/progress/operation/p1-a", std::nullopt, acme_).All()[0];
  EXPECT_EQ(op.Find("processingStateMessage")->AsString(), "succeeded");
  EXPECT_EQ(op.Find("percentComplete")->AsDouble(), 50.0);  // sparse merge kept it
  auto read = server_.Call("GET", "/progress/agenda/p1", std::nullopt, acme_).All()[0];
  EXPECT_EQ(read.Find("operationProgress")->AsArray().size(), 1u);
}

TEST_F(ApiCrudTest, ByQueriesFilterOnColumnsAndOtherFields) {
  for (const char* pool : {"rp0", "rp1"}) {  // acme's own pools, so it may put insights in them
    ASSERT_EQ(
        server_
            .Call("POST", "/resourcepool",
                  R"({"id":")" + std::string(pool) + R"(","customerId":"acme","title":"p"})", acme_)
            .status,
        200);
  }
  for (int i = 0; i < 5; ++i) {
    server_.Call("POST", "/insight",
                 R"({"id":"i)" + std::to_string(i) + R"(","customerId":"acme","title":"t)" +
                     std::to_string(i % 2) + R"(","resourcePoolId":"rp)" + std::to_string(i % 2) +
                     R"(","queueName":"q)" + std::to_string(i) + R"(","queueSize":)" +
                     std::to_string(i) + R"(,"cid":"cid)" + std::to_string(i) + R"("})",
                 acme_);
  }
  auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    ApiReply reply = server_.Call("GET", "/insight" + query, std::nullopt, acme_);
    for (const Json& item : reply.All()) {
      out.push_back(item.Find("id") ? item.Find("id")->AsString() : "?");
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("?bytitle=t1"), (V{"i1", "i3"}));
  EXPECT_EQ(ids("?byresourcePoolId=rp0"), (V{"i0", "i2", "i4"}));
  EXPECT_EQ(ids("?byresourcePoolId=rp0&bytitle=t0&byid=i2"), (V{"i2"}));
  EXPECT_EQ(ids("?bycid=cid3"), (V{"i3"}));
  EXPECT_EQ(ids("?bycustomerId=acme&bylimit=2"), (V{"i0", "i1"}));
  EXPECT_EQ(ids("?byqueueName=q4"), (V{"i4"}));
  EXPECT_EQ(ids("?byqueueSize=3"), (V{"i3"}));
  EXPECT_EQ(ids("?byisGlobal=false&bylimit=1"), (V{"i0"}));
  EXPECT_EQ(ids("?bytitle=t0&id=i4"), (V{"i4"}));
  EXPECT_TRUE(ids("?byTitle=t1").empty());     // field names are case-sensitive
  EXPECT_TRUE(ids("?bytitle=T1").empty());     // values too
  EXPECT_TRUE(ids("?bymappers.x=1").empty());  // not a plain field name: matches nothing

  auto count = server_.Call("GET", "/insight?byresourcePoolId=rp0&bycount=true&bylimit=1",
                            std::nullopt, acme_);
  EXPECT_EQ(count.body.Find("count")->AsInt(), 3);
  EXPECT_TRUE(count.All().empty());

  auto fields = server_.Call("GET", "/insight/i1?byfields=id,queueName", std::nullopt, acme_);
  EXPECT_EQ(ToJsonText(fields.All()[0]), R"({"id":"i1","queueName":"q1"})");

  auto bad_limit = server_.Call("GET", "/insight?bylimit=ten", std::nullopt, acme_);
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(bad_limit.ErrorDescription(), "bylimit must be a positive integer, got 'ten'");
}

TEST_F(ApiCrudTest, ByorderNewestAndBysinceSelectTheLatestChanges) {
  const int64_t start = server_.clock().Now().millis();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(server_
                  .Call("POST", "/customer",
                        R"({"id":"c)" + std::to_string(i) + R"(","customerId":"acme","title":"c"})",
                        acme_)
                  .status,
              200);
    server_.clock().Advance(Duration::Seconds(1));
  }
  auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    ApiReply reply = server_.Call("GET", "/customer" + query, std::nullopt, acme_);
    for (const Json& item : reply.All()) out.push_back(item.Find("id")->AsString());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("?byorder=newest"), (V{"c2", "c1", "c0"}));
  EXPECT_EQ(ids("?byorder=newest&bylimit=1"), (V{"c2"}));
  EXPECT_EQ(ids("?byorder=oldest&bylimit=1"), (V{"c0"}));
  EXPECT_EQ(ids("?bysince=" + std::to_string(start + 1000)), (V{"c1", "c2"}));

  auto bad_order = server_.Call("GET", "/customer?byorder=latest", std::nullopt, acme_);
  EXPECT_EQ(bad_order.status, 400);
  EXPECT_EQ(bad_order.ErrorDescription(), "byorder must be 'newest' or 'oldest', got 'latest'");
  auto bad_since = server_.Call("GET", "/customer?bysince=1h", std::nullopt, acme_);
  EXPECT_EQ(bad_since.status, 400);
  EXPECT_EQ(bad_since.ErrorDescription(),
            "bysince must be epoch milliseconds (a non-negative integer), got '1h'");
}

TEST_F(ApiCrudTest, DefaultLimitIsOneHundred) {
  for (int i = 0; i < 105; ++i) {
    server_.Call("POST", "/customer", R"({"customerId":"acme","title":"c"})", acme_);
  }
  EXPECT_EQ(server_.Call("GET", "/customer", std::nullopt, acme_).All().size(), 100u);
  EXPECT_EQ(server_.Call("GET", "/customer?bylimit=105", std::nullopt, acme_).All().size(), 105u);
}

TEST_F(ApiCrudTest, AgendaProgressByfieldsSkipsOperationProgressUnlessNamed) {
  server_.Call("POST", "/progress/agenda", R"({"id":"p1","customerId":"acme","linkId":"L"})",
               acme_);
  server_.Call("PUT", "/progress/agenda/p1", R"({"operationProgress":[{"operation":"a"}]})", acme_);
  auto plain =
      server_.Call("GET", "/progress/agenda?bylinkId=L&byfields=id,linkId", std::nullopt, acme_);
  EXPECT_EQ(ToJsonText(plain.All()[0]), R"({"id":"p1","linkId":"L"})");
  auto with_ops =
      server_.Call("GET", "/progress/agenda/p1?byfields=id,OperationProgress", std::nullopt, acme_);
  EXPECT_EQ(with_ops.All()[0].Find("operationProgress"), nullptr);  // projection is exact-case
  auto exact =
      server_.Call("GET", "/progress/agenda/p1?byfields=id,operationProgress", std::nullopt, acme_);
  EXPECT_EQ(exact.All()[0].Find("operationProgress")->AsArray().size(), 1u);
}

TEST_F(ApiCrudTest, ResourcePoolListsItsInsightsOnEveryRead) {
  server_.Call("POST", "/resourcepool", R"({"id":"rp","customerId":"acme","title":"p",
                                             "insightIds":["ignored"]})",
               acme_);
  server_.Call("POST", "/insight",
               R"({"id":"i1","customerId":"acme","title":"a","resourcePoolId":"rp"})", acme_);
  // The pool owner (or an admin) may put another customer's insight into its pool.
  server_.Call("POST", "/insight",
               R"({"id":"i2","customerId":"other","title":"b","resourcePoolId":"rp"})",
               server_.admin_token());
  auto pool = server_.Call("GET", "/resourcepool/rp", std::nullopt, server_.admin_token()).All()[0];
  EXPECT_EQ(ToJsonText(*pool.Find("insightIds")), R"(["i1","i2"])");
  // A caller sees only the insights it may read (the original listed every one).
  pool = server_.Call("GET", "/resourcepool/rp", std::nullopt, acme_).All()[0];
  EXPECT_EQ(ToJsonText(*pool.Find("insightIds")), R"(["i1"])");
}

TEST_F(ApiCrudTest, EchoesCidAndSendsCorsHeaders) {
  auto reply = server_.Call("GET", "/customer", std::nullopt, acme_, {{"X-pop-cid", "abc-123"}});
  EXPECT_EQ(reply.body.Find("cid")->AsString(), "abc-123");
  ASSERT_NE(reply.Header("access-control-allow-origin"), nullptr);
  EXPECT_EQ(*reply.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(*reply.Header("access-control-allow-methods"), "GET,OPTIONS");
  EXPECT_EQ(*reply.Header("content-type"), "application/json");
  auto no_cid = server_.Call("GET", "/customer", std::nullopt, acme_);
  EXPECT_EQ(no_cid.body.Find("cid"), nullptr);
  auto error =
      server_.Call("GET", "/customer?bylimit=0", std::nullopt, acme_, {{"X-pop-cid", "e-1"}});
  EXPECT_EQ(error.body.Find("errorResponse")->Find("correlationId")->AsString(), "e-1");
  EXPECT_EQ(error.body.Find("errorResponse")->Find("serverStackTrace"), nullptr);
}

TEST_F(ApiCrudTest, UnknownRoutesGet404AndUnknownVerbs405) {
  auto unknown = server_.Call("GET", "/transform", std::nullopt, acme_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.ErrorDescription(), "No route for GET /pop/transform");
  EXPECT_EQ(server_.Call("GET", "/agenda/a/b", std::nullopt, acme_).status, 404);
  EXPECT_EQ(server_.Raw("GET", "/elsewhere/agenda", std::nullopt, {}).status, 404);
  auto patch = server_.Call("PATCH", "/customer/x", "{}", acme_);
  EXPECT_EQ(patch.status, 405);
  EXPECT_EQ(server_.Call("PUT", "/token", "{}", server_.admin_token()).status, 405);
  EXPECT_EQ(server_.Call("GET", "/token/some-id", std::nullopt, server_.admin_token()).status, 405);
}

TEST_F(ApiCrudTest, OptionsPreflightNeedsNoCredentials) {
  auto reply = server_.Raw("OPTIONS", "/pop/agenda", std::nullopt, {});
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(*reply.Header("access-control-allow-methods"), "GET,POST,PUT,DELETE,OPTIONS");
}

TEST(ApiBasePathTest, RoutesLiveUnderTheConfiguredBasePath) {
  ApiServer server(ApiServerOptions{.base_path = "/api/v2"});
  auto token = server.TokenFor({"acme"});
  EXPECT_EQ(server.Call("GET", "/customer", std::nullopt, token).status, 200);
  auto old_path =
      server.Raw("GET", "/pop/customer", std::nullopt, {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(old_path.status, 404);
}

}  // namespace
}  // namespace pop::testing
