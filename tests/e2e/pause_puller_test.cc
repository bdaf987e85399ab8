// Pause and resume end to end with `pop server` and a `pop puller` in its own process (docs/api.md,
// "Pause and resume"): the remote executor learns a pause from the answer to its next report,
// starts no new operation while its running one finishes, the pause outlives a server restart,
// resume lets the agenda finish, a finished agenda is refused; a paused insight hands out nothing
// until it is resumed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chaos/chaos_support.h"
#include "core/codec/json_text.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Polls `condition` every 50 ms until it holds or `patience` runs out (other processes do the
// work; there is nothing to wait on but polling). Returns whether it held.
template <typename Condition>
bool Eventually(Condition condition, SteadyClock::duration patience) {
  const auto deadline = SteadyClock::now() + patience;
  while (!condition()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

class PausePullerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal_ = dir_.path() / "journal";
    gate_ = dir_.path() / "gate";
    // `slow` reports a rising percentage every 0.1 s until the gate file exists, then completes;
    // `quick` completes at once. Both journal "start|end <operation>".
    WriteHandler("slow",
                 "p=0\n"
                 "while [ ! -e '" +
                     gate_.string() +
                     "' ]; do\n"
                     "  p=$((p + 1))\n"
                     "  printf '{\"processingState\":\"EXECUTING\",\"percentComplete\":%d}\\n' "
                     "$((p % 90)) >> \"$POP_REPORT\"\n"
                     "  sleep 0.1\n"
                     "done\n");
    WriteHandler("quick", "");
    std::ofstream(dir_.path() / "registry.json")
        << R"({"slow":{"command":")" << (dir_.path() / "slow.sh").string()
        << R"(","timeoutSeconds":120},"quick":{"command":")" << (dir_.path() / "quick.sh").string()
        << R"(","timeoutSeconds":60}})";
    StartServer();
    ASSERT_FALSE(HasFatalFailure());
    ApiClient admin = Admin();
    ASSERT_EQ(CreatePoolInsightAndCustomer(admin, "work", {"slow", "quick"}, 5), "");
    puller_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            PopBinary(), "puller", "--server", url_, "--token", token_, "--insight", "work",
            "--registry", (dir_.path() / "registry.json").string(), "--log-level", "warning"},
        dir_.path() / "puller.log");
  }

  void TearDown() override {
    // Killed: an orderly stop waits for the puller's parked long poll to end (up to its wait),
    // which this test is not about; every agenda has finished by now.
    if (puller_) puller_->Kill9();
    if (server_) {
      EXPECT_EQ(server_->Terminate(), 0) << ReadFile(dir_.path() / "server.log");
    }
  }

  void WriteHandler(const std::string& type, const std::string& body) {
    const std::filesystem::path script = dir_.path() / (type + ".sh");
    std::ofstream out(script);
    out << "#!/bin/sh\n"
           "echo \"start $OPERATION_NAME\" >> '"
        << journal_.string() << "'\n"
        << body
        << "printf '%s\\n' '{\"processingState\":\"COMPLETE\",\"processingStateMessage\":"
           "\"succeeded\",\"percentComplete\":100.0,\"result\":{\"ok\":true}}' >> \"$POP_REPORT\"\n"
           "echo \"end $OPERATION_NAME\" >> '"
        << journal_.string() << "'\n";
    out.close();
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  }

  // Starts (or restarts) the server on the test's database; the first start writes the admin
  // token, a restart keeps the port so that the puller finds it again.
  void StartServer() {
    std::filesystem::remove(dir_.path() / "ready");
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{PopBinary(), "server", "--store",
                                 "sqlite:" + (dir_.path() / "pop.db").string(), "--listen", listen_,
                                 "--ready-file", (dir_.path() / "ready").string(),
                                 "--bootstrap-token-file", (dir_.path() / "admin-token").string(),
                                 "--log-level", "warning"},
        dir_.path() / "server.log");
    auto url = WaitForLine(dir_.path() / "ready", seconds(30));
    ASSERT_TRUE(url.has_value()) << ReadFile(dir_.path() / "server.log");
    url_ = *url;
    listen_ = url_.substr(url_.find("//") + 2);
    listen_ = listen_.substr(0, listen_.find('/'));
    token_ = WaitForLine(dir_.path() / "admin-token", seconds(5)).value_or("");
  }

  ApiClient Admin() { return ApiClient(url_, token_); }

  // Submits a two-operation chain (slow, then quick) for acme; returns its agenda id.
  std::string SubmitChain(const std::string& link) {
    ApiResult reply = Admin().Call(
        "POST", "/agenda",
        R"({"customerId":"acme","linkId":")" + link +
            R"(","operations":[{"name":"first","type":"slow","payload":{}},)"
            R"({"name":"second","type":"quick","payload":{},"params":{"dependsOn":"first"}}]})");
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
    const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
    if (all == nullptr || !all->is_array() || all->AsArray().empty()) return "";
    return StringField(all->AsArray()[0], "id");
  }

  Json Progress(const std::string& agenda_id) {
    ApiResult reply = Admin().Call("GET", "/progress/agenda?byagendaId=" + agenda_id);
    const Json* all = reply.body.is_object() ? reply.body.Find("all") : nullptr;
    if (reply.status != 200 || all == nullptr || !all->is_array() || all->AsArray().empty()) {
      return Json();
    }
    return all->AsArray()[0];
  }

  static std::string OperationPercent(const Json& progress, const std::string& name) {
    const Json* ops = progress.is_object() ? progress.Find("operationProgress") : nullptr;
    if (ops == nullptr || !ops->is_array()) return "";
    for (const Json& op : ops->AsArray()) {
      if (StringField(op, "operation") != name) continue;
      const Json* percent = op.Find("percentComplete");
      return percent != nullptr ? ToJsonText(*percent) : "";
    }
    return "";
  }

  std::string Journal() { return ReadFile(journal_); }

  Json Why(const std::string& agenda_id) {
    return Admin().Call("GET", "/agenda/" + agenda_id + "/why").body;
  }

  ChaosDir dir_;
  std::filesystem::path journal_;
  std::filesystem::path gate_;
  std::string listen_ = "127.0.0.1:0";
  std::string url_;
  std::string token_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<ChildProcess> puller_;
};

