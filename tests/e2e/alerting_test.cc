// Alerting end to end: a real `pop server` process with `--alerts FILE`, and real HTTP receivers
// in the test (a generic webhook, and an Alertmanager whose v2 body is checked). An Agenda that
// fails after its last attempt gives one POST to each; `pop alert list` shows the alert; after a
// restart of the server (the alert state is in its store) nothing is sent again and the alert is
// still listed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "integration/alert_receiver_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using Steady = std::chrono::steady_clock;

// The Alertmanager v2 API's body: an array of alerts, each with labels.alertname, annotations,
// startsAt (and endsAt once resolved).
std::vector<std::string> AlertmanagerProblems(const ReceivedRequest& request) {
  std::vector<std::string> problems;
  if (request.method != "POST" || request.path != "/api/v2/alerts") {
    problems.push_back("not POST /api/v2/alerts: " + request.method + " " + request.path);
  }
  Result<Json> body = ParseJson(request.body);
  if (!body.ok() || !body->is_array() || body->AsArray().empty()) {
    problems.push_back("the body is not a non-empty array");
    return problems;
  }
  for (const Json& alert : body->AsArray()) {
    const Json* labels = alert.is_object() ? alert.Find("labels") : nullptr;
    const Json* name =
        labels != nullptr && labels->is_object() ? labels->Find("alertname") : nullptr;
    if (name == nullptr || !name->is_string()) problems.push_back("labels.alertname missing");
    if (!alert.is_object() || alert.Find("startsAt") == nullptr) {
      problems.push_back("startsAt missing");
    }
    if (!alert.is_object() || alert.Find("annotations") == nullptr) {
      problems.push_back("annotations missing");
    }
  }
  return problems;
}

// Waits up to `timeout` until `done` (another process delivers: polling).
bool WaitUntil(const std::function<bool()>& done, seconds timeout) {
  const auto deadline = Steady::now() + timeout;
  while (!done()) {
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

class AlertingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(alerts_file()) << R"({
      "intervalSeconds": 1,
      "countThreshold": 1,
      "uiBaseUrl": "https://pop.example.com",
      "delivery": {"retryCount": 1, "retryTimeoutMillis": 100, "requestTimeoutMillis": 2000},
      "rules": {"pullerSilent": {"enabled": false}, "queueWait": {"enabled": false}},
      "sinks": [
        {"name": "hook", "type": "webhook", "url": ")" +
                                        webhook_.url("/hook") + R"("},
        {"name": "am", "type": "alertmanager", "url": ")" +
                                        alertmanager_.url() + R"("}
      ]
    })";
  }

  std::filesystem::path alerts_file() const { return dir_.path() / "alerts.json"; }

  std::string StartServer(int n) {
    const std::filesystem::path ready = dir_.path() / ("ready-" + std::to_string(n));
    log_ = dir_.path() / ("server-" + std::to_string(n) + ".log");
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{std::string(POP_BINARY_DIR) + "/pop", "server", "--store",
                                 "sqlite:" + (dir_.path() / "pop.db").string(), "--listen",
                                 "127.0.0.1:0", "--ready-file", ready.string(),
                                 "--bootstrap-token-file", (dir_.path() / "admin-token").string(),
                                 "--alerts", alerts_file().string(), "--log-level", "info"},
        log_);
    std::optional<std::string> url = WaitForLine(ready, seconds(20));
    EXPECT_TRUE(url.has_value()) << ReadFile(log_);
    return url.value_or("");
  }

  // The alert list as `pop alert list --json` prints it.
  std::string AlertList(const std::string& url, const std::string& token) {
    PopRun run = RunPop({"alert", "list", "--json", "--server", url, "--token", token});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.out;
  }

  std::vector<ReceivedRequest> Firing(const AlertReceiver& receiver) {
    std::vector<ReceivedRequest> firing;
    for (const ReceivedRequest& request : receiver.requests()) {
      if (request.body.find("resolved") == std::string::npos) firing.push_back(request);
    }
    return firing;
  }

  ChaosDir dir_;
  AlertReceiver webhook_;
  AlertReceiver alertmanager_{AlertmanagerProblems};
  std::unique_ptr<ChildProcess> server_;
  std::filesystem::path log_;
};

