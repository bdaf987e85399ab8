// pop_kube_bench: issue 12's figures, the peers' workloads through Kubernetes pods on the test API
// server (bench/kube starts it with scripts/kube-test-cluster.sh and names it in
// POP_TEST_KUBE_DIR). One `pop server` (SQLite), one `pop puller --launch kubernetes` (an executor
// pod per Agenda, running `pop executor --launch kubernetes`, which runs every `sample` operation
// as a pod of `pop handler sample`), and the tests' kubelet (tests/support/test_kubelet.h) in this
// process, which binds the pods to a fake node and runs each container as a local child process:
// no image pull, no container runtime, no cgroups. The figures are therefore pop's orchestration
// plus the API server (and etcd), not a real node's pod start-up.
//   W1   N single-operation Agendas, one sequential client: an executor pod and one operation pod
//        each (the operation: the sample handler returning a result) -> Agendas/s, latency;
//   W4   N single-operation Agendas whose operation pod's handler runs /bin/true as a child
//        process (the sample handler's externalExecute) -> Agendas/s;
//   DAG  the 65-operation DAG of tests/kubernetes/pod_scenarios_test.cc with all 32 fan-out
//        operations and the join as pods (root and the chain of 31 resident) -> makespan.
// For every operation pod: the overhead per phase, from this program's own watch of the namespace
// (the same API server watch stream pop's executor follows; wall-clock times taken as each event
// arrives) and the handler's own run time (a wrapper around `pop handler sample` writes the
// handler process's start and end times). Prints tables and one JSON line per figure; exits 1
// when an Agenda did not succeed.
//
// Usage: pop_kube_bench [--pop PATH] [--workloads W1,W4,DAG] [--w1 N] [--w4 N]
//                       [--max-agendas N] [--timeout-s S] [--keep-dir]
// Defaults: all three workloads, W1 200 and W4 100 Agendas (about a minute and half a minute here),
// 8 Agendas at once (what `pop puller` ships with).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/system/system_clock.h"
#include "bench_api.h"
#include "bench_report.h"
#include "core/codec/json_text.h"
#include "dev_server.h"
#include "support/kube_test_cluster.h"
#include "support/test_kubelet.h"

namespace pop::bench {
namespace {

constexpr char kBench[] = "kube_bench";
constexpr char kCustomer[] = "bench";
constexpr char kInsight[] = "kube";
constexpr char kSecret[] = "pop-executor-token";
constexpr char kExecutorImage[] = "pop:bench";
constexpr char kSampleImage[] = "pop-sample:bench";

struct Options {
  std::string pop;
  std::vector<std::string> workloads = {"W1", "W4", "DAG"};
  size_t w1 = 200;  // about a minute on a 2-core machine (BENCHMARKS.md)
  size_t w4 = 100;
  size_t max_agendas = 8;  // what `pop puller` ships with
  int timeout_s = 600;
  bool keep_dir = false;
};

// The server and the puller once started, so that a failure does not leave them running.
std::atomic<pid_t> g_server{-1};
std::atomic<pid_t> g_puller{-1};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "pop_kube_bench: %s\n", message.c_str());
  for (const pid_t pid : {g_puller.load(), g_server.load()}) {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  std::exit(1);
}

double WallMillis() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string StringField(const Json& object, std::string_view field) {
  if (!object.is_object()) return "";
  const Json* value = object.Find(field);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

// ---- HTTP to the pop server.

class Api : public BenchApi {
 public:
  Api(std::string url, std::string token) : BenchApi(std::move(url), std::move(token), &Die) {}
};

// ---- What this program's watch saw of each pod, in wall-clock milliseconds (0: not seen).

struct PodTimes {
  bool executor = false;  // pop.component=executor; else an operation pod
  std::string agenda;
  double added = 0;
  double running = 0;
  double ended = 0;  // Succeeded or Failed
  std::string end_phase;
  double deleted = 0;
};

class PodRecorder {
 public:
  void OnEvent(const PodEvent& event) {
    const double now = WallMillis();
    std::lock_guard<std::mutex> lock(mu_);
    PodTimes& pod = pods_[event.pod.name];
    if (pod.added == 0) {
      pod.added = now;
      const auto component = event.pod.labels.find("pop.component");
      pod.executor = component != event.pod.labels.end() && component->second == "executor";
      const auto agenda = event.pod.labels.find("pop.agendaId");
      if (agenda != event.pod.labels.end()) pod.agenda = agenda->second;
    }
    if (event.type == PodEventType::kDeleted) {
      if (pod.deleted == 0) pod.deleted = now;
      return;
    }
    if (event.pod.phase == "Running" && pod.running == 0) pod.running = now;
    if ((event.pod.phase == "Succeeded" || event.pod.phase == "Failed") && pod.ended == 0) {
      pod.ended = now;
      pod.end_phase = event.pod.phase;
    }
  }

  // The pods seen so far, which are forgotten.
  std::map<std::string, PodTimes> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, PodTimes> taken;
    taken.swap(pods_);
    return taken;
  }

  // Whether every pod seen is deleted.
  bool AllDeleted() const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, pod] : pods_) {
      if (pod.deleted == 0) return false;
    }
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, PodTimes> pods_;
};

