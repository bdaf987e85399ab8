// Cancel end to end with `pop dev` (docs/api.md, agenda/service/cancel): a running agenda's
// handler processes (the sample handler and the child it started) are gone within their grace
// after `pop agenda cancel`, a handler ignoring SIGTERM is killed once its grace ends, the agenda
// reads COMPLETE/cancelled, its output is kept, and it is not retried.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"
#include "support/test_data.h"

namespace pop::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// The live processes whose environment holds AGENDA_ID=<agenda_id>: a handler and every process
// it started (they inherit its environment).
std::vector<int> ProcessesOfAgenda(const std::string& agenda_id) {
  const std::string wanted = "AGENDA_ID=" + agenda_id;
  std::vector<int> pids;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "environ", std::ios::binary);
    std::string variable;
    while (std::getline(in, variable, '\0')) {
      if (variable == wanted) {
        pids.push_back(std::stoi(name));
        break;
      }
    }
  }
  return pids;
}

// Polls `condition` every 20 ms until it holds or `patience` runs out; returns whether it held.
template <typename Condition>
bool Eventually(Condition condition, SteadyClock::duration patience) {
  const auto deadline = SteadyClock::now() + patience;
  while (!condition()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

class CancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dev_.data_dir());
    const std::string pop = std::string(POP_BINARY_DIR) + "/pop";
    Json sample(JsonObject{{"command", Json(pop)},
                           {"args", Json(JsonArray{Json("handler"), Json("sample")})},
                           {"cancelGraceSeconds", Json(5)},
                           // The test's sample handler starts a `sleep` from its payload.
                           {"allowPayloadCommands", Json(true)}});
    // Ignores SIGTERM (and so does the sleep it starts, after the trap): only SIGKILL ends it.
    Json stubborn(JsonObject{
        {"command", Json("/bin/sh")},
        {"args",
         Json(JsonArray{Json("-c"), Json("trap '' TERM; echo stubborn; sleep 600 & wait")})},
        {"cancelGraceSeconds", Json(1)}});
    JsonObject registry{{"sample", sample}, {"stubborn", stubborn}};
    std::ofstream(dev_.data_dir() / "handlers.json") << ToJsonText(Json(std::move(registry)));
    url_ = dev_.Start();
  }

  std::vector<std::string> Client(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", url_, "--data-dir", dev_.data_dir().string()});
    return args;
  }

  // Submits without waiting; returns the agenda id.
  std::string Submit(const std::string& agenda_json) {
    PopRun run = RunPop(Client({"agenda", "submit", "-f", "-", "-q"}), agenda_json);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    std::string id = run.out;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id;
  }

  Json Progress(const std::string& link) {
    PopRun run = RunPop(Client({"progress", "summary", "--link-id", link, "--json"}));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto summary = ParseJson(run.out);
    EXPECT_TRUE(summary.ok()) << run.out;
    if (!summary.ok()) return Json();
    const Json* list = summary->Find("progressList");
    if (list == nullptr || !list->is_array() || list->AsArray().empty()) return Json();
    return list->AsArray().back();
  }

  std::string DevLog() {
    std::ifstream in(dir_.path() / "dev.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Once the executor has ended, no report of it can reach the server any more.
  void WaitForTheExecutorToEnd(const std::string& agenda_id) {
    ASSERT_TRUE(Eventually(
        [&] {
          return DevLog().find("Agenda " + agenda_id + " (Ops) execution duration") !=
                 std::string::npos;
        },
        seconds(30)))
        << DevLog();
  }

  void ExpectCancelledAndNotRetried(const std::string& agenda_id, const std::string& link) {
    WaitForTheExecutorToEnd(agenda_id);
    Json progress = Progress(link);
    ASSERT_TRUE(progress.is_object());
    EXPECT_EQ(progress.Find("processingState")->AsString(), "COMPLETE");
    EXPECT_EQ(progress.Find("processingStateMessage")->AsString(), "cancelled");
    EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 1);
    PopRun why = RunPop(Client({"agenda", "why", agenda_id, "--json"}));
    EXPECT_NE(why.out.find(R"("state": "COMPLETE")"), std::string::npos) << why.out;
    // The puller took it once: a retry would have been claimed again at once (backoff 0).
    EXPECT_EQ(CountOf(DevLog(), "agendaId=" + agenda_id + " "), 1u);
    EXPECT_TRUE(ProcessesOfAgenda(agenda_id).empty());
  }

  TempDir dir_;
  // Info logs: the puller's claims and the executors' ends are read from dev.log.
  DevProcess dev_{dir_.path(), {"--retry-backoff-seconds", "0", "--log-level", "info"}};
  std::string url_;
};

