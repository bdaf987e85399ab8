// Operations as Kubernetes pods (spec §15, §16) against the real API server of the fixture and
// the test kubelet: `pop handler sample` runs in the pods and reports through its own pod's
// annotations with a service account token; the KubernetesLauncher follows the pods.
#include "adapters/kubernetes/kubernetes_launcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "adapters/system/system_clock.h"
#include "app/executor.h"
#include "app/resident_launcher.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "fakes/fake_pool_client.h"
#include "ports/logger.h"
#include "support/kube_test_cluster.h"
#include "support/test_kubelet.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

// The pod registry of these tests, in the original's format. Each image is a command of the
// test kubelet's table.
const char kRegistry[] = R"({
  "basePodConfig": {"memoryRequestCount": "64Mi", "cpuMinRequestCount": "100m",
                    "cpuMaxRequestCount": "1", "podScheduledTimeoutMs": 20000,
                    "podStdoutTimeout": 20000, "reapCompletedPods": true},
  "sample": {"configMapName": "pop-sample-01",
             "podConfig": {"imageName": "pop-sample:test", "namePrefix": "pop-samp"}},
  "keep": {"podConfig": {"imageName": "pop-sample:test", "namePrefix": "pop-keep",
                         "reapCompletedPods": false}},
  "unscheduled": {"podConfig": {"imageName": "nowhere:1", "namePrefix": "pop-never",
                                "podScheduledTimeoutMs": 1000}},
  "silent": {"podConfig": {"imageName": "shell:1", "namePrefix": "pop-silent",
                           "arguments": ["echo working; exec sleep 30"],
                           "podStdoutTimeout": 1000}},
  "crasher": {"podConfig": {"imageName": "shell:1", "namePrefix": "pop-crash",
                            "arguments": ["echo about to fail; exit 3"]}},
  "sleeper": {"podConfig": {"imageName": "shell:1", "namePrefix": "pop-sleep",
                            "arguments": ["echo sleeping; exec sleep 30"]}}
})";

class KubernetesLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<testing::KubeTestCluster> cluster = testing::KubeTestClusterInfo();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    Result<std::unique_ptr<KubernetesClient>> admin = testing::KubeAdminClient(clock_);
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = std::move(*admin);
    Result<std::string> ns = testing::CreateTestNamespace(*admin_, "ops");
    ASSERT_TRUE(ns.ok()) << ns.error().message;
    ns_ = *ns;
    // The handlers' service account: they may read and patch pods (their own annotations).
    Result<std::string> token =
        testing::ServiceAccountToken(*admin_, ns_, "pop-service", {"get", "patch"}, {"pods"});
    ASSERT_TRUE(token.ok()) << token.error().message;
    dir_ = std::filesystem::temp_directory_path() / ("pop-kube-ops-" + ns_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "token") << *token;

    testing::TestKubeletOptions kubelet;
    kubelet.node_name = "node-" + ns_;
    kubelet.namespace_name = ns_;
    kubelet.images = {
        {"pop-sample:test", {std::string(POP_BINARY_DIR) + "/pop", "handler", "sample"}},
        {"shell:1", {"/bin/sh", "-c"}}};
    kubelet.env = {{"POP_KUBE_SERVER", cluster->server},
                   {"POP_KUBE_CA_FILE", cluster->ca_file},
                   {"POP_KUBE_TOKEN_FILE", (dir_ / "token").string()},
                   {"POP_KUBE_NAMESPACE", ns_}};
    Result<std::unique_ptr<testing::TestKubelet>> started =
        testing::TestKubelet::Start(*admin_, kubelet);
    ASSERT_TRUE(started.ok()) << started.error().message;
    kubelet_ = std::move(*started);

    launcher_ = MakeLauncher(std::chrono::milliseconds(100));
    ASSERT_NE(launcher_, nullptr);
  }

  // A launcher following its pods at `tick` (its full rounds: log follow, timeouts).
  std::unique_ptr<KubernetesLauncher> MakeLauncher(std::chrono::milliseconds tick) {
    Result<PodConfigRegistry> registry = PodConfigRegistry::Parse(kRegistry);
    EXPECT_TRUE(registry.ok()) << registry.error().message;
    if (!registry.ok()) return nullptr;
    KubernetesLauncherOptions options;
    options.pods = admin_.get();
    options.clock = &clock_;
    options.namespace_name = ns_;
    options.registry = std::move(registry).value();
    options.tick = tick;
    options.new_uuid = [this] { return "u" + std::to_string(next_id_.fetch_add(1)); };
    options.exclude = [](const std::string& type) { return type == "logMessages"; };
    Result<std::unique_ptr<KubernetesLauncher>> launcher =
        KubernetesLauncher::Create(std::move(options));
    EXPECT_TRUE(launcher.ok()) << launcher.error().message;
    return launcher.ok() ? std::move(*launcher) : nullptr;
  }

  void TearDown() override {
    launcher_.reset();
    if (kubelet_) kubelet_->Stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static LaunchSpec Spec(const std::string& name, const std::string& type,
                         const std::string& payload) {
    LaunchSpec spec;
    spec.operation_name = name;
    spec.operation_type = type;
    spec.agenda_id = "agenda-1";
    spec.customer_id = "acme";
    spec.cid = "cid-1";
    spec.payload = payload;
    return spec;
  }

  // The pods of the namespace now.
  size_t PodCount() {
    Result<PodList> pods = admin_->ListPods(ns_, "pop.role=operation");
    EXPECT_TRUE(pods.ok()) << pods.error().message;
    return pods.ok() ? pods->pods.size() : 0;
  }

  SystemClock clock_;
  std::unique_ptr<KubernetesClient> admin_;
  std::string ns_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::TestKubelet> kubelet_;
  std::atomic<int> next_id_{1};
  std::unique_ptr<KubernetesLauncher> launcher_;
};