TEST_F(AlertingTest, AFailedAgendaAlertsOnceAndARestartNeitherRepeatsNorForgetsIt) {
  const std::string url = StartServer(1);
  ASSERT_FALSE(url.empty());
  const std::string token = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  ApiClient api(url, token);
  ASSERT_EQ(
      api.Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})").status,
      200);
  ASSERT_EQ(api.Call("POST", "/insight",
                     R"({"id":"billing","customerId":"ops","title":"t","resourcePoolId":"rp",)"
                     R"("queueName":"billing","queueSize":10,)"
                     R"("schedulingAlgorithm":"FirstInFirstOut",)"
                     R"("isGlobal":true,"mappers":{"operationType":["billing"]}})")
                .status,
            200);
  ASSERT_EQ(api.Call("POST", "/customer",
                     R"({"id":"acme","customerId":"acme","title":"c","resourcePoolId":"rp"})")
                .status,
            200);
  ApiResult submitted = api.Call("POST", "/agenda",
                                 R"({"customerId":"acme","params":{"maximumAttempts":1},)"
                                 R"("operations":[{"name":"a","type":"billing","payload":{}}]})");
  ASSERT_EQ(submitted.status, 200) << ToJsonText(submitted.body);
  const Json& agenda = submitted.body.Find("all")->AsArray().at(0);
  const std::string agenda_id = agenda.Find("id")->AsString();
  const std::string progress_id = agenda.Find("progressId")->AsString();
  ApiResult claimed =
      api.Call("POST", "/resourcepool/service/getAgenda",
               R"({"insightId":"billing","count":1,"waitSeconds":5,"pullerId":"p1"})");
  ASSERT_EQ(claimed.status, 200) << ToJsonText(claimed.body);
  for (const char* state : {"EXECUTING", "COMPLETE"}) {
    const std::string message = std::string(state) == "COMPLETE" ? "failed" : "Running Operations";
    ApiResult reported =
        api.Call("POST", "/resourcepool/service/updateAgendaProgress",
                 R"({"pullerId":"p1","agendaProgress":{"id":")" + progress_id +
                     R"(","processingState":")" + state + R"(","processingStateMessage":")" +
                     message + R"(","operationProgress":[{"operation":"a","processingState":")" +
                     state + R"(","processingStateMessage":")" + message + R"("}]}})");
    ASSERT_EQ(reported.status, 200) << ToJsonText(reported.body);
  }

  ASSERT_TRUE(WaitUntil([&] { return !webhook_.requests().empty(); }, seconds(15)))
      << ReadFile(log_);
  ASSERT_TRUE(WaitUntil([&] { return !alertmanager_.requests().empty(); }, seconds(5)));
  ASSERT_EQ(webhook_.requests().size(), 1u);
  const ReceivedRequest posted = webhook_.requests()[0];
  EXPECT_EQ(posted.method, "POST");
  EXPECT_EQ(posted.path, "/hook");
  EXPECT_THAT(posted.body, HasSubstr("agendaFailed/billing/acme"));
  EXPECT_THAT(posted.body, HasSubstr(agenda_id));
  EXPECT_THAT(posted.body, HasSubstr("https://pop.example.com/ui/agendas/" + agenda_id));
  EXPECT_THAT(alertmanager_.problems(), ::testing::IsEmpty());
  EXPECT_THAT(AlertList(url, token), HasSubstr("agendaFailed/billing/acme"));

  // Restart: the alert is the store's, so the new process neither announces it again nor loses
  // it. Three rounds of the rules pass (intervalSeconds 1) before the check.
  EXPECT_EQ(server_->Terminate(), 0) << ReadFile(log_);
  const std::string restarted = StartServer(2);
  ASSERT_FALSE(restarted.empty());
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(Firing(webhook_).size(), 1u);
  EXPECT_EQ(webhook_.requests().size(), 1u);
  EXPECT_EQ(Firing(alertmanager_).size(), 1u);
  EXPECT_THAT(AlertList(restarted, token), HasSubstr("agendaFailed/billing/acme"));
  EXPECT_EQ(ReadFile(log_).find("alert firing"), std::string::npos) << ReadFile(log_);
}

}  // namespace
}  // namespace pop::testing