TEST_F(CancelTest, CancellingARunningSampleHandlerEndsItsProcessesAndTheAgendaStaysCancelled) {
  const std::string id = Submit(R"({"customerId":"dev","linkId":"CANCEL-1",
    "params":{"maximumAttempts":3},
    "operations":[{"name":"a","type":"sample","payload":{"actions":[
      {"action":"log","paramsMap":{"logMessage":"started and waiting"}},
      {"action":"externalExecute","paramsMap":{"externalArgs":["sleep","600"]}}]}}]})");
  ASSERT_FALSE(id.empty());
  // The sample handler and the sleep it runs.
  ASSERT_TRUE(Eventually([&] { return ProcessesOfAgenda(id).size() >= 2; }, seconds(30)))
      << DevLog();

  const auto cancelled_at = SteadyClock::now();
  PopRun cancel = RunPop(Client({"agenda", "cancel", id}));
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;
  EXPECT_EQ(cancel.out,
            "agenda " + id + " cancelled (it was running: its handlers are being stopped)\n");

  // pop dev tells its executor at once and SIGTERM ends both: gone well within the 5 s grace
  // (an executor in another process would only learn it from its next heartbeat, 5 s).
  ASSERT_TRUE(Eventually([&] { return ProcessesOfAgenda(id).empty(); }, seconds(10)));
  EXPECT_LT(SteadyClock::now() - cancelled_at, seconds(3));
  ExpectCancelledAndNotRetried(id, "CANCEL-1");
  // What it printed is kept.
  PopRun logs = RunPop(Client({"agenda", "logs", id, "--operation", "a"}));
  EXPECT_NE(logs.out.find("started and waiting"), std::string::npos) << logs.out;

  // Again: nothing to do, and it says so.
  PopRun again = RunPop(Client({"agenda", "cancel", id}));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "agenda " + id + " had already finished (CANCELLED); nothing to cancel\n");
  PopRun unknown = RunPop(Client({"agenda", "cancel", "no-such-agenda"}));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("Agenda no-such-agenda not found"), std::string::npos) << unknown.err;
}

TEST_F(CancelTest, AHandlerIgnoringSigtermIsKilledWhenItsGraceEnds) {
  const std::string id = Submit(R"({"customerId":"dev","linkId":"CANCEL-2",
    "params":{"maximumAttempts":3},"operations":[{"name":"s","type":"stubborn"}]})");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Eventually([&] { return ProcessesOfAgenda(id).size() >= 2; }, seconds(30)))
      << DevLog();

  const auto cancelled_at = SteadyClock::now();
  PopRun cancel = RunPop(Client({"agenda", "cancel", id}));
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;

  ASSERT_TRUE(Eventually([&] { return ProcessesOfAgenda(id).empty(); }, seconds(10)));
  const auto took = SteadyClock::now() - cancelled_at;
  EXPECT_GE(took, milliseconds(900));  // SIGTERM alone did not end it...
  EXPECT_LT(took, seconds(6));         // ...SIGKILL did, after its 1 s grace
  ExpectCancelledAndNotRetried(id, "CANCEL-2");
}

}  // namespace
}  // namespace pop::testing
