// `pop puller --launch kubernetes` end to end: a real `pop server`, the puller's ExecutorPods on
// the test API server, and the test kubelet running each executor pod's command as a local
// `pop executor` process that reports to the server. Waiting on other processes can only poll.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/local_process/payload_env.h"
#include "adapters/system/random_id_generator.h"
#include "adapters/system/system_clock.h"
#include "app/executor_pods.h"
#include "app/http_pool_client.h"
#include "app/metrics_registry.h"
#include "app/pod_labels.h"
#include "app/puller.h"
#include "app/worker_pool.h"
#include "core/codec/json_text.h"
#include "e2e/server_process_support.h"
#include "support/kube_test_cluster.h"
#include "support/test_kubelet.h"

namespace pop {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr char kImage[] = "pop-executor:test";
constexpr char kSecret[] = "pop-executor-token";
constexpr char kSampleImage[] = "pop-sample:test";

class RecordingLogger final : public Logger {
 public:
  bool Enabled(LogLevel /*level*/) const override { return true; }
  void Log(LogLevel /*level*/, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(message);
  }
  std::string Text() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string text;
    for (const std::string& line : lines_) text += line + "\n";
    return text;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

std::string Field(const Json& object, std::string_view key) {
  const Json* value = object.Find(key);
  return value != nullptr && value->is_string() ? value->AsString() : std::string();
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `done` every 100 ms for up to `limit` (other processes' progress has nothing to wait on).
bool PollUntil(const std::function<bool()>& done, std::chrono::seconds limit = seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return done();
}

class PullerPodsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = testing::KubeAdminClient(clock_);
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = std::move(*admin);
    auto ns = testing::CreateTestNamespace(*admin_, "puller");
    ASSERT_TRUE(ns.ok()) << ns.error().message;
    ns_ = *ns;

    // The handlers the executors run: each writes to a journal what it started and finished.
    journal_ = dir_.path() / "journal";
    handlers_ = dir_.path() / "handlers.json";
    std::ofstream(handlers_) << R"({"step": {"command": "/bin/sh", "exitZeroIsSuccess": true,
      "args": ["-c", "echo start-$OPERATION_NAME >> )"
                             << journal_.string() << R"(; case \"$OPERATION_NAME\" in slow*) )"
                             << R"(if [ ! -e )" << journal_.string() << R"(.once ]; then touch )"
                             << journal_.string()
                             << R"(.once; sleep 60; fi;; esac; echo done-$OPERATION_NAME >> )"
                             << journal_.string() << R"("]}})";

