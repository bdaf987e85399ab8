// AlertDispatcher against real HTTP receivers (AlertReceiver) through the curl client: the JSON
// webhook, Slack, an Alertmanager endpoint that checks the v2 body schema, retries with backoff
// on a fake clock, a receiver that is down (given up and said so; Enqueue never waits) and a
// slow one (its request times out; other sinks are not held up).
#include "app/alerts/alert_dispatcher.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "core/codec/json_text.h"
#include "fakes/fake_clock.h"
#include "integration/alert_receiver_support.h"

namespace pop::testing {
namespace {

class RecordingLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return true; }
  void Log(LogLevel, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(message);
  }
  std::string All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string all;
    for (const auto& line : lines_) all += line + "\n";
    return all;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

app::AlertNotice Notice(app::AlertTransition transition = app::AlertTransition::kFiring) {
  app::AlertNotice notice;
  notice.transition = transition;
  app::Alert& alert = notice.alert;
  alert.id = "queueWait/insight-1";
  alert.rule = app::AlertRule::kQueueWait;
  alert.key = "insight-1";
  alert.subject = {"insight-1", "agenda-3", "acme", ""};
  alert.summary = "insight insight-1: the oldest queued Agenda (agenda-3) has waited 700 s";
  alert.count = 2;
  alert.first_seen = Timestamp::FromMillis(1'600'000'000'000);
  alert.last_seen = Timestamp::FromMillis(1'600'000'030'000);
  alert.agenda_url = "https://pop.example.com/ui/agendas/agenda-3";
  if (transition == app::AlertTransition::kResolved) {
    alert.resolved_at = Timestamp::FromMillis(1'600'000'090'000);
  }
  return notice;
}

// What Alertmanager's v2 API (its OpenAPI spec, postableAlerts) accepts: an array of objects
// with `labels` (required; string values, non-empty names), optional `annotations` (string
// values), optional `startsAt`/`endsAt` (RFC 3339 date-times) and `generatorURL` (a URI).
std::vector<std::string> CheckAlertmanagerV2(const ReceivedRequest& request) {
  std::vector<std::string> problems;
  if (request.method != "POST") problems.push_back("method " + request.method);
  if (request.path != "/api/v2/alerts") problems.push_back("path " + request.path);
  if (request.headers.count("content-type") == 0 ||
      request.headers.at("content-type") != "application/json") {
    problems.push_back("content-type");
  }
  auto body = ParseJson(request.body);
  if (!body.ok() || !body.value().is_array() || body.value().AsArray().empty()) {
    problems.push_back("body is not a non-empty array");
    return problems;
  }
  static const std::regex kDateTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))");
  for (const Json& alert : body.value().AsArray()) {
    if (!alert.is_object()) {
      problems.push_back("alert is not an object");
      continue;
    }
    for (const auto& [key, value] : alert.AsObject()) {
      if (key != "labels" && key != "annotations" && key != "startsAt" && key != "endsAt" &&
          key != "generatorURL") {
        problems.push_back("unknown field " + key);
      }
    }
    const Json* labels = alert.Find("labels");
    if (labels == nullptr || !labels->is_object() || labels->AsObject().empty()) {
      problems.push_back("labels missing");
    } else if (labels->Find("alertname") == nullptr) {
      problems.push_back("labels.alertname missing");
    }
    for (const char* field : {"labels", "annotations"}) {
      const Json* set = alert.Find(field);
      if (set == nullptr) continue;
      if (!set->is_object()) {
        problems.push_back(std::string(field) + " is not an object");
        continue;
      }
      for (const auto& [name, value] : set->AsObject()) {
        if (name.empty() || !value.is_string() || value.AsString().empty()) {
          problems.push_back(std::string(field) + "." + name + " is not a non-empty string");
        }
      }
    }
    for (const char* field : {"startsAt", "endsAt"}) {
      const Json* time = alert.Find(field);
      if (time != nullptr &&
          (!time->is_string() || !std::regex_match(time->AsString(), kDateTime))) {
        problems.push_back(std::string(field) + " is not a date-time");
      }
    }
    const Json* generator = alert.Find("generatorURL");
    if (generator != nullptr &&
        (!generator->is_string() || generator->AsString().rfind("http", 0) != 0)) {
      problems.push_back("generatorURL is not a URI");
    }
  }
  return problems;
}

class AlertDeliveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<app::AlertDispatcher> MakeDispatcher(std::vector<app::AlertSinkConfig> sinks,
                                                       app::AlertDeliveryOptions options = {}) {
    return std::make_unique<app::AlertDispatcher>(*http_, clock_, logger_, std::move(sinks),
                                                  options);
  }
  // Polls (the worker threads run on real time) until `done`, advancing the fake clock so that
  // backoff waits end; a failing test gives up after about 10 s instead of hanging.
  template <typename Done>
  bool WaitFor(Done done, Duration advance_each = Duration::Millis(0)) {
    for (int i = 0; i < 10'000; ++i) {
      if (done()) return true;
      if (advance_each.millis() > 0) clock_.Advance(advance_each);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
  }

  std::unique_ptr<CurlHttpClient> http_ = std::move(CurlHttpClient::Create()).value();
  FakeClock clock_;
  RecordingLogger logger_;
};

TEST_F(AlertDeliveryTest, WebhookReceivesTheAlertWithItsToken) {
  AlertReceiver receiver;
  auto dispatcher = MakeDispatcher(
      {{"ops", app::AlertSinkKind::kWebhook, receiver.url("/hook"), "tok-1", {{"X-Team", "ops"}}}});
  dispatcher->Enqueue(Notice());
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().delivered == 1; }));
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/hook");
  EXPECT_EQ(requests[0].headers["authorization"], "Bearer tok-1");
  EXPECT_EQ(requests[0].headers["x-team"], "ops");
  auto body = ParseJson(requests[0].body);
  ASSERT_TRUE(body.ok()) << requests[0].body;
  EXPECT_EQ(body.value().Find("status")->AsString(), "firing");
  const Json& alert = *body.value().Find("alert");
  EXPECT_EQ(alert.Find("rule")->AsString(), "queueWait");
  EXPECT_EQ(alert.Find("agendaId")->AsString(), "agenda-3");
  EXPECT_EQ(alert.Find("agendaUrl")->AsString(), "https://pop.example.com/ui/agendas/agenda-3");
  EXPECT_EQ(alert.Find("count")->AsInt(), 2);
}

TEST_F(AlertDeliveryTest, SlackReceivesText) {
  AlertReceiver receiver;
  auto dispatcher = MakeDispatcher(
      {{"chat", app::AlertSinkKind::kSlack, receiver.url("/services/T/B/X"), "", {}}});
  dispatcher->Enqueue(Notice(app::AlertTransition::kResolved));
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().delivered == 1; }));
  auto body = ParseJson(receiver.requests().at(0).body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body.value().Find("text")->AsString().rfind("[RESOLVED] queueWait: ", 0), 0u);
}

TEST_F(AlertDeliveryTest, AlertmanagerReceivesValidV2Alerts) {
  AlertReceiver alertmanager(CheckAlertmanagerV2);
  auto dispatcher =
      MakeDispatcher({{"am", app::AlertSinkKind::kAlertmanager, alertmanager.url(), "", {}}});
  dispatcher->Enqueue(Notice(app::AlertTransition::kFiring));
  dispatcher->Enqueue(Notice(app::AlertTransition::kResolved));
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().delivered == 2; }))
      << ::testing::PrintToString(alertmanager.problems());
  EXPECT_TRUE(alertmanager.problems().empty());
  auto requests = alertmanager.requests();
  ASSERT_EQ(requests.size(), 2u);
  auto firing = ParseJson(requests[0].body).value().AsArray().at(0);
  EXPECT_EQ(firing.Find("labels")->Find("alertname")->AsString(), "pop_queueWait");
  EXPECT_EQ(firing.Find("labels")->Find("insight")->AsString(), "insight-1");
  EXPECT_EQ(firing.Find("endsAt"), nullptr);
  auto resolved = ParseJson(requests[1].body).value().AsArray().at(0);
  EXPECT_EQ(resolved.Find("endsAt")->AsString(), "2020-09-13T12:28:10.000Z");
  // The checker bites: a body without labels is refused.
  ReceivedRequest bad{"POST",
                      "/api/v2/alerts",
                      {{"content-type", "application/json"}},
                      R"([{"annotations":{"summary":"x"},"startsAt":"yesterday"}])"};
  EXPECT_EQ(CheckAlertmanagerV2(bad).size(), 2u);
}

