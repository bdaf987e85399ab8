// GET /pop/alert over real HTTP: current then recent alerts, the status filter, and the tenant
// rule (a customer sees alerts about its own Agendas only; a super user every alert).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/alert_route.h"
#include "app/alerts/alert_engine.h"
#include "core/codec/json_text.h"
#include "fakes/fake_clock.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

app::AlertObservation Observation(app::AlertRule rule, const std::string& key,
                                  const std::string& customer) {
  app::AlertObservation observation;
  observation.rule = rule;
  observation.key = key;
  observation.subject = {"insight-1", customer.empty() ? "" : "agenda-of-" + customer, customer,
                         ""};
  observation.summary = std::string(app::AlertRuleName(rule)) + " " + key;
  return observation;
}

class AlertRouteTest : public ::testing::Test {
 protected:
  AlertRouteTest() {
    engine_.Failure(Observation(app::AlertRule::kAgendaFailed, "insight-1/acme", "acme"));
    engine_.Failure(Observation(app::AlertRule::kQueueWait, "insight-1", "globex"));
    engine_.Failure(Observation(app::AlertRule::kStoreWriteFailing, "store", ""));
    engine_.Failure(Observation(app::AlertRule::kOperationTypeFailing, "sample", "acme"));
    engine_.Failure(Observation(app::AlertRule::kAgendaFailed, "insight-2/acme", "acme"));
    clock_.Advance(Duration::Seconds(5));
    engine_.Pass(app::AlertRule::kAgendaFailed, "insight-2/acme");
    Status committed = engine_.Commit();
    EXPECT_TRUE(committed.ok()) << committed.message();
  }
  std::vector<std::string> Ids(const std::string& token, const std::string& query = "") {
    ApiReply reply = server_.Call("GET", "/alert" + query, std::nullopt, token);
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    std::vector<std::string> ids;
    for (const Json& alert : reply.All()) ids.push_back(StringAt(alert, "id"));
    return ids;
  }
  static ApiServerOptions ServerOptions(const app::AlertEngine* engine) {
    ApiServerOptions options;
    options.alerts = engine;
    return options;
  }
  static app::AlertEngineOptions Options() {
    app::AlertEngineOptions options;
    options.default_threshold = 1;
    return options;
  }

  // The store the alerts are kept in: another server's (the one that evaluates the rules), as
  // when several servers share one.
  ApiServer leader_;
  FakeClock& clock_ = leader_.clock();
  app::AlertEngine engine_{leader_.store(), clock_, Options(), nullptr};
  ApiServer server_{ServerOptions(&engine_)};
};

TEST_F(AlertRouteTest, SuperUserSeesEveryAlertCurrentFirst) {
  EXPECT_EQ(Ids(server_.admin_token()),
            (std::vector<std::string>{"agendaFailed/insight-1/acme", "operationTypeFailing/sample",
                                      "queueWait/insight-1", "storeWriteFailing/store",
                                      "agendaFailed/insight-2/acme"}));
  ApiReply reply =
      server_.Call("GET", "/alert?status=resolved", std::nullopt, server_.admin_token());
  ASSERT_EQ(reply.All().size(), 1u);
  EXPECT_EQ(StringAt(reply.All()[0], "status"), "resolved");
  EXPECT_EQ(StringAt(reply.All()[0], "agendaId"), "agenda-of-acme");
  EXPECT_FALSE(StringAt(reply.All()[0], "resolvedAt").empty());
  EXPECT_EQ(Ids(server_.admin_token(), "?status=firing").size(), 4u);
}

TEST_F(AlertRouteTest, ACustomerSeesAlertsAboutItsOwnAgendasOnly) {
  EXPECT_EQ(
      Ids(server_.TokenFor({"acme"})),
      (std::vector<std::string>{"agendaFailed/insight-1/acme", "agendaFailed/insight-2/acme"}));
  EXPECT_EQ(Ids(server_.TokenFor({"globex"})), std::vector<std::string>{"queueWait/insight-1"});
  EXPECT_TRUE(Ids(server_.TokenFor({"initech"})).empty());
}

TEST_F(AlertRouteTest, ABadStatusIsRefusedNamingTheField) {
  ApiReply reply = server_.Call("GET", "/alert?status=open", std::nullopt, server_.admin_token());
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(ToJsonText(reply.body).find("status: must be"), std::string::npos);
}

}  // namespace
}  // namespace pop::testing