    server_ = std::make_unique<testing::ServerProcess>(
        dir_.path() / "server", std::vector<std::string>{"--retry-backoff-seconds", "0"});
    std::filesystem::create_directories(dir_.path() / "server");
    url_ = server_->Start();
    token_ = server_->admin_token();
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    http_ = std::move(CurlHttpClient::Create()).value();
    ASSERT_EQ(Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})").first,
              200);
    ASSERT_EQ(Call("POST", "/insight",
                   R"({"id":"ins","customerId":"ops","title":"ins","resourcePoolId":"rp",)"
                   R"("queueName":"ins","queueSize":20,"schedulingAlgorithm":"RoundRobin",)"
                   R"("isGlobal":true,"mappers":{"operationType":["step","noop","sample"]}})")
                  .first,
              200);
    ASSERT_EQ(Call("POST", "/customer",
                   R"({"id":"acme","customerId":"acme","title":"A","resourcePoolId":"rp"})")
                  .first,
              200);

    // The executors' token, as a Secret the pods read by secretKeyRef.
    const Json secret(JsonObject{{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata", Json(JsonObject{{"name", kSecret}})},
                                 {"stringData", Json(JsonObject{{"token", token_}})}});
    auto made =
        admin_->Request("POST", "/api/v1/namespaces/" + ns_ + "/secrets", ToJsonText(secret));
    ASSERT_TRUE(made.ok()) << made.error().message;

    // Operation pods (an executor pod running `pop executor --launch kubernetes`) run the sample
    // handler, which reports through its own pod's annotations with this service account.
    auto cluster = testing::KubeTestClusterInfo();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = *cluster;
    auto handler_token =
        testing::ServiceAccountToken(*admin_, ns_, "pop-handler", {"get", "patch"}, {"pods"});
    ASSERT_TRUE(handler_token.ok()) << handler_token.error().message;
    std::ofstream(dir_.path() / "handler-token") << *handler_token;
    auto kubelet = testing::TestKubelet::Start(
        *admin_, {"node-" + ns_,
                  ns_,
                  {{kImage, {std::string(POP_BINARY_DIR) + "/pop"}},
                   {kSampleImage, {std::string(POP_BINARY_DIR) + "/pop", "handler", "sample"}}},
                  {{"POP_KUBE_SERVER", cluster_.server},
                   {"POP_KUBE_CA_FILE", cluster_.ca_file},
                   {"POP_KUBE_TOKEN_FILE", (dir_.path() / "handler-token").string()},
                   {"POP_KUBE_NAMESPACE", ns_}}});
    ASSERT_TRUE(kubelet.ok()) << kubelet.error().message;
    kubelet_ = std::move(*kubelet);
  }

  void TearDown() override {
    if (HasFailure()) std::fprintf(stderr, "puller log:\n%s", logger_.Text().c_str());
    if (puller_) puller_->Stop(/*let_finish=*/true);
    if (pods_) pods_->Stop();
    if (workers_) workers_->Stop();
    if (kubelet_) kubelet_->Stop();
  }

  std::pair<int, Json> Call(const std::string& method, const std::string& path,
                            const std::string& body = "") {
    HttpClientRequest request;
    request.method = method;
    request.url = url_ + "/pop" + path;
    request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
    request.body = body;
    request.timeout = milliseconds(10'000);
    Result<HttpClientResponse> response = http_->Send(request);
    if (!response.ok()) return {0, Json()};
    Result<Json> parsed = ParseJson(response->body);
    return {response->status, parsed.ok() ? *parsed : Json()};
  }

  app::ExecutorPodsOptions Options() {
    app::ExecutorPodsOptions options;
    options.namespace_name = ns_;
    options.pod.image_name = kImage;
    options.pod.name_prefix = "pop-exec";
    options.pod.arguments = {"executor", "--registry", handlers_.string(), "--log-level",
                             "warning"};
    options.server_url = url_;
    options.token_secret = kSecret;
    options.puller_id = "kpuller-1";
    options.resource_pool_id = "rp";
    options.probe_interval = Duration::Millis(500);
    return options;
  }

  // Starts the puller's side: ExecutorPods over `pods` (the admin client unless given) and a
  // Puller polling insight `ins`.
  void StartPuller(app::ExecutorPodsOptions options, size_t max_agendas = 4,
                   KubernetesPods* pods = nullptr) {
    pool_ = std::make_unique<app::HttpPoolClient>(
        app::HttpPoolClientOptions{url_, "/pop", token_, Duration::Seconds(30)}, *http_);
    pods_ = std::make_unique<app::ExecutorPods>(
        app::ExecutorPodsDeps{clock_, pods != nullptr ? *pods : *admin_, *pool_, ids_, logger_,
                              [](std::string_view payload, const std::string& name) {
                                return local_process::PayloadEnvironment(payload, name);
                              },
                              &metrics_},
        std::move(options));
    workers_ = std::make_unique<app::WorkerPool>(1);
    app::PullerDeps deps{clock_, *pool_, {}, *workers_, logger_, nullptr, &metrics_};
    deps.executor_pods = pods_.get();
    app::PullerOptions puller_options;
    puller_options.insight_ids = {"ins"};
    puller_options.max_agendas = max_agendas;
    puller_options.puller_id = "kpuller-1";
    puller_options.wait = Duration::Seconds(2);
    puller_options.min_backoff = Duration::Millis(200);
    puller_ = std::make_unique<app::Puller>(deps, puller_options);
    Status started = pods_->Start([this] { puller_->Wake(); });
    ASSERT_TRUE(started.ok()) << started.message();
    puller_->Start();
  }

  // Submits an Agenda of `operations` (JSON list text); returns {agenda id, progress id}.
  std::pair<std::string, std::string> Submit(const std::string& operations) {
    auto [status, body] =
        Call("POST", "/agenda", R"({"customerId":"acme","operations":)" + operations + "}");
    EXPECT_EQ(status, 200) << ToJsonText(body);
    const Json* all = body.is_object() ? body.Find("all") : nullptr;
    if (all == nullptr || !all->is_array() || all->AsArray().empty()) return {};
    return {Field(all->AsArray()[0], "id"), Field(all->AsArray()[0], "progressId")};
  }

  Json Progress(const std::string& progress_id) {
    auto [status, body] = Call("GET", "/progress/agenda/" + progress_id);
    const Json* all = body.is_object() ? body.Find("all") : nullptr;
    if (status != 200 || all == nullptr || !all->is_array() || all->AsArray().empty()) {
      return Json();
    }
    return all->AsArray()[0];
  }

  // The progress once it is COMPLETE and stays so (no retry pending), or what it was at the end.
  Json WaitComplete(const std::string& progress_id, seconds limit = seconds(60)) {
    Json last;
    PollUntil(
        [&] {
          last = Progress(progress_id);
          return last.is_object() && Field(last, "processingState") == "COMPLETE";
        },
        limit);
    return last;
  }

  std::vector<PodInfo> AgendaPods(const std::string& agenda_id) {
    auto pods = admin_->ListPods(ns_, std::string(app::kLabelAgendaId) + "=" + agenda_id);
    return pods.ok() ? pods->pods : std::vector<PodInfo>{};
  }

  int JournalCount(const std::string& line) {
    std::istringstream in(ReadText(journal_));
    int count = 0;
    for (std::string got; std::getline(in, got);) count += got == line ? 1 : 0;
    return count;
  }

  SystemClock clock_;
  RandomIdGenerator ids_;
  RecordingLogger logger_;
  app::MetricsRegistry metrics_;
  testing::TempDir dir_;
  std::filesystem::path journal_;
  std::filesystem::path handlers_;
  std::unique_ptr<KubernetesClient> admin_;
  std::unique_ptr<KubernetesClient> puller_kube_;  // the puller's, when not the admin's
  std::string ns_;
  testing::KubeTestCluster cluster_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::string url_;
  std::string token_;
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<testing::TestKubelet> kubelet_;
  std::unique_ptr<app::HttpPoolClient> pool_;
  std::unique_ptr<app::ExecutorPods> pods_;
  std::unique_ptr<app::WorkerPool> workers_;
  std::unique_ptr<app::Puller> puller_;
};

