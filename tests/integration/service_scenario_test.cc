// The end-to-end scenario of spec §21 as far as the HTTP layer goes (the executor is simulated by
// its updateAgendaProgress reports), and two pullers draining one insight under load.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

constexpr char kScenarioAgenda[] = R"({"customerId":"acme","linkId":"L1",
  "params":{"maximumAttempts":2},
  "operations":[
    {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
    {"name":"b","type":"sample","payload":{"actions":[{"action":"log",
      "paramsMap":{"logMessage":"@<a.out::/v>"}}],"resultPayload":{}}}]})";

class SpecScenarioServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    Json agenda = Submit(kScenarioAgenda, acme_);
    id_ = StringAt(agenda, "id");
    progress_id_ = StringAt(agenda, "progressId");
  }

  // One executor report as the pool owner.
  void Report(const std::string& fields) {
    auto reply = ServiceTest::Report(owner_, R"({"id":")" + progress_id_ + "\"," + fields + "}");
    ASSERT_EQ(reply.status, 200) << fields << "\n" << ToJsonText(reply.body);
  }

  // The executor's run up to b's end: a succeeds, then b reports `b_final` (fields of b's
  // operation progress).
  void RunOperations(const std::string& b_final) {
    Report(R"("processingState":"EXECUTING","processingStateMessage":"Running Operations",
              "percentComplete":0.0,"startedTime":1600000001000,
              "operationProgress":[{"operation":"a","processingState":"EXECUTING"}])");
    Report(R"("processingState":"EXECUTING","processingStateMessage":"Running Operations",
              "percentComplete":50.0,
              "operationProgress":[{"operation":"a","processingState":"COMPLETE",
                                    "processingStateMessage":"succeeded","percentComplete":100.0,
                                    "resultPayload":"{\"v\":\"x\"}"},
                                   {"operation":"b","processingState":"EXECUTING"}])");
    Report(R"("processingState":"EXECUTING","processingStateMessage":"Running Operations",
              "percentComplete":50.0,
              "operationProgress":[{"operation":"b",)" +
           b_final + "}]");
  }

  int64_t AttemptsCompleted() {
    const Json progress = ProgressOf(progress_id_);
    const Json* attempts = progress.Find("attemptsCompleted");
    return attempts != nullptr && attempts->is_integer() ? attempts->AsInt() : 0;
  }

  std::string id_;
  std::string progress_id_;
};

TEST_F(SpecScenarioServiceTest, SubmitPollRunAndSummarize) {
  // Immediately after submission.
  Json progress = ProgressOf(progress_id_);
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(progress.Find("processingStateMessage"), nullptr);
  EXPECT_EQ(progress.Find("maximumAttempts")->AsInt(), 2);
  EXPECT_EQ(StringAt(progress, "agendaId"), id_);
  EXPECT_EQ(StringAt(progress, "linkId"), "L1");
  auto ready = ReadyOf(id_);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].insight_id, "insight-1");
  EXPECT_EQ(ready[0].customer_id, "acme");
  // No scheduler tick to wait for: it is queued at once.
  EXPECT_EQ(StringAt(Why(id_, acme_).body, "state"), "QUEUED");

  // acme may not poll the insight, global as it is.
  auto denied = GetAgenda(acme_);
  EXPECT_EQ(denied.status, 400);
  EXPECT_EQ(denied.ErrorDescription(),
            "The Insight specified was not found or is not visible: insight-1");
  auto got = GetAgenda(owner_);
  ASSERT_EQ(got.status, 200) << ToJsonText(got.body);
  auto agendas = ArrayIn(got);
  ASSERT_EQ(agendas.size(), 1u);
  EXPECT_EQ(StringAt(agendas[0], "id"), id_);
  EXPECT_NE(agendas[0].Find("params")->Find("added"), nullptr);
  EXPECT_EQ(got.body.Find("agendaProgresses"), nullptr);

  RunOperations(R"("processingState":"COMPLETE","processingStateMessage":"succeeded",
                   "percentComplete":100.0,"resultPayload":"{}")");
  EXPECT_EQ(StringAt(Why(id_, acme_).body, "state"), "RUNNING");
  EXPECT_EQ(AttemptsCompleted(), 0);
  Report(R"("processingState":"COMPLETE","processingStateMessage":"succeeded",
            "percentComplete":100.0,"completedTime":1600000009000)");

  progress = ProgressOf(progress_id_);
  EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "succeeded");
  EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 100.0);
  EXPECT_EQ(AttemptsCompleted(), 1);
  EXPECT_EQ(StringAt(OperationProgressOf(progress_id_, "a"), "resultPayload"), R"({"v":"x"})");
  EXPECT_EQ(StringAt(OperationProgressOf(progress_id_, "b"), "processingStateMessage"),
            "succeeded");

  auto summary = Summary(acme_, "L1");
  EXPECT_EQ(StringAt(summary.body, "processingState"), "COMPLETE");
  ASSERT_NE(summary.body.Find("processingPercent"), nullptr);
  EXPECT_EQ(summary.body.Find("processingPercent")->AsDouble(), 100.0);
  EXPECT_EQ(StringAt(Why(id_, acme_).body, "state"), "COMPLETE");
  EXPECT_TRUE(ReadyOf(id_).empty());
  EXPECT_TRUE(AgendaIdsIn(GetAgenda(owner_)).empty());
}

