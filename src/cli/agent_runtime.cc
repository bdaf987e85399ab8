#include "cli/agent_runtime.h"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/http_client/curl_http_client.h"
#include "adapters/http_server/http_server.h"
#include "adapters/kubernetes/kubernetes_client.h"
#include "adapters/local_process/payload_env.h"
#include "adapters/local_process/process_launcher.h"
#include "adapters/logging/spdlog_logger.h"
#include "adapters/system/random_id_generator.h"
#include "adapters/system/system_clock.h"
#include "api/agent_health.h"
#include "app/agent_liveness.h"
#include "app/executor.h"
#include "app/executor_pods.h"
#include "app/http_pool_client.h"
#include "app/metrics_registry.h"
#include "app/pod_labels.h"
#include "app/pod_reaper.h"
#include "app/puller.h"
#include "app/resident_launcher.h"
#include "app/worker_pool.h"
#include "cli/api_client.h"
#include "cli/executor_server_ca.h"
#include "cli/server_runtime.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/kube/customer_namespace.h"
#include "pop_sdk/payload_reader.h"

namespace pop::cli {
namespace {

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

std::string DefaultPullerId() {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(ErrorCode::kInvalidArgument, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The pieces an agent runs with: launchers over a pool client.
struct AgentParts {
  std::unique_ptr<Logger> logger;
  std::unique_ptr<CurlHttpClient> http;
  std::unique_ptr<app::HttpPoolClient> client;
  std::unique_ptr<ProcessLauncher> process;
  std::unique_ptr<app::ResidentLauncher> resident;
  std::vector<Launcher*> launchers;
};

Result<AgentParts> MakeAgentParts(const std::string& server, const std::string& token,
                                  const std::string& data_dir, const std::string& ca_file,
                                  const std::optional<std::string>& registry_file,
                                  const std::string& log_level, const Clock& clock) {
  AgentParts parts;
  POP_ASSIGN_OR_RETURN(auto logger, SpdlogLogger::Create("pop", log_level));
  parts.logger = std::move(logger);
  POP_ASSIGN_OR_RETURN(ClientConfig resolved,
                       ResolveClientConfig(server, token, data_dir, ca_file));
  CurlHttpClientOptions http_options;
  http_options.ca_file = resolved.ca_file;
  POP_ASSIGN_OR_RETURN(parts.http, CurlHttpClient::Create(http_options));
  app::HttpPoolClientOptions options;
  options.server = resolved.server;
  options.base_path = resolved.base_path;
  options.token = resolved.token;
  parts.client = std::make_unique<app::HttpPoolClient>(options, *parts.http);
  parts.resident = std::make_unique<app::ResidentLauncher>(*parts.client);
  parts.launchers.push_back(parts.resident.get());
  if (registry_file) {
    POP_ASSIGN_OR_RETURN(auto types, LoadHandlerRegistry(*registry_file));
    ProcessLauncherOptions launcher_options;
    launcher_options.types = std::move(types);
    launcher_options.clock = &clock;
    // The process reaper: handler groups of pullers and executors on this machine that died.
    launcher_options.process_record_dir =
        std::filesystem::temp_directory_path() / ("pop-processes-" + std::to_string(getuid()));
    // Each handler's own working directory: under --data-dir, else under the temp dir.
    if (!data_dir.empty()) {
      launcher_options.work_dir_root = std::filesystem::path(data_dir) / "work";
    }
    // Handlers start on the executor's worker thread that launches them (and waits for their
    // end), as in pop dev: two thread hand-offs less per handler.
    launcher_options.spawn_threads = 0;
    Logger* log = parts.logger.get();
    launcher_options.log = [log](const std::string& line) { log->Log(LogLevel::kWarning, line); };
    POP_ASSIGN_OR_RETURN(parts.process, ProcessLauncher::Create(std::move(launcher_options)));
    parts.launchers.push_back(parts.process.get());
  }
  return parts;
}

// --health-listen: serves the liveness check until destroyed. Null when not asked for.
struct HealthEndpoint {
  std::unique_ptr<api::AgentHealth> handler;
  std::unique_ptr<HttpServer> server;
};

Result<std::unique_ptr<HealthEndpoint>> StartHealthEndpoint(
    const HealthConfig& config, app::AgentLiveness& liveness, Logger& logger,
    const app::ExecutorPods* pods = nullptr) {
  if (config.listen.empty()) return std::unique_ptr<HealthEndpoint>();
  auto listen = ParseListenAddress(config.listen);
  if (!listen.ok()) {
    return Error(ErrorCode::kInvalidArgument, "--health-listen: " + listen.error().message);
  }
  auto endpoint = std::make_unique<HealthEndpoint>();
  endpoint->handler = std::make_unique<api::AgentHealth>([&liveness, pods] {
    app::LivenessStatus status = liveness.Check();
    if (pods != nullptr) {
      const app::ExecutorPodsHealth health = pods->Health();
      status.kubernetes = health.reachable ? std::string("ok") : health.problem;
    }
    return status;
  });
  HttpServerOptions options;
  options.address = listen->first;
  options.port = listen->second;
  options.worker_threads = 1;
  options.io_threads = 1;
  options.max_body_bytes = 1024;
  Logger* log = &logger;
  options.log = [log](std::string_view line) { log->Log(LogLevel::kWarning, line); };
  POP_ASSIGN_OR_RETURN(endpoint->server, HttpServer::Create(options, *endpoint->handler));
  POP_RETURN_IF_ERROR(endpoint->server->Start());
  logger.Log(LogLevel::kInfo, "health: GET http://" + listen->first + ":" +
                                  std::to_string(endpoint->server->port()) +
                                  "/healthz (stale after " + std::to_string(config.threshold_ms) +
                                  " ms without a successful poll or report)");
  return endpoint;
}

}  // namespace

std::string SelfExecutable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("pop") : path.string();
}

Result<std::map<std::string, HandlerCommand>> LoadHandlerRegistry(const std::string& path) {
  POP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto registry = ParseHandlerRegistry(text);
  if (!registry.ok()) {
    return Error(registry.error().code, path + ": " + registry.error().message);
  }
  return registry;
}

Result<std::map<std::string, HandlerCommand>> EnsureDevRegistry(const std::string& data_dir) {
  const std::string path = data_dir + "/handlers.json";
  if (!std::filesystem::exists(path)) {
    JsonObject registry;
    registry.Set("sample",
                 Json(JsonObject{{"command", Json(SelfExecutable())},
                                 {"args", Json(JsonArray{Json("handler"), Json("sample")})}}));
    std::error_code ec;
    auto echo = std::filesystem::absolute("examples/handlers/echo.sh", ec);
    if (!ec && std::filesystem::exists(echo)) {
      registry.Set("echo", Json(JsonObject{{"command", Json(echo.string())}}));
    }
    std::ofstream out(path);
    out << ToJsonText(Json(std::move(registry))) << "\n";
    if (!out) return Error(ErrorCode::kUnavailable, "cannot write " + path);
  }
  return LoadHandlerRegistry(path);
}

namespace {

// --launch kubernetes: the Kubernetes client and the executor pods' settings.
struct KubernetesLaunch {
  std::unique_ptr<KubernetesClient> client;
  app::ExecutorPodsOptions options;
};

Result<KubernetesLaunch> MakeKubernetesLaunch(const PullerConfig& config, const Clock& clock,
                                              Logger& logger) {
  if (config.token_secret.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--launch kubernetes needs --token-secret: the Secret holding the executors' "
                 "API token (it reaches the pods by secretKeyRef, never as text)");
  }
  if (config.pod_registry_file.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 config.registry_file
                     ? "--launch kubernetes needs --pod-registry: the pod registry whose "
                       "`executor` entry makes the executor pods (--registry is the handler "
                       "registry of --launch local; docs/kubernetes.md)"
                     : "--launch kubernetes needs --pod-registry: the pod registry whose "
                       "`executor` entry makes the executor pods (docs/kubernetes.md)");
  }
  const std::string& file = config.pod_registry_file;
  POP_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  Result<Json> registry = ParseJson(text);
  if (!registry.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--pod-registry " + file + ": not JSON: " + registry.error().message);
  }
  Result<PodConfig> pod = app::ParseExecutorPodConfig(*registry);
  if (!pod.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--pod-registry " + file + ": " + pod.error().message);
  }
  Result<KubernetesConfig> kube = config.kubeconfig.empty() ? InClusterKubernetesConfig(std::getenv)
                                                            : LoadKubeconfig(config.kubeconfig);
  if (!kube.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 (config.kubeconfig.empty() ? std::string("in-cluster configuration (pass "
                                                          "--kubeconfig outside a pod): ")
                                            : "--kubeconfig: ") +
                     kube.error().message);
  }
  KubernetesLaunch launch;
  launch.options.namespace_name = !config.kube_namespace.empty()  ? config.kube_namespace
                                  : !kube->namespace_name.empty() ? kube->namespace_name
                                                                  : "pop";
  launch.options.namespace_per_customer = config.namespace_per_customer;
  if (config.namespace_per_customer) {
    // The prefix is checked now: a bad one would fail every Agenda later.
    Result<std::string> example = CustomerNamespace(launch.options.namespace_name, "customer");
    if (!example.ok()) {
      return Error(ErrorCode::kInvalidArgument,
                   "--namespace-per-customer: --namespace: " + example.error().message);
    }
  }
  POP_ASSIGN_OR_RETURN(launch.client, KubernetesClient::Create(std::move(kube).value(), clock));
  launch.options.pod = std::move(pod).value();
  if (!config.zone.empty()) launch.options.zone = config.zone;
  POP_ASSIGN_OR_RETURN(ClientConfig resolved, ResolveClientConfig(config.server, config.token,
                                                                  config.data_dir, config.ca_file));
  launch.options.server_url =
      config.executor_server.empty() ? resolved.server : config.executor_server;
  // The executors use the puller's base path (POP_BASE_PATH): they talk to the same server.
  launch.options.base_path = resolved.base_path;
  if (!config.executor_ca.empty()) {
    POP_ASSIGN_OR_RETURN(ServerCaSource ca,
                         ParseServerCaSource(config.executor_ca, config.executor_ca_key));
    // With a namespace per customer the object is each customer namespace's own: only the
    // server's scheme is checked.
    POP_RETURN_IF_ERROR(CheckExecutorServerCa(
        *launch.client, config.namespace_per_customer ? "" : launch.options.namespace_name,
        launch.options.server_url, ca, logger));
    launch.options.server_ca = std::move(ca);
  } else if (!resolved.ca_file.empty()) {
    logger.Log(LogLevel::kWarning,
               "the puller verifies " + resolved.server + " with " + resolved.ca_file +
                   ", but the executor pods get no CA (--executor-ca): they verify " +
                   launch.options.server_url + " with their image's system CAs");
  }
  launch.options.token_secret = config.token_secret;
  launch.options.token_key = config.token_secret_key;
  launch.options.resource_pool_id = config.resource_pool;
  if (config.execution_limit > 0) {
    launch.options.execution_limit = static_cast<size_t>(config.execution_limit);
  }
  return launch;
}

}  // namespace