TEST_F(PullerPodsTest, AnAgendaCompletesThroughAnExecutorPodThatGetsItsTokenOnlyFromASecret) {
  StartPuller(Options());
  auto [agenda_id, progress_id] = Submit(
      R"([{"name":"a","type":"step","payload":{}},{"name":"b","type":"noop","payload":{"x":"@<a.out>"}}])");
  ASSERT_FALSE(progress_id.empty());
  const Json progress = WaitComplete(progress_id);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  EXPECT_EQ(JournalCount("done-a"), 1);

  // The executor reports before it exits; its pod ends Succeeded a moment later.
  std::vector<PodInfo> pods;
  EXPECT_TRUE(PollUntil(
      [&] {
        pods = AgendaPods(agenda_id);
        return pods.size() == 1 && pods[0].phase == "Succeeded";
      },
      seconds(20)));
  ASSERT_EQ(pods.size(), 1U);
  EXPECT_EQ(pods[0].labels.at("pop.insightId"), "ins");
  EXPECT_EQ(pods[0].labels.at("pop.resourcePoolId"), "rp");
  auto raw = admin_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/" + pods[0].name);
  ASSERT_TRUE(raw.ok()) << raw.error().message;
  EXPECT_THAT(*raw, ::testing::Not(HasSubstr(token_)));
  auto manifest = ParseJson(*raw);
  ASSERT_TRUE(manifest.ok());
  std::map<std::string, Json> env;
  for (const Json& var :
       manifest->Find("spec")->Find("containers")->AsArray()[0].Find("env")->AsArray()) {
    env[Field(var, "name")] = var;
  }
  ASSERT_EQ(env.count("POP_TOKEN"), 1U);
  EXPECT_EQ(ToJsonText(env["POP_TOKEN"]),
            R"({"name":"POP_TOKEN","valueFrom":{"secretKeyRef":{"name":")" + std::string(kSecret) +
                R"(","key":"token"}}})");
  for (const char* name : {"PAYLOAD", "CID", "AGENDA_ID", "CUSTOMER_ID", "PROGRESS_ID", "POP_ADDR",
                           "POP_PULLER_ID", "MY_POD_NAME"}) {
    EXPECT_EQ(env.count(name), 1U) << name;
  }
  EXPECT_EQ(Field(env["AGENDA_ID"], "value"), agenda_id);
  EXPECT_EQ(Field(env["PROGRESS_ID"], "value"), progress_id);
}

