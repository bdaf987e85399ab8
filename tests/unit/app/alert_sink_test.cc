// The request each sink kind receives for a notice, the time format, and redaction of secrets.
#include "app/alerts/alert_sink.h"

#include <gtest/gtest.h>

#include "core/codec/json_text.h"

namespace pop::app {
namespace {

AlertNotice Notice(AlertTransition transition) {
  AlertNotice notice;
  notice.transition = transition;
  Alert& alert = notice.alert;
  alert.id = "agendaFailed/insight-1/acme";
  alert.rule = AlertRule::kAgendaFailed;
  alert.key = "insight-1/acme";
  alert.subject = {"insight-1", "agenda-9", "acme", ""};
  alert.summary = "Agenda agenda-9 failed";
  alert.count = 2;
  alert.first_seen = Timestamp::FromMillis(1'600'000'000'000);
  alert.last_seen = Timestamp::FromMillis(1'600'000'060'000);
  alert.agenda_url = "https://pop.example.com/ui/agendas/agenda-9";
  if (transition == AlertTransition::kResolved) {
    alert.resolved_at = Timestamp::FromMillis(1'600'000'120'500);
  }
  return notice;
}

TEST(AlertSinkTest, FormatsTimesAsRfc3339Utc) {
  EXPECT_EQ(FormatAlertTime(Timestamp::FromMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatAlertTime(Timestamp::FromMillis(1'600'000'120'500)), "2020-09-13T12:28:40.500Z");
  EXPECT_EQ(FormatAlertTime(Timestamp::FromMillis(951'825'600'000)), "2000-02-29T12:00:00.000Z");
}

TEST(AlertSinkTest, WebhookPostsTheStatusAndTheWholeAlert) {
  AlertSinkConfig sink{"ops", AlertSinkKind::kWebhook, "http://h/pop", "tok", {{"X-Team", "ops"}}};
  auto request =
      BuildAlertRequest(sink, Notice(AlertTransition::kFiring), std::chrono::milliseconds(1500));
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://h/pop");
  EXPECT_EQ(request.timeout.count(), 1500);
  auto body = ParseJson(request.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body.value().Find("status")->AsString(), "firing");
  const Json& alert = *body.value().Find("alert");
  EXPECT_EQ(alert.Find("rule")->AsString(), "agendaFailed");
  EXPECT_EQ(alert.Find("agendaId")->AsString(), "agenda-9");
  EXPECT_EQ(alert.Find("customerId")->AsString(), "acme");
  EXPECT_EQ(alert.Find("insightId")->AsString(), "insight-1");
  EXPECT_EQ(alert.Find("count")->AsInt(), 2);
  EXPECT_EQ(alert.Find("firstSeen")->AsString(), "2020-09-13T12:26:40.000Z");
  EXPECT_EQ(alert.Find("lastSeen")->AsString(), "2020-09-13T12:27:40.000Z");
  EXPECT_EQ(alert.Find("agendaUrl")->AsString(), "https://pop.example.com/ui/agendas/agenda-9");
  bool has_bearer = false;
  bool has_extra = false;
  for (const auto& [name, value] : request.headers) {
    has_bearer |= name == "Authorization" && value == "Bearer tok";
    has_extra |= name == "X-Team" && value == "ops";
  }
  EXPECT_TRUE(has_bearer);
  EXPECT_TRUE(has_extra);
}

TEST(AlertSinkTest, SlackGetsOneLineOfTextWithTheLink) {
  AlertSinkConfig sink{"chat", AlertSinkKind::kSlack, "https://hooks.slack.com/x", "", {}};
  auto request =
      BuildAlertRequest(sink, Notice(AlertTransition::kResolved), std::chrono::milliseconds(1000));
  auto body = ParseJson(request.body);
  ASSERT_TRUE(body.ok());
  const std::string text = body.value().Find("text")->AsString();
  EXPECT_EQ(text.rfind("[RESOLVED] agendaFailed: Agenda agenda-9 failed", 0), 0u) << text;
  EXPECT_NE(text.find("resolved 2020-09-13T12:28:40.500Z"), std::string::npos) << text;
  EXPECT_NE(text.find("<https://pop.example.com/ui/agendas/agenda-9|Agenda agenda-9>"),
            std::string::npos);
}

TEST(AlertSinkTest, AlertmanagerGetsTheV2PathAndEndsAtOnlyWhenResolved) {
  AlertSinkConfig sink{"am", AlertSinkKind::kAlertmanager, "http://am:9093/", "", {}};
  auto firing =
      BuildAlertRequest(sink, Notice(AlertTransition::kFiring), std::chrono::milliseconds(1000));
  EXPECT_EQ(firing.url, "http://am:9093/api/v2/alerts");
  auto body = ParseJson(firing.body);
  ASSERT_TRUE(body.ok() && body.value().is_array());
  const Json& alert = body.value().AsArray().at(0);
  EXPECT_EQ(alert.Find("labels")->Find("alertname")->AsString(), "pop_agendaFailed");
  EXPECT_EQ(alert.Find("startsAt")->AsString(), "2020-09-13T12:26:40.000Z");
  EXPECT_EQ(alert.Find("endsAt"), nullptr);
  auto resolved = ParseJson(
      BuildAlertRequest(sink, Notice(AlertTransition::kResolved), std::chrono::milliseconds(1))
          .body);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved.value().AsArray().at(0).Find("endsAt")->AsString(),
            "2020-09-13T12:28:40.500Z");
}

TEST(AlertSinkTest, RedactsEverySecret) {
  AlertSinkConfig sink{
      "ops", AlertSinkKind::kAlertmanager, "http://am.internal:9093", "tok123", {{"X-Key", "k9"}}};
  EXPECT_EQ(RedactSecrets(sink, "POST http://am.internal:9093/api/v2/alerts: refused (tok123, k9)"),
            "POST <redacted>/api/v2/alerts: refused (<redacted>, <redacted>)");
}

}  // namespace
}  // namespace pop::app
