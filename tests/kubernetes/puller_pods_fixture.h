// The fixture of `pop puller --launch kubernetes` end to end: a real `pop server`, the puller's
// ExecutorPods on the test API server, and the test kubelet running each executor pod's command
// as a local `pop executor` process that reports to the server (and, for executors started with
// ChainOptions, each operation pod's `pop handler sample`). Waiting on other processes can only
// poll. Shared by the puller's test files of tests/kubernetes.
#pragma once

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

namespace pop::kubetest {

using std::chrono::milliseconds;
using std::chrono::seconds;

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

inline std::string Field(const Json& object, std::string_view key) {
  const Json* value = object.Find(key);
  return value != nullptr && value->is_string() ? value->AsString() : std::string();
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls `done` every 100 ms for up to `limit` (other processes' progress has nothing to wait on).
inline bool PollUntil(const std::function<bool()>& done, std::chrono::seconds limit = seconds(60)) {
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
                   {"POP_KUBE_NAMESPACE", ns_},
                   // The sample handler's externalExecute (what the registry's
                   // allowPayloadCommands turns on): the tests' operations journal and wait.
                   {"POP_ALLOW_PAYLOAD_COMMANDS", "1"}}});
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

  // Options whose executor pods run `pop executor --launch kubernetes` with a service account
  // limited to pods: each operation of type `sample` runs in a pod of its own (`pop handler
  // sample`, reporting through its pod's annotations). `registry` is the pod registry's text.
  app::ExecutorPodsOptions ChainOptions(const std::string& registry = kChainRegistry) {
    auto token = testing::ServiceAccountToken(*admin_, ns_, "pop-executor",
                                              {"get", "list", "watch", "create", "delete", "patch"},
                                              {"pods", "pods/log"});
    EXPECT_TRUE(token.ok()) << token.error().message;
    const std::filesystem::path kubeconfig = dir_.path() / "executor-kubeconfig";
    std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n"
                              << "  cluster:\n    server: " << cluster_.server << "\n"
                              << "    certificate-authority: " << cluster_.ca_file << "\n"
                              << "users:\n- name: executor\n  user:\n    token: "
                              << (token.ok() ? *token : std::string()) << "\n"
                              << "contexts:\n- name: executor\n  context:\n    cluster: test\n"
                              << "    user: executor\n    namespace: " << ns_ << "\n"
                              << "current-context: executor\n";
    const std::filesystem::path registry_file = dir_.path() / "pod-registry.json";
    std::ofstream(registry_file) << registry;
    app::ExecutorPodsOptions options = Options();
    options.pod.arguments = {
        "executor",    "--launch", "kubernetes",   "--pod-registry",    registry_file.string(),
        "--namespace", ns_,        "--kubeconfig", kubeconfig.string(), "--log-level",
        "warning"};
    return options;
  }

  // The pod registry of ChainOptions: type `sample` is `pop handler sample`.
  static constexpr char kChainRegistry[] = R"({"basePodConfig": {"podScheduledTimeoutMs": 20000,
      "podStdoutTimeout": 20000, "reapCompletedPods": false},
    "sample": {"podConfig": {"imageName": "pop-sample:test", "namePrefix": "pop-samp"}}})";

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
    // The long poll returns at once when an Agenda is queued; its length only bounds how long
    // Stop() waits for the poll in flight (each test's teardown).
    puller_options.wait = Duration::Millis(500);
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

  // Whether the progress became COMPLETE after `attempts` attempts within `limit`; `progress` holds
  // the last one read.
  bool WaitForAttempts(const std::string& progress_id, int attempts, seconds limit,
                       Json& progress) {
    return PollUntil(
        [&] {
          progress = Progress(progress_id);
          const Json* done = progress.is_object() ? progress.Find("attemptsCompleted") : nullptr;
          return Field(progress, "processingState") == "COMPLETE" && done != nullptr &&
                 done->is_integer() && done->AsInt() == attempts;
        },
        limit);
  }

  std::vector<PodInfo> AgendaPods(const std::string& agenda_id) {
    auto pods = admin_->ListPods(ns_, std::string(app::kLabelAgendaId) + "=" + agenda_id);
    return pods.ok() ? pods->pods : std::vector<PodInfo>{};
  }

  // The payload of a `sample` operation (ChainOptions) that appends "run-<its name>" to the
  // journal and, when `gate` is given, waits until that file exists; then succeeds with
  // `result` (JSON text).
  std::string JournalPayload(const std::string& result = "{}", const std::string& gate = "") {
    std::string script = "echo run-$OPERATION_NAME >> " + journal_.string();
    if (!gate.empty()) script += "; while [ ! -e " + gate + " ]; do sleep 0.05; done";
    const Json args(JsonArray{Json("/bin/sh"), Json("-c"), Json(script)});
    return R"({"actions":[{"action":"externalExecute","paramsMap":{"externalArgs":)" +
           ToJsonText(args) + R"(}}],"resultPayload":)" + result + "}";
  }

  // How many executor pods the puller created (its log says so once per pod).
  int ExecutorPodsCreated() const {
    const std::string text = logger_.Text();
    int count = 0;
    for (size_t at = text.find(" created in namespace "); at != std::string::npos;
         at = text.find(" created in namespace ", at + 1)) {
      ++count;
    }
    return count;
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

}  // namespace pop::kubetest