// The whole chain as deploy/ runs it: the puller starts an executor pod, whose `pop executor
// --launch kubernetes` (with a service account limited to pods) starts a pod for each operation;
// the handlers report through their pods' annotations and outputs flow between the pods.
TEST_F(PullerPodsTest, AnExecutorPodRunsEachOperationInAPodOfItsOwn) {
  auto token = testing::ServiceAccountToken(*admin_, ns_, "pop-executor",
                                            {"get", "list", "watch", "create", "delete", "patch"},
                                            {"pods", "pods/log"});
  ASSERT_TRUE(token.ok()) << token.error().message;
  const std::filesystem::path kubeconfig = dir_.path() / "executor-kubeconfig";
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
                            << "    server: " << cluster_.server << "\n"
                            << "    certificate-authority: " << cluster_.ca_file << "\n"
                            << "users:\n- name: executor\n  user:\n    token: " << *token << "\n"
                            << "contexts:\n- name: executor\n  context:\n    cluster: test\n"
                            << "    user: executor\n    namespace: " << ns_ << "\n"
                            << "current-context: executor\n";
  const std::filesystem::path registry = dir_.path() / "pod-registry.json";
  std::ofstream(registry) << R"({"basePodConfig": {"podScheduledTimeoutMs": 20000,
      "podStdoutTimeout": 20000, "reapCompletedPods": false},
    "sample": {"podConfig": {"imageName": ")"
                          << kSampleImage << R"(", "namePrefix": "pop-samp"}}})";
  app::ExecutorPodsOptions options = Options();
  options.pod.arguments = {"executor",          "--launch",    "kubernetes", "--pod-registry",
                           registry.string(),   "--namespace", ns_,          "--kubeconfig",
                           kubeconfig.string(), "--log-level", "warning"};
  StartPuller(options);
  auto [agenda_id, progress_id] = Submit(
      R"([{"name":"first","type":"sample","payload":{"resultPayload":{"v":"from first"}}},)"
      R"({"name":"second","type":"sample","payload":{"resultPayload":{"got":"@<first.out::/v>"}}},)"
      R"({"name":"third","type":"sample","payload":{"resultPayload":{"also":"@<second.out::/got>"}}}])");
  ASSERT_FALSE(progress_id.empty());
  const Json progress = WaitComplete(progress_id, seconds(90));
  ASSERT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  std::map<std::string, std::string> results;
  for (const Json& op : progress.Find("operationProgress")->AsArray()) {
    results[Field(op, "operation")] = Field(op, "resultPayload");
  }
  EXPECT_EQ(results["third"], R"({"also":"from first"})") << ToJsonText(progress);

  // One executor pod and one pod per operation, each labelled with the agenda.
  std::vector<PodInfo> pods = AgendaPods(agenda_id);
  size_t executors = 0;
  size_t operations = 0;
  for (const PodInfo& pod : pods) {
    auto component = pod.labels.find(std::string(app::kLabelComponent));
    const std::string kind = component != pod.labels.end() ? component->second : "";
    executors += kind == "executor" ? 1 : 0;
    operations += kind == "executor" ? 0 : 1;
  }
  EXPECT_EQ(executors, 1U);
  EXPECT_EQ(operations, 3U);
}