// The handler wrapper's lines "<pod> <start ns> <end ns> <exit code>", by pod: the handler
// process's own run time in milliseconds.
std::map<std::string, double> ReadHandlerTimes(const std::filesystem::path& file) {
  std::map<std::string, double> times;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string pod;
    long long start = 0;
    long long end = 0;
    if (fields >> pod >> start >> end) times[pod] = static_cast<double>(end - start) / 1e6;
  }
  return times;
}

// ---- The whole stack, set up once.

struct Stack {
  std::filesystem::path dir;
  testing::KubeTestCluster cluster;
  SystemClock clock;
  std::unique_ptr<KubernetesClient> admin;
  std::string ns;
  std::unique_ptr<DevServer> server;
  std::string url;
  std::string token;
  std::unique_ptr<Api> api;
  std::unique_ptr<testing::TestKubelet> kubelet;
  PodRecorder recorder;
  std::unique_ptr<PodWatch> watch;
  std::filesystem::path handler_times;
  pid_t puller = -1;
  std::string apiserver_pid;  // the test cluster's (scripts/kube-test-cluster.sh), "" unknown
  std::string etcd_pid;
};

// CPU seconds so far of each part: pop server, pop puller, the pods' processes (this program's
// children, reaped by the test kubelet: executors, handler wrappers, handlers and what they
// ran), kube-apiserver and etcd.
struct CpuSnapshot {
  double server = 0;
  double puller = 0;
  double pods = 0;
  double apiserver = 0;
  double etcd = 0;
};

CpuSnapshot ReadCpu(const Stack& s) {
  CpuSnapshot cpu;
  cpu.server = ReadProcessCpu(s.server->pid()).self_s;
  cpu.puller = ReadProcessCpu(std::to_string(s.puller)).self_s;
  cpu.pods = ReadProcessCpu(std::to_string(::getpid())).children_s;
  if (!s.apiserver_pid.empty()) cpu.apiserver = ReadProcessCpu(s.apiserver_pid).self_s;
  if (!s.etcd_pid.empty()) cpu.etcd = ReadProcessCpu(s.etcd_pid).self_s;
  return cpu;
}

std::string ReadTrimmed(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

// Prints the CPU milliseconds per Agenda of each part between two snapshots, and a JSON line.
void ReportCpu(const std::string& workload, size_t agendas, const CpuSnapshot& before,
               const CpuSnapshot& after) {
  const double per = 1000.0 / static_cast<double>(std::max<size_t>(agendas, 1));
  const double server = (after.server - before.server) * per;
  const double puller = (after.puller - before.puller) * per;
  const double pods = (after.pods - before.pods) * per;
  const double apiserver = (after.apiserver - before.apiserver) * per;
  const double etcd = (after.etcd - before.etcd) * per;
  std::printf(
      "    CPU per Agenda: pop server %.0f ms, pop puller %.0f ms, pod processes (executor, "
      "handler and what it ran) %.0f ms, kube-apiserver %.0f ms, etcd %.0f ms\n",
      server, puller, pods, apiserver, etcd);
  JsonLine(kBench, "cpu_per_agenda")
      .Add("workload", workload)
      .Add("server_ms", server)
      .Add("puller_ms", puller)
      .Add("pods_ms", pods)
      .Add("apiserver_ms", apiserver)
      .Add("etcd_ms", etcd)
      .Print();
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) Die("cannot write " + path.string());
}