TEST_F(AlertDeliveryTest, RetriesWithBackoffUntilTheReceiverAccepts) {
  AlertReceiver receiver;
  receiver.ScriptStatuses({503, 500});
  app::AlertDeliveryOptions options;
  options.retry_count = 3;
  options.retry_backoff = Duration::Seconds(5);
  auto dispatcher = MakeDispatcher(
      {{"ops", app::AlertSinkKind::kWebhook, receiver.url("/hook"), "", {}}}, options);
  dispatcher->Enqueue(Notice());
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().attempts == 1; }));
  // The first retry waits 5 s of the clock: without time passing, nothing more is sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(dispatcher->Stats().attempts, 1);
  clock_.Advance(Duration::Millis(4999));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(dispatcher->Stats().attempts, 1);
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().delivered == 1; }, Duration::Seconds(1)));
  EXPECT_EQ(dispatcher->Stats().attempts, 3);
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_NE(logger_.All().find("attempt 1 failed: HTTP 503"), std::string::npos) << logger_.All();
}

TEST_F(AlertDeliveryTest, AReceiverThatIsDownIsGivenUpAndSaidSoWithoutTheUrl) {
  const std::string secret_url =
      "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/services/T0/B0/secretpath";
  app::AlertDeliveryOptions options;
  options.retry_count = 2;
  options.retry_backoff = Duration::Seconds(5);
  auto dispatcher =
      MakeDispatcher({{"chat", app::AlertSinkKind::kSlack, secret_url, "tok-secret", {}}}, options);
  // Enqueue returns while the sink waits for its first retry, which needs the clock to move.
  dispatcher->Enqueue(Notice());
  dispatcher->Enqueue(Notice(app::AlertTransition::kResolved));
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().attempts >= 1; }));
  EXPECT_EQ(dispatcher->Stats().given_up, 0);
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().given_up == 2; }, Duration::Seconds(1)));
  EXPECT_EQ(dispatcher->Stats().attempts, 6);  // 1 + 2 retries, each notice
  EXPECT_EQ(dispatcher->Stats().delivered, 0);
  const std::string logs = logger_.All();
  EXPECT_NE(logs.find("alert sink chat (slack): gave up on firing alert queueWait/insight-1 after "
                      "3 attempts"),
            std::string::npos)
      << logs;
  EXPECT_EQ(logs.find("secretpath"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("tok-secret"), std::string::npos) << logs;
  EXPECT_TRUE(dispatcher->Idle());
}

TEST_F(AlertDeliveryTest, ASlowReceiverTimesOutAndHoldsUpOnlyItsOwnSink) {
  AlertReceiver slow;
  slow.set_delay(std::chrono::milliseconds(400));
  AlertReceiver fast;
  app::AlertDeliveryOptions options;
  options.retry_count = 0;
  options.request_timeout = std::chrono::milliseconds(100);
  auto dispatcher =
      MakeDispatcher({{"slow", app::AlertSinkKind::kWebhook, slow.url("/hook"), "", {}},
                      {"fast", app::AlertSinkKind::kWebhook, fast.url("/hook"), "", {}}},
                     options);
  dispatcher->Enqueue(Notice());
  dispatcher->Enqueue(Notice(app::AlertTransition::kResolved));
  ASSERT_TRUE(WaitFor([&] { return fast.requests().size() == 2; }));
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().given_up == 2; }));
  EXPECT_EQ(dispatcher->Stats().delivered, 2);
  EXPECT_NE(logger_.All().find("alert sink slow (webhook): gave up on firing alert"),
            std::string::npos)
      << logger_.All();
}

TEST_F(AlertDeliveryTest, StopEndsAWaitForARetry) {
  app::AlertDeliveryOptions options;
  options.retry_backoff = Duration::Minutes(10);
  auto dispatcher = MakeDispatcher({{"down",
                                     app::AlertSinkKind::kWebhook,
                                     "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/",
                                     "",
                                     {}}},
                                   options);
  dispatcher->Enqueue(Notice());
  ASSERT_TRUE(WaitFor([&] { return dispatcher->Stats().attempts == 1; }));
  dispatcher->Stop();  // returns although the clock never reaches the retry
  EXPECT_EQ(dispatcher->Stats().attempts, 1);
}

}  // namespace
}  // namespace pop::testing