TEST_F(PullerPodsTest, TheExecutionLimitBoundsTheInsightsPodsCountedFromTheWatch) {
  app::ExecutorPodsOptions options = Options();
  options.execution_limit = 1;
  // A pod of the Insight that someone else runs and that never starts: it takes the only slot
  // until it is gone.
  const Json foreign(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Json(JsonObject{{"name", "foreign"},
                                   {"labels", Json(JsonObject{{"pop.component", "executor"},
                                                              {"pop.insightId", "ins"}})}})},
      {"spec",
       Json(JsonObject{{"restartPolicy", "Never"},
                       {"containers", Json(JsonArray{Json(JsonObject{
                                          {"name", "main"}, {"image", "missing:1"}})})}})}});
  ASSERT_TRUE(admin_->CreatePod(ns_, foreign).ok());
  std::mutex mu;
  size_t most = 0;
  std::map<std::string, PodInfo> seen;
  auto watch = admin_->WatchPods(ns_, "pop.insightId=ins", [&](const PodEvent& event) {
    std::lock_guard<std::mutex> lock(mu);
    if (event.type == PodEventType::kDeleted) {
      seen.erase(event.pod.name);
    } else {
      seen[event.pod.name] = event.pod;
    }
    size_t active = 0;
    for (const auto& [name, pod] : seen) {
      active += (!pod.is_deleting && pod.phase != "Succeeded" && pod.phase != "Failed") ? 1 : 0;
    }
    most = std::max(most, active);
  });
  ASSERT_TRUE(watch.ok());
  StartPuller(options, /*max_agendas=*/4);
  std::vector<std::string> progress_ids;
  for (int i = 0; i < 3; ++i) {
    progress_ids.push_back(
        Submit(R"([{"name":"a)" + std::to_string(i) + R"(","type":"step","payload":{}}])").second);
  }
  // Nothing starts while the foreign pod holds the slot.
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(ReadText(journal_), "");
  EXPECT_EQ(Field(Progress(progress_ids[0]), "processingState"), "WAITING");
  ASSERT_TRUE(admin_->DeletePod(ns_, "foreign").ok());
  for (const std::string& id : progress_ids) {
    EXPECT_EQ(Field(WaitComplete(id), "processingStateMessage"), "succeeded");
  }
  (*watch)->Stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(most, 1U);
}

TEST_F(PullerPodsTest, APodThatNeverStartsIsFailedAfterItsTimeoutAndTheAgendaRetried) {
  app::ExecutorPodsOptions options = Options();
  options.pod.image_name = "missing:1";  // the kubelet leaves it Pending (ErrImagePull)
  options.pod.pod_scheduled_timeout_ms = 1500;
  StartPuller(options);
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  // Three attempts (the retry rule's default), each failed after the timeout.
  Json progress;
  ASSERT_TRUE(PollUntil(
      [&] {
        progress = Progress(progress_id);
        const Json* attempts = progress.is_object() ? progress.Find("attemptsCompleted") : nullptr;
        return Field(progress, "processingState") == "COMPLETE" && attempts != nullptr &&
               attempts->is_integer() && attempts->AsInt() == 3;
      },
      seconds(60)))
      << ToJsonText(progress);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "failed");
  EXPECT_THAT(ToJsonText(progress),
              HasSubstr("did not start within 1500 ms (podScheduledTimeoutMs) (ErrImagePull)"));
  // Its pods are gone.
  EXPECT_TRUE(PollUntil([&] { return AgendaPods(agenda_id).empty(); }, seconds(10)));
}

TEST_F(PullerPodsTest, AnExecutorPodKilledMidRunIsRecoveredWithoutRunningFinishedOperationsAgain) {
  StartPuller(Options());
  auto [agenda_id, progress_id] =
      Submit(R"([{"name":"a","type":"step","payload":{}},)"
             R"({"name":"slow","type":"step","payload":{"after":"@<a.out>"}},)"
             R"({"name":"c","type":"step","payload":{"after":"@<slow.out>"}}])");
  ASSERT_TRUE(PollUntil([&] { return JournalCount("start-slow") == 1; }));
  // The executor reports a's success (at its next report, within its heartbeat); only then is
  // `a` done as far as pop knows.
  ASSERT_TRUE(PollUntil([&] {
    const Json progress = Progress(progress_id);
    const Json* ops = progress.is_object() ? progress.Find("operationProgress") : nullptr;
    if (ops == nullptr || !ops->is_array()) return false;
    for (const Json& op : ops->AsArray()) {
      if (Field(op, "operation") == "a") return Field(op, "processingStateMessage") == "succeeded";
    }
    return false;
  }));
  std::vector<PodInfo> pods = AgendaPods(agenda_id);
  ASSERT_EQ(pods.size(), 1U);
  ASSERT_TRUE(admin_->DeletePod(ns_, pods[0].name).ok());  // the pod is killed
  const Json progress = WaitComplete(progress_id, seconds(90));
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  EXPECT_EQ(JournalCount("start-a"), 1) << ReadText(journal_);
  EXPECT_EQ(JournalCount("done-a"), 1);
  EXPECT_EQ(JournalCount("done-slow"), 1);
  EXPECT_EQ(JournalCount("done-c"), 1);
  EXPECT_THAT(logger_.Text(), HasSubstr("was deleted before its Agenda finished"));
}