std::string KubeconfigText(const testing::KubeTestCluster& cluster, const std::string& token,
                           const std::string& ns) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: " +
         cluster.server + "\n    certificate-authority: " + cluster.ca_file +
         "\nusers:\n- name: executor\n  user:\n    token: " + token +
         "\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: executor\n"
         "    namespace: " +
         ns + "\ncurrent-context: bench\n";
}

void SetUp(const Options& options, Stack& s) {
  auto cluster = testing::KubeTestClusterInfo();
  if (!cluster.ok()) Die(cluster.error().message);
  s.cluster = *cluster;
  const std::string cluster_dir = ReadTrimmed(std::filesystem::path(s.cluster.dir) / "cluster");
  if (!cluster_dir.empty()) {
    s.apiserver_pid = ReadTrimmed(std::filesystem::path(cluster_dir) / "apiserver.pid");
    s.etcd_pid = ReadTrimmed(std::filesystem::path(cluster_dir) / "etcd.pid");
  }
  auto admin = testing::KubeAdminClient(s.clock);
  if (!admin.ok()) Die("admin client: " + admin.error().message);
  s.admin = std::move(admin).value();
  auto ns = testing::CreateTestNamespace(*s.admin, "bench");
  if (!ns.ok()) Die("namespace: " + ns.error().message);
  s.ns = *ns;

  // The server: `pop server` on SQLite as it ships (DevServer's `--store` form).
  const std::filesystem::path server_dir = s.dir / "server";
  std::filesystem::create_directories(server_dir);
  s.server = std::make_unique<DevServer>(options.pop, server_dir, std::vector<std::string>{},
                                         "sqlite:" + (server_dir / "pop.db").string());
  s.server->Start();
  g_server = std::stoi(s.server->pid());
  s.url = s.server->url();
  s.token = s.server->admin_token();
  s.api = std::make_unique<Api>(s.url, s.token);
  s.api->Call("POST", "/resourcepool", R"({"id":"rp","customerId":"ops","title":"rp"})");
  s.api->Call("POST", "/insight",
              std::string(R"({"id":")") + kInsight +
                  R"(","customerId":"ops","title":"kube","resourcePoolId":"rp",)"
                  R"("queueName":"kube","queueSize":10000,"schedulingAlgorithm":"FirstInFirstOut",)"
                  R"("isGlobal":true,"mappers":{"operationType":["sample","noop"]}})");
  s.api->Call("POST", "/customer",
              std::string(R"({"id":")") + kCustomer + R"(","customerId":")" + kCustomer +
                  R"(","title":"c","resourcePoolId":"rp"})");

  // The executors' API token as a Secret (their pods read it by secretKeyRef); service accounts
  // limited to pods for the executors and the handlers, as deploy/ has them.
  const Json secret(JsonObject{{"apiVersion", "v1"},
                               {"kind", "Secret"},
                               {"metadata", Json(JsonObject{{"name", kSecret}})},
                               {"stringData", Json(JsonObject{{"token", s.token}})}});
  auto made =
      s.admin->Request("POST", "/api/v1/namespaces/" + s.ns + "/secrets", ToJsonText(secret));
  if (!made.ok()) Die("secret: " + made.error().message);
  auto executor_token = testing::ServiceAccountToken(
      *s.admin, s.ns, "pop-executor", {"get", "list", "watch", "create", "delete", "patch"},
      {"pods", "pods/log"});
  if (!executor_token.ok()) Die("executor token: " + executor_token.error().message);
  auto handler_token =
      testing::ServiceAccountToken(*s.admin, s.ns, "pop-handler", {"get", "patch"}, {"pods"});
  if (!handler_token.ok()) Die("handler token: " + handler_token.error().message);
  WriteFile(s.dir / "handler-token", *handler_token);
  WriteFile(s.dir / "executor-kubeconfig", KubeconfigText(s.cluster, *executor_token, s.ns));

  // The pod registry (spec §15.1): `executor` for the puller, `sample` for the executors; pods
  // reaped as soon as they are done, as deploy/ ships it.
  const std::filesystem::path registry = s.dir / "pod-registry.json";
  const Json executor_args(JsonArray{
      Json("executor"), Json("--launch"), Json("kubernetes"), Json("--pod-registry"),
      Json(registry.string()), Json("--namespace"), Json(s.ns), Json("--kubeconfig"),
      Json((s.dir / "executor-kubeconfig").string()), Json("--log-level"), Json("warning")});
  WriteFile(registry, std::string(R"({"basePodConfig": {"podScheduledTimeoutMs": 120000,)"
                                  R"( "podStdoutTimeout": 120000, "reapCompletedPods": true},)"
                                  R"( "executor": {"podConfig": {"imageName": ")") +
                          kExecutorImage + R"(", "namePrefix": "pop-exec", "arguments": )" +
                          ToJsonText(executor_args) +
                          R"(}}, "sample": {"podConfig": {"imageName": ")" + kSampleImage +
                          R"(", "namePrefix": "pop-samp"}}})");

  // The handler image: `pop handler sample` inside a wrapper that records the handler process's
  // own start and end (wall clock, ns).
  s.handler_times = s.dir / "handler-times";
  const std::filesystem::path wrapper = s.dir / "handler-wrapper.sh";
  WriteFile(wrapper,
            "start=$(date +%s%N)\n\"$@\"\nrc=$?\n"
            "echo \"$MY_POD_NAME $start $(date +%s%N) $rc\" >> \"$POP_BENCH_HANDLER_TIMES\"\n"
            "exit $rc\n");
  auto kubelet = testing::TestKubelet::Start(
      *s.admin, {"node-" + s.ns,
                 s.ns,
                 {{kExecutorImage, {options.pop}},
                  {kSampleImage, {"/bin/sh", wrapper.string(), options.pop, "handler", "sample"}}},
                 {{"POP_KUBE_SERVER", s.cluster.server},
                  {"POP_KUBE_CA_FILE", s.cluster.ca_file},
                  {"POP_KUBE_TOKEN_FILE", (s.dir / "handler-token").string()},
                  {"POP_KUBE_NAMESPACE", s.ns},
                  {"POP_ALLOW_PAYLOAD_COMMANDS", "1"},
                  {"POP_BENCH_HANDLER_TIMES", s.handler_times.string()}}});
  if (!kubelet.ok()) Die("test kubelet: " + kubelet.error().message);
  s.kubelet = std::move(kubelet).value();
  Stack* self = &s;
  auto watch = s.admin->WatchPods(s.ns, "",
                                  [self](const PodEvent& event) { self->recorder.OnEvent(event); });
  if (!watch.ok()) Die("watch: " + watch.error().message);
  s.watch = std::move(watch).value();

  // The puller as deploy/ runs it, with the admin kubeconfig.
  s.puller = SpawnProgram({options.pop,      "puller",
                           "--server",       s.url,
                           "--token",        s.token,
                           "--insight",      kInsight,
                           "--launch",       "kubernetes",
                           "--namespace",    s.ns,
                           "--kubeconfig",   s.cluster.kubeconfig,
                           "--pod-registry", registry.string(),
                           "--token-secret", kSecret,
                           "--max-agendas",  std::to_string(options.max_agendas),
                           "--puller-id",    "kbench",
                           "--log-level",    "warning"},
                          s.dir / "puller.log");
  g_puller = s.puller;
}