Status RunPuller(const PullerConfig& config) {
  if (config.insights.empty()) {
    return Status(ErrorCode::kInvalidArgument, "name at least one --insight to pull for");
  }
  const bool on_kubernetes = config.launch == "kubernetes";
  SystemClock clock;
  POP_ASSIGN_OR_RETURN(
      AgentParts parts,
      MakeAgentParts(config.server, config.token, config.data_dir, config.ca_file,
                     on_kubernetes ? std::nullopt : config.registry_file, config.log_level, clock));
  app::WorkerPool workers(config.max_parallel_operations);
  app::PullerOptions options;
  options.insight_ids = config.insights;
  options.max_agendas = config.max_agendas;
  options.puller_id = config.puller_id.empty() ? DefaultPullerId() : config.puller_id;
  options.executor.max_parallel = config.max_parallel_operations;
  app::MetricsRegistry metrics;
  POP_ASSIGN_OR_RETURN(std::unique_ptr<GraphiteReporter> graphite,
                       MakeGraphite(config.graphite, metrics, metrics, clock, *parts.logger));
  app::AgentLiveness liveness(*parts.client, clock, Duration::Millis(config.health.threshold_ms));
  RandomIdGenerator ids;
  KubernetesLaunch kubernetes;
  std::unique_ptr<app::ExecutorPods> executor_pods;
  if (on_kubernetes) {
    POP_ASSIGN_OR_RETURN(kubernetes, MakeKubernetesLaunch(config, clock, *parts.logger));
    kubernetes.options.puller_id = options.puller_id;
    executor_pods = std::make_unique<app::ExecutorPods>(
        app::ExecutorPodsDeps{clock, *kubernetes.client, liveness, ids, *parts.logger,
                              [](std::string_view payload, const std::string& name) {
                                return local_process::PayloadEnvironment(payload, name);
                              },
                              &metrics},
        kubernetes.options);
  }
  std::unique_ptr<app::PodReaper> reaper;
  if (on_kubernetes && config.reap_interval_seconds > 0) {
    app::PodReaperOptions reap;
    // With a namespace per customer the reaper goes through every namespace (pop's label only).
    reap.namespace_name =
        kubernetes.options.namespace_per_customer ? "" : kubernetes.options.namespace_name;
    reap.interval = Duration::Seconds(config.reap_interval_seconds);
    reap.finished_age = Duration::Minutes(config.reap_age_minutes);
    reap.pending_timeout = Duration::Minutes(config.reap_pending_minutes);
    reaper = std::make_unique<app::PodReaper>(
        app::PodReaperDeps{clock, *kubernetes.client, *parts.logger, &metrics}, reap);
  }
  POP_ASSIGN_OR_RETURN(auto health, StartHealthEndpoint(config.health, liveness, *parts.logger,
                                                        executor_pods.get()));
  app::PullerDeps deps{clock,
                       liveness,
                       parts.launchers,
                       workers,
                       *parts.logger,
                       /*running_agendas=*/nullptr,
                       &metrics};
  deps.executor_pods = executor_pods.get();
  app::Puller puller(deps, options);
  if (executor_pods) {
    POP_RETURN_IF_ERROR(executor_pods->Start([&puller] { puller.Wake(); }));
    parts.logger->Log(LogLevel::kInfo,
                      "puller: executor pods in namespace " + kubernetes.options.namespace_name +
                          (kubernetes.options.namespace_per_customer ? "-<customer>" : "") +
                          " (image " + kubernetes.options.pod.image_name + ")");
  }
  if (graphite) graphite->Start();
  if (reaper) reaper->Start();
  puller.Start();
  int signal_number = WaitForTerminationSignal();
  parts.logger->Log(LogLevel::kInfo, std::string("received ") +
                                         (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                                         "; stopping the puller");
  puller.Stop();
  if (reaper) reaper->Stop();
  if (executor_pods) executor_pods->Stop();
  workers.Stop();
  if (health) health->server->Stop();
  if (graphite) graphite->Stop();  // one last push: the final counts
  return Status::Ok();
}

namespace {

// executor.reap.self (spec §14.2 step 7): after its final report, an executor in a pod deletes
// that pod, marked first so that the puller takes the deletion as the executor's end. Not after
// a report that did not arrive: the puller must then see a lost executor and fail the Agenda.
// Failures are logged only: the pod then ends by itself and the PodReaper removes it.
void ReapOwnPod(KubernetesClient& client, const KubeLaunchConfig& kube, bool succeeded,
                Logger& logger) {
  const char* pod = std::getenv("MY_POD_NAME");
  if (pod == nullptr || pod[0] == '\0') return;  // not in a pod
  const char* own = std::getenv("MY_POD_NAMESPACE");
  const std::string ns = own != nullptr && own[0] != '\0' ? own
                         : !kube.namespace_name.empty()   ? kube.namespace_name
                                                          : "pop";
  Result<PodInfo> marked =
      client.PatchPodAnnotations(ns, pod,
                                 {{std::string(app::kAnnotationExecutorFinished),
                                   std::string(succeeded ? "succeeded" : "failed")}});
  if (!marked.ok()) {
    logger.Log(LogLevel::kWarning, "executor.reap.self: cannot mark pod " + std::string(pod) +
                                       ": " + marked.error().message + "; the pod is left");
    return;
  }
  Status deleted = client.DeletePod(ns, pod);
  if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) {
    logger.Log(LogLevel::kWarning, "executor.reap.self: cannot delete pod " + std::string(pod) +
                                       ": " + deleted.message());
  }
}

}  // namespace