TEST_F(PullerPodsTest, CancelRemovesTheAgendasPods) {
  StartPuller(Options());
  auto [agenda_id, progress_id] = Submit(R"([{"name":"slow","type":"step","payload":{}}])");
  ASSERT_TRUE(PollUntil([&] { return JournalCount("start-slow") == 1; }));
  ASSERT_EQ(AgendaPods(agenda_id).size(), 1U);
  auto [status, body] =
      Call("POST", "/agenda/service/cancel", R"({"agendaId":")" + agenda_id + R"("})");
  ASSERT_EQ(status, 200) << ToJsonText(body);
  EXPECT_TRUE(PollUntil([&] { return AgendaPods(agenda_id).empty(); }, seconds(30)))
      << logger_.Text();
  EXPECT_EQ(Field(Progress(progress_id), "processingStateMessage"), "cancelled");
}

TEST_F(PullerPodsTest, AnRbacDenialStopsClaimingAndSaysWhatWasRefused) {
  // The puller's service account may watch pods but not create them.
  auto token =
      testing::ServiceAccountToken(*admin_, ns_, "weak-puller", {"get", "list", "watch"}, {"pods"});
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto info = testing::KubeTestClusterInfo();
  ASSERT_TRUE(info.ok());
  KubernetesConfig config;
  config.server = info->server;
  config.ca_file = info->ca_file;
  config.token = *token;
  auto weak = KubernetesClient::Create(config, clock_);
  ASSERT_TRUE(weak.ok()) << weak.error().message;
  puller_kube_ = std::move(*weak);
  StartPuller(Options(), 4, puller_kube_.get());
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  Json progress;
  ASSERT_TRUE(PollUntil([&] {
    progress = Progress(progress_id);
    return ToJsonText(progress).find("Failed to create executor pod") != std::string::npos;
  })) << ToJsonText(progress);
  EXPECT_THAT(ToJsonText(progress), HasSubstr("create"));
  EXPECT_THAT(ToJsonText(progress), HasSubstr("pods"));
  EXPECT_THAT(ToJsonText(progress), HasSubstr(ns_));
  EXPECT_THAT(logger_.Text(), HasSubstr("no Agendas are claimed until it can"));
  EXPECT_TRUE(AgendaPods(agenda_id).empty());
}

TEST_F(PullerPodsTest, AnUnreachableKubernetesStopsClaimingInsteadOfFailingAgendas) {
  KubernetesConfig config;
  config.server = "https://127.0.0.1:1";  // nothing listens
  config.token = "unused";
  KubernetesClientOptions client_options;
  client_options.max_attempts = 1;
  auto nowhere = KubernetesClient::Create(config, clock_, client_options);
  ASSERT_TRUE(nowhere.ok()) << nowhere.error().message;
  puller_kube_ = std::move(*nowhere);
  StartPuller(Options(), 4, puller_kube_.get());
  ASSERT_TRUE(PollUntil([&] { return !pods_->Health().reachable; }, seconds(20))) << logger_.Text();
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  std::this_thread::sleep_for(milliseconds(1500));  // a poll would have claimed it by now
  EXPECT_EQ(Field(Progress(progress_id), "processingState"), "WAITING");
  EXPECT_THAT(pods_->Health().problem, ::testing::Not(::testing::IsEmpty()));
  EXPECT_THAT(logger_.Text(), HasSubstr("no Agendas are claimed until it can"));
}

}  // namespace
}  // namespace pop