void TearDown(Stack& s) {
  g_puller = -1;
  g_server = -1;
  if (s.puller > 0) StopProgram(s.puller);
  if (s.kubelet) s.kubelet->Stop();
  if (s.watch) s.watch->Stop();
  if (s.server) s.server->Stop();
  if (s.admin && !s.ns.empty()) {
    (void)s.admin->Request("DELETE", "/api/v1/namespaces/" + s.ns);
    (void)s.admin->Request("DELETE", "/api/v1/nodes/node-" + s.ns);
  }
}

// ---- The workloads.

std::string SampleOp(const std::string& name, const std::string& payload) {
  return R"({"name":")" + name + R"(","type":"sample","payload":)" + payload + "}";
}

// W1's operation: the sample handler returns {"i": i}. W4's: it runs /bin/true first.
std::string SingleAgenda(const std::string& workload, size_t i, const std::string& link) {
  const std::string result = R"({"i":)" + std::to_string(i) + "}";
  const std::string payload =
      workload == "W4"
          ? R"({"actions":[{"action":"externalExecute","paramsMap":{"externalArgs":["/bin/true"]}}],)"
            R"("resultPayload":)" +
                result + "}"
          : R"({"resultPayload":)" + result + "}";
  return std::string(R"({"customerId":")") + kCustomer + R"(","linkId":")" + link +
         R"(","operations":[)" + SampleOp("t", payload) + "]}";
}

