// The alerting configuration file: defaults, every field read, and errors that name the field
// and never quote a secret.
#include "app/alerts/alert_config.h"

#include <gtest/gtest.h>

#include <string>

namespace pop::app {
namespace {

std::string ErrorOf(const std::string& text) {
  auto config = ParseAlertConfig(text);
  EXPECT_FALSE(config.ok()) << text;
  return config.ok() ? "" : config.error().message;
}

TEST(AlertConfigTest, EmptyObjectGivesTheOriginalsDefaults) {
  auto config = ParseAlertConfig("{}");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config.value().engine.default_threshold, 2);                   // alert.count.threshold
  EXPECT_EQ(config.value().delivery.retry_count, 3);                       // alert.retry.count
  EXPECT_EQ(config.value().delivery.retry_backoff, Duration::Seconds(5));  // alert.retry.timeout
  EXPECT_EQ(config.value().delivery.request_timeout.count(), 30'000);      // alert.request.timeout
  EXPECT_EQ(config.value().rules.puller_silence, Duration::Seconds(30));
  EXPECT_TRUE(config.value().sinks.empty());
}

TEST(AlertConfigTest, ReadsEveryField) {
  auto config = ParseAlertConfig(R"({
    "uiBaseUrl": "https://pop.example.com",
    "intervalSeconds": 5,
    "countThreshold": 4,
    "delivery": {"retryCount": 1, "retryTimeoutMillis": 250, "requestTimeoutMillis": 2000},
    "rules": {
      "agendaFailed": {"threshold": 1},
      "operationTypeFailing": {"failures": 3, "windowSeconds": 60},
      "queueWait": {"waitSeconds": 120, "threshold": 2},
      "pullerSilent": {"lastRequestMilliseconds": 10000},
      "reclaimed": {"enabled": false}
    },
    "sinks": [
      {"name": "ops", "type": "webhook", "url": "http://hooks.example.com/pop",
       "token": "s3cret", "headers": {"X-Team": "ops"}},
      {"type": "slack", "url": "https://hooks.slack.com/services/T/B/X"},
      {"name": "am", "type": "alertmanager", "url": "http://alertmanager:9093"}
    ]})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const AlertConfig& c = config.value();
  EXPECT_EQ(c.engine.ui_base_url, "https://pop.example.com");
  EXPECT_EQ(c.interval, Duration::Seconds(5));
  EXPECT_EQ(c.engine.default_threshold, 4);
  EXPECT_EQ(c.engine.thresholds.at(AlertRule::kAgendaFailed), 1);
  EXPECT_EQ(c.engine.thresholds.at(AlertRule::kQueueWait), 2);
  EXPECT_EQ(c.engine.thresholds.count(AlertRule::kPullerSilent), 0u);
  EXPECT_EQ(c.delivery.retry_count, 1);
  EXPECT_EQ(c.delivery.retry_backoff, Duration::Millis(250));
  EXPECT_EQ(c.delivery.request_timeout.count(), 2000);
  EXPECT_EQ(c.rules.operation_failures, 3);
  EXPECT_EQ(c.rules.operation_window, Duration::Seconds(60));
  EXPECT_EQ(c.rules.queue_wait, Duration::Seconds(120));
  EXPECT_EQ(c.rules.puller_silence, Duration::Seconds(10));
  EXPECT_TRUE(c.rules.disabled.at(AlertRule::kReclaimed));
  ASSERT_EQ(c.sinks.size(), 3u);
  EXPECT_EQ(c.sinks[0].name, "ops");
  EXPECT_EQ(c.sinks[0].token, "s3cret");
  EXPECT_EQ(c.sinks[0].headers.size(), 1u);
  EXPECT_EQ(c.sinks[1].kind, AlertSinkKind::kSlack);
  EXPECT_EQ(c.sinks[1].name, "sinks[1]");  // a sink without a name is called by its place
  EXPECT_EQ(c.sinks[2].kind, AlertSinkKind::kAlertmanager);
}

TEST(AlertConfigTest, ErrorsNameTheField) {
  EXPECT_NE(ErrorOf("[1]").find("(file): must be a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf("{").find("(file)"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"colour": 1})").find("colour: unknown field"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"countThreshold": 0})").find("countThreshold: must be a whole number"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"rules": {"agendaFailed": {"threshold": "2"}}})")
                .find("rules.agendaFailed.threshold"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"rules": {"diskFull": {}}})").find("rules.diskFull: unknown rule"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"rules": {"queueWait": {"failures": 3}}})")
                .find("rules.queueWait.failures: unknown field"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"delivery": {"retryCount": -1}})").find("delivery.retryCount"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"sinks": [{"type": "pager", "url": "http://x"}]})").find("sinks[0].type"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"sinks": {}})").find("sinks: must be an array"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"sinks": [{"type": "webhook", "url": "http://x", "headers": {"A": 1}}]})")
                .find("sinks[0].headers.A"),
            std::string::npos);
}

TEST(AlertConfigTest, ABadUrlIsNamedButNeverQuoted) {
  const std::string error =
      ErrorOf(R"({"sinks": [{"type": "slack", "url": "ftp://hooks/T0/B0/topsecret"}]})");
  EXPECT_NE(error.find("sinks[0].url: must be an http:// or https:// URL"), std::string::npos);
  EXPECT_EQ(error.find("topsecret"), std::string::npos);
}

}  // namespace
}  // namespace pop::app
