// The test kubelet through the client: pods bound to its node, run as local processes, their
// status and logs as a real kubelet would report them.
#include "support/test_kubelet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "adapters/system/system_clock.h"
#include "support/kube_test_cluster.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

Json Pod(const std::string& name, const std::string& image, JsonArray args, JsonArray env = {}) {
  return Json(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Json(JsonObject{{"name", name}, {"labels", Json(JsonObject{{"app", "k"}})}})},
      {"spec",
       Json(JsonObject{{"restartPolicy", "Never"},
                       {"containers", Json(JsonArray{Json(JsonObject{{"name", "main"},
                                                                     {"image", image},
                                                                     {"args", Json(args)},
                                                                     {"env", Json(env)}})})}})}});
}

class TestKubeletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<KubernetesClient>> admin = testing::KubeAdminClient(clock_);
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = std::move(*admin);
    Result<std::string> ns = testing::CreateTestNamespace(*admin_, "kubelet");
    ASSERT_TRUE(ns.ok()) << ns.error().message;
    ns_ = *ns;
    Result<std::unique_ptr<testing::TestKubelet>> kubelet = testing::TestKubelet::Start(
        *admin_, {"node-" + ns_, ns_, {{"shell:1", {"/bin/sh", "-c"}}}, {}});
    ASSERT_TRUE(kubelet.ok()) << kubelet.error().message;
    kubelet_ = std::move(*kubelet);
    Result<std::unique_ptr<PodWatch>> watch =
        admin_->WatchPods(ns_, "app=k", [this](const PodEvent& event) {
          std::lock_guard<std::mutex> lock(mu_);
          latest_[event.pod.name] = event.pod;
          cv_.notify_all();
        });
    ASSERT_TRUE(watch.ok()) << watch.error().message;
    watch_ = std::move(*watch);
  }

  // The pod as last watched once `done` holds for it (bounded wait; nullopt on timeout).
  std::optional<PodInfo> WaitFor(const std::string& name,
                                 const std::function<bool(const PodInfo&)>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool ok = cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      const auto it = latest_.find(name);
      return it != latest_.end() && done(it->second);
    });
    if (!ok) return std::nullopt;
    return latest_.at(name);
  }

  SystemClock clock_;
  std::unique_ptr<KubernetesClient> admin_;
  std::string ns_;
  std::unique_ptr<testing::TestKubelet> kubelet_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, PodInfo> latest_;
  std::unique_ptr<PodWatch> watch_;
};

TEST_F(TestKubeletTest, RunsAPodToSuccessAndServesItsLog) {
  ASSERT_TRUE(
      admin_
          ->CreatePod(
              ns_,
              Pod("ok", "shell:1", {"echo hello from $MY_POD_NAME"},
                  {Json(JsonObject{
                      {"name", "MY_POD_NAME"},
                      {"valueFrom",
                       Json(JsonObject{
                           {"fieldRef", Json(JsonObject{{"fieldPath", "metadata.name"}})}})}})}))
          .ok());
  std::optional<PodInfo> pod =
      WaitFor("ok", [](const PodInfo& p) { return p.phase == "Succeeded"; });
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->node_name, "node-" + ns_);
  ASSERT_EQ(pod->containers.size(), 1U);
  EXPECT_EQ(pod->containers[0].exit_code, 0);
  std::string log;
  const Status followed = admin_->FollowLog(ns_, "ok", "main", [&log](std::string_view data) {
    log.append(data);
    return true;
  });
  ASSERT_TRUE(followed.ok()) << followed.message();
  EXPECT_EQ(log, "hello from ok\n");
}

TEST_F(TestKubeletTest, AFailingContainerFailsThePodWithItsExitCode) {
  ASSERT_TRUE(admin_->CreatePod(ns_, Pod("bad", "shell:1", {"echo oops >&2; exit 3"})).ok());
  std::optional<PodInfo> pod = WaitFor("bad", [](const PodInfo& p) { return p.phase == "Failed"; });
  ASSERT_TRUE(pod.has_value());
  ASSERT_EQ(pod->containers.size(), 1U);
  EXPECT_EQ(pod->containers[0].state, "terminated");
  EXPECT_EQ(pod->containers[0].exit_code, 3);
}

TEST_F(TestKubeletTest, FollowingALogStreamsWhileTheContainerRuns) {
  ASSERT_TRUE(admin_->CreatePod(ns_, Pod("slow", "shell:1", {"echo one; sleep 1; echo two"})).ok());
  ASSERT_TRUE(WaitFor("slow", [](const PodInfo& p) { return p.phase == "Running"; }).has_value());
  std::string log;
  const Status followed = admin_->FollowLog(ns_, "slow", "main", [&log](std::string_view data) {
    log.append(data);
    return true;
  });
  ASSERT_TRUE(followed.ok()) << followed.message();
  EXPECT_EQ(log, "one\ntwo\n");
}

TEST_F(TestKubeletTest, AnUnknownImageLeavesThePodPendingWithTheReason) {
  ASSERT_TRUE(admin_->CreatePod(ns_, Pod("never", "missing:1", {})).ok());
  std::optional<PodInfo> pod = WaitFor("never", [](const PodInfo& p) {
    return !p.containers.empty() && p.containers[0].state == "waiting";
  });
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->phase, "Pending");
  EXPECT_EQ(pod->containers[0].reason, "ErrImagePull");
  EXPECT_EQ(kubelet_->started(), 0);
}

TEST_F(TestKubeletTest, DeletingARunningPodKillsItsProcess) {
  ASSERT_TRUE(admin_->CreatePod(ns_, Pod("long", "shell:1", {"exec sleep 60"})).ok());
  ASSERT_TRUE(WaitFor("long", [](const PodInfo& p) { return p.phase == "Running"; }).has_value());
  ASSERT_TRUE(admin_->DeletePod(ns_, "long").ok());
  // Another process's reaction: polled, bounded (the container would sleep for a minute).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (kubelet_->running() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(kubelet_->running(), 0);
  EXPECT_EQ(kubelet_->started(), 1);
}

}  // namespace
}  // namespace pop