TEST_F(PausePullerTest, ARemoteExecutorFinishesTheRunningOperationStartsNoOtherAndGoesOnAtResume) {
  const std::string agenda = SubmitChain("pause-1");
  ASSERT_FALSE(agenda.empty());
  ASSERT_TRUE(
      Eventually([&] { return Journal().find("start first") != std::string::npos; }, seconds(30)))
      << ReadFile(dir_.path() / "puller.log");

  ApiResult paused =
      Admin().Call("POST", "/agenda/service/pause", R"({"agendaId":")" + agenda + R"("})");
  ASSERT_EQ(paused.status, 200) << ToJsonText(paused.body);
  EXPECT_EQ(ToJsonText(*paused.body.Find("paused")), "true");
  EXPECT_EQ(ToJsonText(*paused.body.Find("running")), "true");

  // Two reports stored after the pause (the slow handler's percentage moves) were answered
  // with "paused": the remote executor knows.
  std::string percent = OperationPercent(Progress(agenda), "first");
  for (int report = 0; report < 2; ++report) {
    ASSERT_TRUE(Eventually(
        [&] {
          const std::string now = OperationPercent(Progress(agenda), "first");
          if (now == percent) return false;
          percent = now;
          return true;
        },
        seconds(15)))
        << "no progress report reached the server after the pause";
  }

  // The running operation finishes; the next one does not start.
  std::ofstream(gate_).put('\n');
  ASSERT_TRUE(
      Eventually([&] { return Journal().find("end first") != std::string::npos; }, seconds(15)));
  ASSERT_TRUE(Eventually([&] { return OperationPercent(Progress(agenda), "first") == "100.0"; },
                         seconds(15)))
      << ToJsonText(Progress(agenda));
  std::this_thread::sleep_for(seconds(1));  // what must not happen has had time to happen
  EXPECT_EQ(Journal().find("start second"), std::string::npos) << Journal();
  Json why = Why(agenda);
  EXPECT_EQ(StringField(why, "state"), "PAUSED") << ToJsonText(why);
  EXPECT_NE(StringField(Progress(agenda), "processingState"), "COMPLETE");

  // The pause outlives a restart of the server; the puller reconnects by itself.
  ASSERT_EQ(server_->Terminate(), 0) << ReadFile(dir_.path() / "server.log");
  StartServer();
  ASSERT_FALSE(HasFatalFailure());
  why = Why(agenda);
  EXPECT_EQ(StringField(why, "state"), "PAUSED") << ToJsonText(why);
  std::this_thread::sleep_for(seconds(1));
  EXPECT_EQ(Journal().find("start second"), std::string::npos) << Journal();

  ApiResult resumed =
      Admin().Call("POST", "/agenda/service/resume", R"({"agendaId":")" + agenda + R"("})");
  ASSERT_EQ(resumed.status, 200) << ToJsonText(resumed.body);
  ASSERT_TRUE(Eventually(
      [&] { return StringField(Progress(agenda), "processingState") == "COMPLETE"; }, seconds(30)))
      << ToJsonText(Progress(agenda)) << ReadFile(dir_.path() / "puller.log");
  const Json done = Progress(agenda);
  EXPECT_EQ(StringField(done, "processingStateMessage"), "succeeded") << ToJsonText(done);
  // Each operation ran once.
  const std::string journal = Journal();
  EXPECT_EQ(journal.find("start first"), journal.rfind("start first")) << journal;
  EXPECT_EQ(journal.find("start second"), journal.rfind("start second")) << journal;

  // A finished agenda cannot be paused, and says why.
  ApiResult refused =
      Admin().Call("POST", "/agenda/service/pause", R"({"agendaId":")" + agenda + R"("})");
  EXPECT_EQ(refused.status, 409) << ToJsonText(refused.body);
  EXPECT_NE(ToJsonText(refused.body).find("has finished"), std::string::npos)
      << ToJsonText(refused.body);
}

TEST_F(PausePullerTest, APausedInsightHandsOutNothingUntilResumed) {
  ApiResult paused = Admin().Call("POST", "/insight/service/pause", R"({"insightId":"work"})");
  ASSERT_EQ(paused.status, 200) << ToJsonText(paused.body);
  std::ofstream(gate_).put('\n');  // the slow handler completes at once here
  const std::string agenda = SubmitChain("pause-2");
  ASSERT_FALSE(agenda.empty());
  std::this_thread::sleep_for(seconds(1));  // the puller is polling; nothing may reach it
  EXPECT_TRUE(Journal().empty()) << Journal();
  EXPECT_EQ(StringField(Why(agenda), "state"), "PAUSED") << ToJsonText(Why(agenda));

  ApiResult resumed = Admin().Call("POST", "/insight/service/resume", R"({"insightId":"work"})");
  ASSERT_EQ(resumed.status, 200) << ToJsonText(resumed.body);
  ASSERT_TRUE(Eventually(
      [&] { return StringField(Progress(agenda), "processingState") == "COMPLETE"; }, seconds(30)))
      << ToJsonText(Progress(agenda)) << ReadFile(dir_.path() / "puller.log");
  EXPECT_EQ(StringField(Progress(agenda), "processingStateMessage"), "succeeded");
}

}  // namespace
}  // namespace pop::testing
