// The PodReaper against the test API server: pods the test kubelet ran to their end, a pod that
// never starts, a running pod and a pod without pop's label; the reaper's clock is a fake set
// past the age limits, so nothing waits for hours.
#include "app/pod_reaper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "adapters/system/system_clock.h"
#include "app/metrics_registry.h"
#include "fakes/fake_clock.h"
#include "support/kube_test_cluster.h"
#include "support/test_kubelet.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

class LinesLogger final : public Logger {
 public:
  bool Enabled(LogLevel /*level*/) const override { return true; }
  void Log(LogLevel /*level*/, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_ += std::string(message) + "\n";
  }
  std::string Text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

Json Pod(const std::string& name, const std::string& image, const std::string& script,
         bool pop_label) {
  JsonObject labels{{"app", "reaper-test"}};
  if (pop_label) labels.Set("pop.component", "operation");
  return Json(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Json(JsonObject{{"name", name}, {"labels", Json(std::move(labels))}})},
      {"spec", Json(JsonObject{{"restartPolicy", "Never"},
                               {"containers", Json(JsonArray{Json(JsonObject{
                                                  {"name", "main"},
                                                  {"image", image},
                                                  {"args", Json(JsonArray{Json(script)})}})})}})}});
}

TEST(PodReaperTest, DeletesOnlyPopsFinishedAndStuckPodsPastTheirLimits) {
  SystemClock real;
  auto admin = testing::KubeAdminClient(real);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  auto ns = testing::CreateTestNamespace(**admin, "reaper");
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  auto kubelet = testing::TestKubelet::Start(
      **admin, {"node-" + *ns, *ns, {{"shell:1", {"/bin/sh", "-c"}}}, {}});
  ASSERT_TRUE(kubelet.ok()) << kubelet.error().message;

  for (const auto& [name, image, script, labelled] :
       std::vector<std::tuple<std::string, std::string, std::string, bool>>{
           {"done", "shell:1", "exit 0", true},
           {"failed", "shell:1", "exit 2", true},
           {"stuck", "missing:1", "", true},
           {"running", "shell:1", "exec sleep 60", true},
           {"foreign-done", "shell:1", "exit 0", false}}) {
    ASSERT_TRUE((*admin)->CreatePod(*ns, Pod(name, image, script, labelled)).ok()) << name;
  }
  // Until the kubelet has taken each where it stays (other processes: polled, bounded).
  auto phase = [&](const std::string& name) {
    auto pod = (*admin)->GetPod(*ns, name);
    return pod.ok() ? pod->phase : std::string("gone");
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         !(phase("done") == "Succeeded" && phase("failed") == "Failed" &&
           phase("running") == "Running" && phase("foreign-done") == "Succeeded")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(phase("running"), "Running");

  LinesLogger logger;
  app::MetricsRegistry metrics;
  testing::FakeClock clock(real.Now());
  app::PodReaperOptions options;
  options.namespace_name = *ns;
  options.finished_age = Duration::Minutes(60);
  options.pending_timeout = Duration::Minutes(30);
  options.batch_size = 2;
  app::PodReaper reaper(app::PodReaperDeps{clock, **admin, logger, &metrics}, options);

  // Nothing is old enough yet.
  auto report = reaper.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->finished + report->pending, 0U);

  clock.Advance(Duration::Minutes(45));  // past the pending timeout only
  report = reaper.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->pending, 1U);
  EXPECT_EQ(report->finished, 0U);
  EXPECT_EQ(phase("stuck"), "gone");
  EXPECT_EQ(phase("done"), "Succeeded");

  clock.Advance(Duration::Minutes(30));  // past the age limit too
  report = reaper.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->finished, 2U);
  EXPECT_EQ(report->failed, 0U);
  EXPECT_EQ(phase("done"), "gone");
  EXPECT_EQ(phase("failed"), "gone");
  EXPECT_EQ(phase("running"), "Running");         // never a running pod
  EXPECT_EQ(phase("foreign-done"), "Succeeded");  // never a pod without pop's label
  EXPECT_THAT(logger.Text(), HasSubstr("PodReaper: deleted 2 finished and 0 pending pod(s)"));
  bool counted = false;
  for (const auto& family : metrics.Collect().families) {
    if (family.def == nullptr || family.def->name != "pop_pods_reaped_total") continue;
    for (const auto& sample : family.series) {
      if (sample.labels == metrics::LabelValues{"finished"}) {
        EXPECT_EQ(sample.value, 2.0);
        counted = true;
      }
    }
  }
  EXPECT_TRUE(counted);
  ASSERT_TRUE((*admin)->DeletePod(*ns, "running").ok());  // its process goes with it
  (*kubelet)->Stop();
}

}  // namespace
}  // namespace pop
