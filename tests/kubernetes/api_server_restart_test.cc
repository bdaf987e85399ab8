// The Kubernetes API server restarted while an Agenda runs through executor and operation pods:
// every watch (the puller's executor pods, the executor's operation pods, the test kubelet's)
// is cut, its resourceVersion expires (410 Gone), it re-lists and goes on; the Agenda completes
// and no operation runs twice. Restarting the shared test API server disturbs every other test,
// so ctest runs this one alone (RUN_SERIAL, tests/CMakeLists.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <string>

#include "kubernetes/puller_pods_fixture.h"

namespace pop::kubetest {
namespace {

// A pod registry like ChainOptions' with a log-silence limit that outlasts the restart (the
// gated operation prints nothing while the API server is down).
constexpr char kPatientRegistry[] = R"({"basePodConfig": {"podScheduledTimeoutMs": 60000,
    "podStdoutTimeout": 60000, "reapCompletedPods": false},
  "sample": {"podConfig": {"imageName": "pop-sample:test", "namePrefix": "pop-samp"}}})";

class ApiServerRestartTest : public PullerPodsTest {};

TEST_F(ApiServerRestartTest, WatchesResumeAndTheAgendaCompletesWithNoOperationRunTwice) {
  // One Agenda at a time: the second is claimed only once the puller's watch has seen the first
  // one's executor pod end, after the restart.
  StartPuller(ChainOptions(kPatientRegistry), /*max_agendas=*/1);
  const std::string gate = (dir_.path() / "gate").string();
  auto [agenda_id, progress_id] = Submit(R"([{"name":"gated","type":"sample","payload":)" +
                                         JournalPayload(R"({"v":"from gated"})", gate) + R"(},)" +
                                         R"({"name":"last","type":"sample","payload":)" +
                                         JournalPayload(R"({"also":"@<gated.out::/v>"})") + "}]");
  ASSERT_FALSE(progress_id.empty());
  ASSERT_TRUE(PollUntil([&] { return JournalCount("run-gated") == 1; })) << ReadText(journal_);

  // Every watch's resourceVersion is older than the next write: once the server is back, it is
  // older than the server's new watch cache too.
  auto before = admin_->ListPods(ns_, "");
  ASSERT_TRUE(before.ok()) << before.error().message;
  const Json config_map(JsonObject{{"apiVersion", "v1"},
                                   {"kind", "ConfigMap"},
                                   {"metadata", Json(JsonObject{{"name", "bump"}})},
                                   {"data", Json(JsonObject{{"k", "v"}})}});
  ASSERT_TRUE(
      admin_->Request("POST", "/api/v1/namespaces/" + ns_ + "/configmaps", ToJsonText(config_map))
          .ok());
  const Status restarted = testing::RestartKubeApiServer();
  ASSERT_TRUE(restarted.ok()) << restarted.message();

  // A watch from the old resourceVersion is refused as expired (what the watches above re-list
  // on), whether as an ERROR event or as the request's status.
  std::atomic<bool> stop{false};
  int expired_code = 0;
  const Status streamed = admin_->StreamPodWatch(
      ns_, "", before->resource_version,
      [&](const PodWatchLine& line) {
        if (line.type == "ERROR") expired_code = line.error_code;
        stop.store(true);
      },
      stop);
  if (!streamed.ok()) {
    EXPECT_THAT(streamed.message(), ::testing::HasSubstr("410 Gone"));
  } else {
    EXPECT_EQ(expired_code, 410);
  }

  // Submitted while the first Agenda still waits on its gate.
  auto [second_id, second_progress_id] =
      Submit(R"([{"name":"after","type":"sample","payload":)" + JournalPayload() + "}]");
  ASSERT_FALSE(second_progress_id.empty());
  std::ofstream(gate).put('\n');

  const Json progress = WaitComplete(progress_id, seconds(90));
  ASSERT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  std::map<std::string, std::string> results;
  for (const Json& op : progress.Find("operationProgress")->AsArray()) {
    results[Field(op, "operation")] = Field(op, "resultPayload");
  }
  EXPECT_EQ(results["last"], R"({"also":"from gated"})") << ToJsonText(progress);
  const Json second = WaitComplete(second_progress_id, seconds(60));
  EXPECT_EQ(Field(second, "processingStateMessage"), "succeeded") << ToJsonText(second);

  // Each operation ran once, in one pod; one executor pod per Agenda (which deleted itself at
  // the end: executor.reap.self).
  for (const char* name : {"run-gated", "run-last", "run-after"}) {
    EXPECT_EQ(JournalCount(name), 1) << name << "\n" << ReadText(journal_);
  }
  const std::string first_agenda = agenda_id;  // for the lambda (clang 14: no bindings there)
  EXPECT_TRUE(PollUntil([&] { return AgendaPods(first_agenda).size() == 2; }, seconds(20)))
      << AgendaPods(first_agenda).size();  // the operation pods
  EXPECT_EQ(ExecutorPodsCreated(), 2);
  EXPECT_THAT(logger_.Text(), ::testing::Not(::testing::HasSubstr("before its Agenda finished")));
}

}  // namespace
}  // namespace pop::kubetest