int RunExecutor(const ExecutorConfig& config, int argc, char** argv) {
  auto fail = [](const Error& error, int code) {
    std::fprintf(stderr, "pop executor: %s\n", error.message.c_str());
    return code;
  };
  sdk::HandlerEnvironment env = sdk::ProcessEnvironment(argc, argv);
  Result<std::string> payload = sdk::ReadPayloadText(env);
  if (!payload.ok()) return fail(payload.error(), 2);
  Result<Json> parsed = ParseJson(*payload);
  Result<Agenda> agenda = parsed.ok() ? Decode<Agenda>(*parsed) : Result<Agenda>(parsed.error());
  if (!agenda.ok()) {
    return fail(Error(ErrorCode::kInvalidArgument,
                      "Failed to translate payload to Agenda. " + agenda.error().message),
                2);
  }
  if (!agenda->progress_id) {
    if (auto id = env.Variable("PROGRESS_ID")) agenda->progress_id = *id;
  }
  std::optional<AgendaProgress> prior;
  if (auto last = env.Variable("LAST_PROGRESS"); last && !last->empty()) {
    Result<Json> last_json = ParseJson(*last);
    Result<AgendaProgress> decoded = last_json.ok() ? Decode<AgendaProgress>(*last_json)
                                                    : Result<AgendaProgress>(last_json.error());
    if (!decoded.ok()) {
      return fail(Error(ErrorCode::kInvalidArgument, "LAST_PROGRESS: " + decoded.error().message),
                  2);
    }
    prior = std::move(decoded).value();
  }
  SystemClock clock;
  Result<AgentParts> parts =
      MakeAgentParts(config.server, config.token, config.data_dir, config.ca_file,
                     config.registry_file, config.log_level, clock);
  if (!parts.ok()) return fail(parts.error(), ExitCodeFor(parts.error()));
  KubeLaunchParts kube;
  if (config.kube.launch == "kubernetes") {
    app::ResidentLauncher* resident = parts->resident.get();
    Logger* logger = parts->logger.get();
    Result<KubeLaunchParts> made = MakeKubeLaunch(
        config.kube, clock, [resident](const std::string& type) { return resident->Handles(type); },
        [logger](const std::string& line) { logger->Log(LogLevel::kWarning, line); });
    if (!made.ok()) return fail(made.error(), 2);
    kube = std::move(made).value();
    // After the resident launcher, before any local one: pods run every type the pod registry
    // names.
    parts->launchers.insert(parts->launchers.begin() + 1, kube.launcher.get());
  }
  app::WorkerPool workers(16);
  app::ThreadCache threads(1);
  app::ExecutorOptions options;
  if (auto puller = env.Variable("POP_PULLER_ID")) options.puller_id = *puller;
  app::AgentLiveness liveness(*parts->client, clock, Duration::Millis(config.health.threshold_ms));
  auto health = StartHealthEndpoint(config.health, liveness, *parts->logger);
  if (!health.ok()) return fail(health.error(), 2);
  app::Executor executor(
      app::ExecutorDeps{clock, liveness, parts->launchers, workers, *parts->logger, threads},
      options);
  app::ExecutionResult result = executor.Run(*agenda, prior);
  workers.Stop();
  if (*health) (*health)->server->Stop();
  if (kube.client && config.kube.reap_self && result.final_reported) {
    ReapOwnPod(*kube.client, config.kube, result.succeeded, *parts->logger);
  }
  parts->logger->Log(LogLevel::kInfo, "HandlerComplete");
  if (!result.final_reported) return 3;
  return result.succeeded ? 0 : 1;
}

}  // namespace pop::cli