// The 65-operation DAG: root -> 32 fan-out operations (pods) -> a chain of 31 after fan-0 -> a
// join (a pod) referencing all 32 fan-out outputs and the chain's end.
std::string DagAgenda(const std::string& link) {
  std::string ops = R"({"name":"root","type":"noop","payload":{"n":7}})";
  std::string join = "[";
  for (int i = 0; i < 32; ++i) {
    const std::string fields = R"({"i":)" + std::to_string(i) + R"(,"root":"@<root.out::/n>"})";
    ops += "," + SampleOp("fan-" + std::to_string(i), R"({"resultPayload":)" + fields + "}");
    join += std::string(i != 0 ? "," : "") + R"("@<fan-)" + std::to_string(i) + R"(.out::/i>")";
  }
  join += "]";
  for (int j = 0; j < 31; ++j) {
    const std::string previous = j == 0 ? "fan-0" : "chain-" + std::to_string(j - 1);
    ops += R"(,{"name":"chain-)" + std::to_string(j) + R"(","type":"noop","payload":{"prev":"@<)" +
           previous + R"(.out>"}})";
  }
  ops += "," +
         SampleOp("join", R"({"resultPayload":{"all":)" + join + R"(,"last":"@<chain-30.out>"}})");
  return std::string(R"({"customerId":")") + kCustomer + R"(","linkId":")" + link +
         R"(","operations":[)" + ops + "]}";
}

struct Submitted {
  std::string progress_id;
  double submit_wall_ms = 0;
  double completed_ms = 0;  // the Agenda's completedTime (the executor's final report)
  bool complete = false;
  bool succeeded = false;
};