TEST_F(KubernetesLauncherTest, ASampleOperationRunsInAPodAndReportsThroughItsAnnotations) {
  EXPECT_TRUE(launcher_->Handles("sample"));
  EXPECT_FALSE(launcher_->Handles("logMessages"));
  EXPECT_FALSE(launcher_->Handles("unknown"));
  Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(
      Spec("encode", "sample",
           R"({"actions":[{"action":"log","paramsMap":{"logMessage":"hello from a pod"}}],)"
           R"("resultPayload":{"actionData":"firstAction"}})"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  EXPECT_FALSE(outcome.failure.has_value()) << *outcome.failure;
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->operation, "encode");
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "succeeded");
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseJson(*outcome.output).value(),
            ParseJson(R"({"actionData":"firstAction"})").value());
  EXPECT_EQ(outcome.progress->result_payload, outcome.output);
  const std::string log = (*launched)->TakeNewLog();
  EXPECT_THAT(log, HasSubstr("hello from a pod"));
  EXPECT_THAT(log, HasSubstr("HandlerComplete"));
  EXPECT_EQ((*launched)->TakeNewLog(), "");
  EXPECT_EQ(PodCount(), 0U);  // reapCompletedPods
}

// The end of a pod is noticed from the watch's event, not at the follower's next tick: with a tick
// of an hour (no full round after the first), the operation still completes with its log.
TEST_F(KubernetesLauncherTest, APodsEndIsNoticedFromTheWatchNotAtTheNextTick) {
  launcher_ = MakeLauncher(std::chrono::hours(1));
  ASSERT_NE(launcher_, nullptr);
  Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(
      Spec("encode", "sample",
           R"({"actions":[{"action":"log","paramsMap":{"logMessage":"seen at the end"}}],)"
           R"("resultPayload":{"actionData":"x"}})"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  LaunchedOperation* operation = launched->get();
  std::future<LaunchOutcome> outcome =
      std::async(std::launch::async, [operation] { return operation->Wait(); });
  // Far below the tick; the pod's own run takes about a second.
  const bool noticed = outcome.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  if (!noticed) launcher_.reset();  // ends Wait() ("was cancelled"), so the future can go
  ASSERT_TRUE(noticed) << "the pod's end was not noticed before the next tick";
  const LaunchOutcome result = outcome.get();
  EXPECT_FALSE(result.failure.has_value()) << *result.failure;
  ASSERT_TRUE(result.output.has_value());
  EXPECT_THAT((*launched)->TakeNewLog(), HasSubstr("seen at the end"));
  EXPECT_EQ(PodCount(), 0U);  // reapCompletedPods, done on the event too
}

TEST_F(KubernetesLauncherTest, AHandlerFailureIsReportedWithItsDiagnostic) {
  Result<std::unique_ptr<LaunchedOperation>> launched = launcher_->Launch(Spec(
      "boom", "sample",
      R"({"actions":[{"action":"exception","paramsMap":{"exceptionMessage":"planned failure"}}]})"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state, ProcessingState::kComplete);
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  ASSERT_TRUE(outcome.progress->diagnostic_events.has_value());
  ASSERT_FALSE(outcome.progress->diagnostic_events->empty());
  EXPECT_EQ(outcome.progress->diagnostic_events->front().message,
            "An unknown error has occurred with operation: boom");
  EXPECT_THAT(outcome.progress->diagnostic_events->front().stack_trace.value_or(""),
              HasSubstr("planned failure"));
}

TEST_F(KubernetesLauncherTest, ProgressIsReadFromTheAnnotationWhileThePodRuns) {
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("slow", "sample",
                             R"({"actions":[{"action":"log","paramsMap":{"sleepMilliseconds":2000,)"
                             R"("logMessage":"done"}}]})"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  // The handler's EXECUTING reports, as the executor's periodic report reads them: polled,
  // bounded (another process's progress).
  std::optional<OperationProgress> executing;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!executing.has_value() && std::chrono::steady_clock::now() < deadline) {
    std::optional<OperationProgress> latest = (*launched)->LatestProgress();
    if (latest.has_value() && latest->processing_state == ProcessingState::kExecuting) {
      executing = latest;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(executing.has_value());
  EXPECT_EQ(executing->operation, "slow");
  ASSERT_TRUE(executing->params.has_value());
  const LaunchOutcome outcome = (*launched)->Wait();
  EXPECT_FALSE(outcome.failure.has_value()) << *outcome.failure;
  ASSERT_TRUE((*launched)->LatestProgress().has_value());
  EXPECT_EQ((*launched)->LatestProgress()->processing_state_message, "succeeded");
}

TEST_F(KubernetesLauncherTest, AFailedPodFailsTheOperationWithItsLastLogLines) {
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("crash", "crasher", "{}"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_THAT(*outcome.failure, HasSubstr("Kubernetes pod failed: pop-crashu"));
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  ASSERT_TRUE(outcome.progress->diagnostic_events.has_value());
  EXPECT_EQ(outcome.progress->diagnostic_events->front().payload,
            Json(JsonArray{Json("about to fail")}));
  EXPECT_THAT((*launched)->TakeNewLog(), HasSubstr("about to fail"));
}

TEST_F(KubernetesLauncherTest, APodThatNeverStartsFailsAfterTheScheduledTimeout) {
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("stuck", "unscheduled", "{}"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_THAT(*outcome.failure, HasSubstr("did not start within podScheduledTimeoutMs (1000 ms)"));
  EXPECT_THAT(*outcome.failure, HasSubstr("ErrImagePull"));
  ASSERT_TRUE(outcome.progress.has_value());
  EXPECT_EQ(outcome.progress->processing_state_message, "failed");
  EXPECT_EQ(PodCount(), 0U);  // deleted: nothing pop gave up on stays behind
}

TEST_F(KubernetesLauncherTest, AHandlerThatNeverPrintsHandlerCompleteTimesOutWithItsLastLines) {
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("quiet", "silent", "{}"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_THAT(*outcome.failure,
              HasSubstr("Stdout log tail indicates no log activity for over 1000ms"));
  ASSERT_TRUE(outcome.progress.has_value());
  ASSERT_TRUE(outcome.progress->diagnostic_events.has_value());
  const DiagnosticEvent& event = outcome.progress->diagnostic_events->front();
  ASSERT_TRUE(event.payload.has_value());
  EXPECT_EQ(*event.payload, Json(JsonArray{Json("working")}));
  EXPECT_EQ(PodCount(), 0U);
}

TEST_F(KubernetesLauncherTest, CancelDeletesThePod) {
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("nap", "sleeper", "{}"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  // Cancel once it runs (another process's progress: polled, bounded).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (kubelet_->running() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(kubelet_->running(), 1);
  (*launched)->Cancel(std::chrono::milliseconds(0));
  const LaunchOutcome outcome = (*launched)->Wait();
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_THAT(*outcome.failure, HasSubstr("was cancelled"));
  // The pod is gone; the kubelet ending its container is the kubelet's part (TestKubeletTest).
  EXPECT_EQ(PodCount(), 0U);
}

TEST_F(KubernetesLauncherTest, APayloadOver100000BytesTravelsCompressed) {
  const std::string big(150'000, 'p');
  Result<std::unique_ptr<LaunchedOperation>> launched =
      launcher_->Launch(Spec("big", "keep", R"({"resultPayload":{"data":")" + big + R"("}})"));
  ASSERT_TRUE(launched.ok()) << launched.error().message;
  const LaunchOutcome outcome = (*launched)->Wait();
  EXPECT_FALSE(outcome.failure.has_value()) << *outcome.failure;
  ASSERT_TRUE(outcome.output.has_value());
  EXPECT_EQ(ParseJson(*outcome.output).value(), Json(JsonObject{{"data", big}}));
  // The pod (kept: reapCompletedPods false) carried it in compressed segments.
  Result<PodList> pods = admin_->ListPods(ns_, "pop.role=operation");
  ASSERT_TRUE(pods.ok());
  ASSERT_EQ(pods->pods.size(), 1U);
  Result<std::string> text =
      admin_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/" + pods->pods[0].name);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_THAT(*text, HasSubstr(R"("name":"POP_PAYLOAD_TYPE","value":"compressedEnvVar")"));
  EXPECT_THAT(*text, HasSubstr(R"("name":"POP_COMPRESSED_PAYLOAD_0")"));
  EXPECT_THAT(*text, ::testing::Not(HasSubstr(R"("name":"PAYLOAD")")));
}

TEST_F(KubernetesLauncherTest, AnAgendaOfPodsCompletesWithOutputsFlowingBetweenOperations) {
  testing::FakePoolClient client;
  app::ResidentLauncher resident(client);
  app::WorkerPool workers(4);
  app::ThreadCache threads(1);
  NullLogger logger;
  app::ExecutorOptions options;
  options.coalesce = Duration::Millis(0);
  options.retry_delay = Duration::Millis(0);
  options.puller_id = "puller-1";
  app::Executor executor(
      app::ExecutorDeps{clock_, client, {&resident, launcher_.get()}, workers, logger, threads},
      options);
  Result<Agenda> agenda = Decode<Agenda>(ParseJson(R"({
    "id": "A", "progressId": "P", "customerId": "acme", "cid": "c-1", "operations": [
      {"name": "first", "type": "sample", "payload": {"resultPayload": {"v": "from first"}}},
      {"name": "note", "type": "logMessages", "payload": {"logMessages": ["@<first.out::/v>"]}},
      {"name": "second", "type": "sample",
       "payload": {"resultPayload": {"got": "@<first.out::/v>"}}}]})")
                                             .value());
  ASSERT_TRUE(agenda.ok()) << agenda.error().message;
  const app::ExecutionResult result = executor.Run(*agenda, std::nullopt);
  workers.Stop();
  EXPECT_TRUE(result.succeeded);
  EXPECT_TRUE(result.final_reported);
  auto ops = client.LatestOperations();
  EXPECT_EQ(ops["first"].processing_state_message, "succeeded");
  EXPECT_EQ(ops["note"].processing_state_message, "succeeded");
  ASSERT_TRUE(ops["second"].result_payload.has_value());
  EXPECT_EQ(ParseJson(*ops["second"].result_payload).value(),
            Json(JsonObject{{"got", "from first"}}));
  // Each pod's log reached pop (the executor's log chunks), so it outlives the pod.
  int pod_logs = 0;
  for (const auto& [id, text] : client.logs()) {
    if (text.find("HandlerComplete") != std::string::npos) ++pod_logs;
  }
  EXPECT_EQ(pod_logs, 2);
  EXPECT_EQ(PodCount(), 0U);
}

}  // namespace
}  // namespace pop

namespace pop {
namespace {

// `pop executor --launch kubernetes` refuses a bad pod registry before it creates any pod, naming
// the flag and the field (a process run, no server needed: the registry is read first).
struct ExecutorRun {
  int exit_code = -1;
  std::string output;
};

ExecutorRun RunExecutor(const std::filesystem::path& dir, const std::string& flags) {
  std::ofstream(dir / "agenda.json")
      << R"({"id":"A","progressId":"P","operations":[{"name":"a","type":"sample","payload":{}}]})";
  const std::string command = std::string(POP_BINARY_DIR) +
                              "/pop executor --server http://127.0.0.1:1 --token t " + flags +
                              " -payloadFile " + (dir / "agenda.json").string() + " 2>&1";
  ExecutorRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(KubernetesExecutorFlagsTest, ABadPodRegistryIsRefusedNamingTheField) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pop-kube-flags-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "registry.json")
      << R"({"basePodConfig": {"podScheduledTimeoutMs": "soon"}, "sample": {}})";
  ExecutorRun bad =
      RunExecutor(dir, "--launch kubernetes --pod-registry " + (dir / "registry.json").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output,
              HasSubstr("'basePodConfig.podScheduledTimeoutMs' must be an integer, got a string"));
  ExecutorRun missing = RunExecutor(dir, "--launch kubernetes");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("--launch kubernetes needs --pod-registry FILE"));
  ExecutorRun unknown = RunExecutor(dir, "--launch docker");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("--launch"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace pop