TEST_F(SpecScenarioServiceTest, AFailedAttemptIsRerunWithItsPriorProgress) {
  ASSERT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{id_});
  RunOperations(R"("processingState":"COMPLETE","processingStateMessage":"failed",
                   "percentComplete":100.0,
                   "diagnosticEvents":[{"message":"An unknown error has occurred with operation: b"}])");
  Report(R"("processingState":"COMPLETE","processingStateMessage":"failed",
            "percentComplete":100.0)");
  EXPECT_EQ(AttemptsCompleted(), 1);
  EXPECT_EQ(ProgressOf(progress_id_).Find("diagnosticEvents"), nullptr);
  auto summary = Summary(acme_, "L1");
  EXPECT_EQ(StringAt(summary.body, "processingState"), "COMPLETE");
  EXPECT_EQ(summary.body.Find("processingPercent"), nullptr);

  // attemptsCompleted 1 < maximumAttempts 2: the retry process reruns it with "continue".
  auto rerun = Rerun(admin_, id_, R"(["continue"])");
  ASSERT_EQ(rerun.status, 200) << ToJsonText(rerun.body);
  auto got = GetAgenda(owner_);
  ASSERT_EQ(AgendaIdsIn(got), std::vector<std::string>{id_});
  auto progresses = ArrayIn(got, "agendaProgresses");
  ASSERT_EQ(progresses.size(), 1u) << ToJsonText(got.body);
  EXPECT_EQ(StringAt(progresses[0], "id"), progress_id_);
  EXPECT_EQ(StringAt(progresses[0], "processingStateMessage"), "pending");
  std::map<std::string, std::string> messages;
  std::string b_diagnostics;
  for (const Json& op : progresses[0].Find("operationProgress")->AsArray()) {
    messages[StringAt(op, "operation")] = StringAt(op, "processingStateMessage");
    if (StringAt(op, "operation") == "b" && op.Find("diagnosticEvents") != nullptr) {
      b_diagnostics = ToJsonText(*op.Find("diagnosticEvents"));
    }
  }
  EXPECT_EQ(messages, (std::map<std::string, std::string>{{"a", "succeeded"}, {"b", "failed"}}));
  EXPECT_EQ(b_diagnostics, R"([{"message":"An unknown error has occurred with operation: b"}])");

  // The second attempt skips a and fails b again: attempts are used up.
  Report(R"("processingState":"EXECUTING","processingStateMessage":"Running Operations",
            "operationProgress":[{"operation":"b","processingState":"EXECUTING"}])");
  Report(R"("processingState":"COMPLETE","processingStateMessage":"failed",
            "percentComplete":100.0,
            "operationProgress":[{"operation":"b","processingState":"COMPLETE",
                                  "processingStateMessage":"failed"}])");
  EXPECT_EQ(AttemptsCompleted(), 2);
  EXPECT_EQ(ProgressOf(progress_id_).Find("maximumAttempts")->AsInt(), 2);
}

// Two pullers long-poll one insight while three clients submit; each puller confirms what it
// gets. Every agenda must be handed out exactly once.
class ConcurrentPullersServiceTest : public ServiceTest {};