// Polls the link's Agendas until all are COMPLETE; false on timeout.
bool WaitAllComplete(Api& api, const std::string& link, std::vector<Submitted>& runs,
                     int timeout_s) {
  std::map<std::string, Submitted*> by_id;
  for (Submitted& s : runs) by_id[s.progress_id] = &s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const Json page = api.Call("GET", "/progress/agenda?bylinkId=" + link +
                                          "&bylimit=10000&byfields=id,processingState,"
                                          "processingStateMessage,completedTime");
    size_t complete = 0;
    for (const Json& progress : AllOf(page)) {
      auto found = by_id.find(StringField(progress, "id"));
      if (found == by_id.end() || StringField(progress, "processingState") != "COMPLETE") continue;
      Submitted& s = *found->second;
      s.complete = true;
      s.succeeded = StringField(progress, "processingStateMessage") == "succeeded";
      const Json* completed = progress.Find("completedTime");
      s.completed_ms = completed != nullptr && completed->is_number() ? completed->AsDouble() : 0;
      ++complete;
    }
    if (complete == runs.size()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Submits `bodies` one at a time (one sequential client) and waits for them all.
std::vector<Submitted> RunAgendas(Stack& s, const std::string& link,
                                  const std::vector<std::string>& bodies, int timeout_s,
                                  bool& finished) {
  std::vector<Submitted> runs(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    runs[i].submit_wall_ms = WallMillis();
    const Json response = s.api->Call("POST", "/agenda", bodies[i]);
    const JsonArray& all = AllOf(response);
    if (all.empty()) Die("submit: empty response");
    runs[i].progress_id = StringField(all[0], "progressId");
  }
  finished = WaitAllComplete(*s.api, link, runs, timeout_s);
  return runs;
}

// Waits (up to 60 s) until every pod of the run is gone, then takes what the watch saw.
std::map<std::string, PodTimes> TakePods(Stack& s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!s.recorder.AllDeleted() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return s.recorder.Take();
}

// The overhead per pod of one run, by phase; prints the table and the JSON lines.
void ReportPods(const std::string& workload, const std::map<std::string, PodTimes>& pods,
                const std::map<std::string, double>& handler_ms) {
  std::vector<double> to_running;
  std::vector<double> running_to_end;      // the kubelet's report of the exit, handler included
  std::vector<double> handler;             // the handler process's own run time
  std::vector<double> running_to_end_net;  // ... with the handler's run time subtracted
  std::vector<double> end_to_deleted;      // the executor notices and deletes the pod
  std::vector<double> total_net;           // create -> deleted, handler subtracted
  std::vector<double> exec_to_running;
  std::vector<double> exec_lifetime;
  size_t incomplete = 0;
  for (const auto& [name, pod] : pods) {
    if (pod.executor) {
      if (pod.running > 0) exec_to_running.push_back(pod.running - pod.added);
      if (pod.deleted > 0) exec_lifetime.push_back(pod.deleted - pod.added);
      continue;
    }
    const auto own = handler_ms.find(name);
    if (pod.running == 0 || pod.ended == 0 || pod.deleted == 0 || own == handler_ms.end()) {
      ++incomplete;
      continue;
    }
    to_running.push_back(pod.running - pod.added);
    running_to_end.push_back(pod.ended - pod.running);
    handler.push_back(own->second);
    running_to_end_net.push_back(pod.ended - pod.running - own->second);
    end_to_deleted.push_back(pod.deleted - pod.ended);
    total_net.push_back(pod.deleted - pod.added - own->second);
  }
  std::printf("  %s: %zu operation pods (%zu not followed to the end), %zu executor pods\n",
              workload.c_str(), to_running.size(), incomplete, exec_lifetime.size());
  PrintLatencyHeader("ms");
  const std::vector<std::pair<std::string, std::vector<double>*>> rows = {
      {"op pod: create -> watched Running", &to_running},
      {"op pod: Running -> Succeeded seen", &running_to_end},
      {"  handler process's own run time", &handler},
      {"  Running -> Succeeded - handler", &running_to_end_net},
      {"op pod: Succeeded -> noticed+deleted", &end_to_deleted},
      {"op pod: overhead (total - handler)", &total_net},
      {"executor pod: create -> Running", &exec_to_running},
      {"executor pod: create -> deleted", &exec_lifetime}};
  const std::vector<std::string> keys = {
      "create_to_running",          "running_to_succeeded",      "handler_run",
      "running_to_succeeded_net",   "succeeded_to_deleted",      "overhead_total_net",
      "executor_create_to_running", "executor_create_to_deleted"};
  for (size_t k = 0; k < rows.size(); ++k) {
    const LatencySummary summary = Summarize(*rows[k].second);
    PrintLatencyRow(rows[k].first, summary, "ms");
    JsonLine(kBench, "pod_phase")
        .Add("workload", workload)
        .Add("phase", keys[k])
        .Add(summary)
        .Print();
  }
}

bool RunSingles(const Options& options, Stack& s, const std::string& workload, size_t n) {
  const std::string link = "kbench-" + workload;
  std::vector<std::string> bodies;
  bodies.reserve(n);
  for (size_t i = 0; i < n; ++i) bodies.push_back(SingleAgenda(workload, i, link));
  bool finished = false;
  const CpuSnapshot cpu_before = ReadCpu(s);
  const double t0 = WallMillis();
  std::vector<Submitted> runs = RunAgendas(s, link, bodies, options.timeout_s, finished);
  // Once every pod is gone (their processes reaped, so that their CPU counts).
  const std::map<std::string, PodTimes> pods = TakePods(s);
  const CpuSnapshot cpu_after = ReadCpu(s);
  size_t failed = 0;
  std::vector<double> latency;
  double last_ms = t0;
  for (const Submitted& r : runs) {
    failed += r.succeeded ? 0 : 1;
    if (r.complete && r.completed_ms > 0) {
      latency.push_back(r.completed_ms - r.submit_wall_ms);
      last_ms = std::max(last_ms, r.completed_ms);
    }
  }
  const double e2e_s = (last_ms - t0) / 1000.0;
  const double rate = e2e_s > 0 ? static_cast<double>(n) / e2e_s : 0;
  const LatencySummary summary = Summarize(latency);
  const bool ok = finished && failed == 0;
  std::printf(
      "%-3s %s  %zu Agendas through pods, 1 client, %zu at once: %6.2f Agendas/s  e2e %7.1f s  "
      "latency p50 %7.0f ms  p99 %7.0f ms\n",
      workload.c_str(), ok ? "ok  " : "FAIL", n, options.max_agendas, rate, e2e_s, summary.p50_ms,
      summary.p99_ms);
  if (!ok) {
    std::printf("    finished %s, %zu failed Agendas\n", finished ? "yes" : "NO (timeout)", failed);
  }
  ReportCpu(workload, n, cpu_before, cpu_after);
  std::fflush(stdout);
  JsonLine(kBench, workload)
      .Add("ok", ok ? "true" : "false")
      .Add("agendas", static_cast<int64_t>(n))
      .Add("max_agendas", static_cast<int64_t>(options.max_agendas))
      .Add("failed", static_cast<int64_t>(failed))
      .Add("agendas_per_s", rate)
      .Add("e2e_s", e2e_s)
      .Add("latency_p50_ms", summary.p50_ms)
      .Add("latency_p99_ms", summary.p99_ms)
      .Add("latency_max_ms", summary.max_ms)
      .Print();
  ReportPods(workload, pods, ReadHandlerTimes(s.handler_times));
  return ok;
}

bool RunDag(const Options& options, Stack& s) {
  const std::string link = "kbench-dag";
  bool finished = false;
  const CpuSnapshot cpu_before = ReadCpu(s);
  std::vector<Submitted> runs = RunAgendas(s, link, {DagAgenda(link)}, options.timeout_s, finished);
  const std::map<std::string, PodTimes> pods = TakePods(s);
  const CpuSnapshot cpu_after = ReadCpu(s);
  const Submitted& r = runs.front();
  bool ok = finished && r.succeeded;
  // The join saw every fan-out output in order.
  if (ok) {
    const Json page = s.api->Call("GET", "/progress/agenda/" + r.progress_id);
    const JsonArray& agenda = AllOf(page);
    const Json* ops = agenda.empty() ? nullptr : agenda[0].Find("operationProgress");
    bool join_ok = false;
    for (size_t o = 0; ops != nullptr && ops->is_array() && o < ops->AsArray().size(); ++o) {
      const Json& op = ops->AsArray()[o];
      if (StringField(op, "operation") != "join") continue;
      Result<Json> out = ParseJson(StringField(op, "resultPayload"));
      const Json* all = out.ok() ? out->Find("all") : nullptr;
      join_ok = all != nullptr && all->is_array() && all->AsArray().size() == 32;
      for (size_t k = 0; join_ok && k < 32; ++k) {
        join_ok =
            all->AsArray()[k].is_number() && all->AsArray()[k].AsDouble() == static_cast<double>(k);
      }
    }
    ok = join_ok;
  }
  const double makespan_s = r.complete ? (r.completed_ms - r.submit_wall_ms) / 1000.0 : 0;
  std::printf(
      "DAG %s  65 operations (33 pods: 32 fan-out + join; root and a chain of 31 resident): "
      "makespan %.2f s (submit -> completedTime)\n",
      ok ? "ok  " : "FAIL", makespan_s);
  ReportCpu("DAG", 1, cpu_before, cpu_after);
  std::fflush(stdout);
  JsonLine(kBench, "DAG65")
      .Add("ok", ok ? "true" : "false")
      .Add("operations", static_cast<int64_t>(65))
      .Add("operation_pods", static_cast<int64_t>(33))
      .Add("makespan_s", makespan_s)
      .Print();
  ReportPods("DAG", pods, ReadHandlerTimes(s.handler_times));
  return ok;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

size_t ParseSize(const std::string& flag, const std::string& text) {
  try {
    const long long value = std::stoll(text);
    if (value > 0) return static_cast<size_t>(value);
  } catch (const std::exception&) {
  }
  Die(flag + ": expected a positive number, got '" + text + "'");
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  options.pop = (std::filesystem::path(argv[0]).parent_path() / "pop").string();
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--pop") {
      options.pop = value();
    } else if (flag == "--workloads") {
      options.workloads = SplitComma(value());
      for (const std::string& w : options.workloads) {
        if (w != "W1" && w != "W4" && w != "DAG") Die("--workloads: unknown workload '" + w + "'");
      }
    } else if (flag == "--w1") {
      options.w1 = ParseSize(flag, value());
    } else if (flag == "--w4") {
      options.w4 = ParseSize(flag, value());
    } else if (flag == "--max-agendas") {
      options.max_agendas = ParseSize(flag, value());
    } else if (flag == "--timeout-s") {
      options.timeout_s = static_cast<int>(ParseSize(flag, value()));
    } else if (flag == "--keep-dir") {
      options.keep_dir = true;
    } else {
      Die("unknown flag '" + flag +
          "'; usage: pop_kube_bench [--pop PATH] [--workloads W1,W4,DAG] [--w1 N] [--w4 N] "
          "[--max-agendas N] [--timeout-s S] [--keep-dir]");
    }
  }
  if (!std::filesystem::exists(options.pop)) Die("no pop binary at " + options.pop);
  return options;
}

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  std::string pattern = (std::filesystem::temp_directory_path() / "pop-kube-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
  Stack stack;
  stack.dir = pattern;
  PrintMachine(kBench, "start");
  std::printf(
      "The test kubelet runs each pod's container as a local process: no image pull, no container "
      "runtime, no cgroups. The figures are pop's orchestration plus the API server and etcd on "
      "this machine, not a real node's pod start-up. Times: this program's watch of the "
      "namespace (wall clock as each event arrives) and the handler process's own start and "
      "end.\n");
  SetUp(options, stack);
  bool all_ok = true;
  for (const std::string& workload : options.workloads) {
    if (workload == "DAG") {
      all_ok = RunDag(options, stack) && all_ok;
    } else {
      all_ok = RunSingles(options, stack, workload, workload == "W1" ? options.w1 : options.w4) &&
               all_ok;
    }
  }
  PrintMachine(kBench, "end");
  std::printf(
      "Argo Workflows, for comparison (published, not measured here): a finished step is noticed "
      "by the controller's requeue, DEFAULT_REQUEUE_TIME 10 s by default, so ~10 s minimum per "
      "step plus pod start-up (argo-workflows.readthedocs.io/en/latest/environment-variables/; "
      "argoproj/argo-workflows#9278).\n");
  JsonLine(kBench, "argo_published")
      .Add("min_per_step_s", 10.0)
      .Add("source", "DEFAULT_REQUEUE_TIME, argo-workflows.readthedocs.io environment-variables")
      .Print();
  TearDown(stack);
  if (options.keep_dir) {
    std::printf("kept %s\n", stack.dir.c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(stack.dir, ignored);
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace pop::bench

int main(int argc, char** argv) { return pop::bench::Main(argc, argv); }