TEST_F(ConcurrentPullersServiceTest, EveryAgendaIsHandedOutExactlyOnce) {
  constexpr int kSubmitters = 3;
  constexpr int kPerSubmitter = 100;
  constexpr int kTotal = kSubmitters * kPerSubmitter;
  AdminPut("/insight/insight-1", R"({"queueSize":20})");

  std::mutex mu;
  std::vector<std::string> submitted;
  std::vector<std::string> handed_out;  // with repeats, if any
  std::vector<std::string> problems;
  std::atomic<int> received{0};
  std::promise<void> all_received;
  std::atomic<bool> signalled{false};

  auto puller = [&](const std::string& name) {
    const std::string body =
        R"({"insightId":"insight-1","count":3,"waitSeconds":1,"pullerId":")" + name + R"("})";
    while (received.load() < kTotal) {
      auto reply = TryPost("/resourcepool/service/getAgenda", body, owner_);
      if (!reply) continue;  // the client gave up on a long poll: poll again
      if (reply->status != 200) {
        std::lock_guard<std::mutex> lock(mu);
        if (reply->status != 503) problems.push_back("getAgenda " + ToJsonText(reply->body));
        return;  // 503: the scheduler was stopped at the end
      }
      const std::vector<Json> agendas = ArrayIn(*reply);
      for (const Json& agenda : agendas) {
        auto confirmed =
            TryPost("/resourcepool/service/updateAgendaProgress",
                    R"({"pullerId":")" + name + R"(","agendaProgress":{"id":")" +
                        StringAt(agenda, "progressId") + R"(","processingState":"EXECUTING"}})",
                    owner_);
        std::lock_guard<std::mutex> lock(mu);
        handed_out.push_back(StringAt(agenda, "id"));
        if (!confirmed || confirmed->status != 200) {
          problems.push_back("confirm " + StringAt(agenda, "id") + ": " +
                             (confirmed ? ToJsonText(confirmed->body) : "no answer"));
        }
      }
      const int n = static_cast<int>(agendas.size());
      if (received.fetch_add(n) + n >= kTotal && !signalled.exchange(true)) {
        all_received.set_value();
      }
    }
  };
  auto submitter = [&] {
    for (int i = 0; i < kPerSubmitter; ++i) {
      auto reply = TryPost("/agenda", AgendaJson(i % 2 == 0 ? "acme" : "globex"), admin_);
      std::lock_guard<std::mutex> lock(mu);
      auto all = reply ? ArrayIn(*reply, "all") : std::vector<Json>();
      if (!reply || reply->status != 200 || all.size() != 1) {
        problems.push_back("submit " + (reply ? ToJsonText(reply->body) : "no answer"));
        continue;
      }
      submitted.push_back(StringAt(all[0], "id"));
    }
  };

  std::future<void> done = all_received.get_future();
  std::vector<std::thread> threads;
  threads.emplace_back(puller, "puller-1");
  threads.emplace_back(puller, "puller-2");
  for (int i = 0; i < kSubmitters; ++i) threads.emplace_back(submitter);
  // Fake time never moves, so a poll ends only when work arrives. Once everything was handed
  // out (or, if some agenda was lost, after a generous bound), stopping the scheduler answers
  // the poll that is still parked.
  const bool finished = done.wait_for(std::chrono::seconds(120)) == std::future_status::ready;
  server_.queues().Stop();
  for (auto& thread : threads) thread.join();

  EXPECT_TRUE(finished) << "only " << received.load() << " of " << kTotal << " were handed out";
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
  ASSERT_EQ(submitted.size(), static_cast<size_t>(kTotal));
  std::map<std::string, int> times;
  for (const auto& id : handed_out) ++times[id];
  std::vector<std::string> duplicated;
  for (const auto& [id, n] : times) {
    if (n > 1) duplicated.push_back(id);
  }
  EXPECT_TRUE(duplicated.empty()) << duplicated.size() << " agendas were handed out twice";
  std::vector<std::string> lost;
  for (const auto& id : submitted) {
    if (times.count(id) == 0) lost.push_back(id);
  }
  EXPECT_TRUE(lost.empty()) << lost.size() << " agendas were never handed out";
  EXPECT_EQ(times.size(), static_cast<size_t>(kTotal));
  // Each is running: its one ready entry confirmed, the fence of its execution.
  for (const auto& id : submitted) {
    std::vector<ReadyAgenda> ready = ReadyOf(id);
    ASSERT_EQ(ready.size(), 1u) << id;
    EXPECT_TRUE(ready[0].confirmed) << id;
  }
}

}  // namespace
}  // namespace pop::testing
