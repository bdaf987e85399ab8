#include "cli/agent_commands.h"

#include <cstdio>

#include "cli/api_client.h"

namespace pop::cli {

void AddAgentCommands(CLI::App& app, AgentCommandState& state) {
  CLI::App* puller = app.add_subcommand(
      "puller", "pull Agendas of one or more Insights from a pop server and run them here");
  puller->add_option("--server", state.puller.server, "server URL (env POP_ADDR)");
  puller->add_option("--token", state.puller.token, "API token (env POP_TOKEN)");
  puller->add_option("--data-dir", state.puller.data_dir,
                     "pop dev data dir holding admin-token (env POP_DATA_DIR)");
  puller->add_option("--ca-file", state.puller.ca_file,
                     "PEM CA certificates to verify an https:// server (env POP_CA_FILE)");
  puller->add_option("--insight", state.puller.insights, "an Insight to pull for (repeat)")
      ->required();
  puller->add_option("--max-agendas", state.puller.max_agendas, "Agendas at once, per Insight")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  puller
      ->add_option("--max-operations", state.puller.max_parallel_operations,
                   "operations at once, per Agenda")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  puller->add_option("--registry", state.registry,
                     "handler registry: operation type -> command (docs/handlers.md)");
  puller->add_option("--puller-id", state.puller.puller_id, "names this puller's claims");
  puller->add_option("--log-level", state.puller.log_level, "debug, info, warning or error")
      ->capture_default_str();
  AddGraphiteFlags(*puller, state.puller.graphite);
  puller->add_option("--health-listen", state.puller.health.listen,
                     "host:port serving GET /healthz: 503 once no poll or report succeeded for "
                     "--alive-threshold-ms");
  puller
      ->add_option("--alive-threshold-ms", state.puller.health.threshold_ms,
                   "the original's monitor.alive.lastRequestMilliseconds")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{86'400'000}));
  puller
      ->add_option("--launch", state.puller.launch,
                   "where Agendas run: local (in this process) or kubernetes (an executor pod "
                   "each; docs/kubernetes.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "kubernetes"}));
  puller->add_option("--namespace", state.puller.kube_namespace,
                     "--launch kubernetes: the namespace of the executor pods (default: the "
                     "kubeconfig's, in a pod its own, else pop)");
  puller->add_flag("--namespace-per-customer", state.puller.namespace_per_customer,
                   "--launch kubernetes: each customer's pods in namespace <namespace>-<customer "
                   "id as a DNS label>, which must exist (docs/kubernetes.md)");
  puller->add_option("--kubeconfig", state.puller.kubeconfig,
                     "--launch kubernetes: a kubeconfig file (default: in-cluster configuration)");
  puller->add_option("--pod-registry", state.puller.pod_registry_file,
                     "--launch kubernetes: the pod registry (operation type -> image, "
                     "docs/kubernetes.md) whose `executor` entry makes the executor pods; the "
                     "same file `pop executor --pod-registry` reads");
  puller->add_option("--zone", state.puller.zone,
                     "--launch kubernetes: node label the executor pods must carry "
                     "(pop.kubernetes.zone)");
  puller->add_option("--token-secret", state.puller.token_secret,
                     "--launch kubernetes: the Secret holding the executors' API token (required)");
  puller
      ->add_option("--token-secret-key", state.puller.token_secret_key,
                   "--launch kubernetes: the Secret's key holding the token")
      ->capture_default_str();
  puller->add_option("--executor-server", state.puller.executor_server,
                     "--launch kubernetes: the server URL as the executor pods reach it "
                     "(default: --server)");
  CLI::Option* executor_ca = puller->add_option(
      "--executor-ca", state.puller.executor_ca,
      "--launch kubernetes: configmap/<name> or secret/<name> holding the CA "
      "certificates (PEM) that verify an https --executor-server; mounted read-only "
      "in the executor pods, which get POP_CA_FILE");
  puller
      ->add_option("--executor-ca-key", state.puller.executor_ca_key,
                   "--launch kubernetes: the key of --executor-ca holding the PEM")
      ->capture_default_str()
      ->needs(executor_ca);
  puller->add_option("--resource-pool", state.puller.resource_pool,
                     "--launch kubernetes: label pop.resourcePoolId of executor pods whose "
                     "Agenda names no pool");
  puller
      ->add_option("--execution-limit", state.puller.execution_limit,
                   "--launch kubernetes: insight.execution.limit, the executor pods of an "
                   "Insight at once in the namespace (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}));
  puller
      ->add_option("--reap-interval-seconds", state.puller.reap_interval_seconds,
                   "--launch kubernetes: how often the PodReaper deletes pop's finished and "
                   "stuck pods in the namespace (0: never, from this puller)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{86'400}));
  puller
      ->add_option("--reap-age-minutes", state.puller.reap_age_minutes,
                   "--launch kubernetes: pod.reap.age.minutes, finished pods older than this go")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{525'600}));
  puller
      ->add_option("--reap-pending-minutes", state.puller.reap_pending_minutes,
                   "--launch kubernetes: pods still Pending this long after their creation go")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{525'600}));
  state.puller_command = puller;

  CLI::App* executor = app.add_subcommand(
      "executor", "run the Agenda in PAYLOAD (the original's executor pod), reporting to a server");
  executor->add_option("--server", state.executor.server, "server URL (env POP_ADDR)");
  executor->add_option("--token", state.executor.token, "API token (env POP_TOKEN)");
  executor->add_option("--data-dir", state.executor.data_dir,
                       "pop dev data dir holding admin-token (env POP_DATA_DIR)");
  executor->add_option("--ca-file", state.executor.ca_file,
                       "PEM CA certificates to verify an https:// server (env POP_CA_FILE)");
  executor->add_option("--registry", state.registry, "handler registry (docs/handlers.md)");
  executor->add_option("--log-level", state.executor.log_level, "debug, info, warning or error")
      ->capture_default_str();
  executor->add_option("--health-listen", state.executor.health.listen,
                       "host:port serving GET /healthz: 503 once no report succeeded for "
                       "--alive-threshold-ms");
  executor
      ->add_option("--alive-threshold-ms", state.executor.health.threshold_ms,
                   "the original's monitor.alive.lastRequestMilliseconds")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{86'400'000}));
  AddKubeLaunchFlags(*executor, state.executor.kube);
  executor->allow_extras();  // -payloadFile <path>, as handlers take it
  state.executor_command = executor;
}

int RunAgentCommand(AgentCommandState& state, int argc, char** argv) {
  if (!state.registry.empty()) {
    state.puller.registry_file = state.registry;
    state.executor.registry_file = state.registry;
  }
  if (state.puller_command != nullptr && state.puller_command->parsed()) {
    Status status = RunPuller(state.puller);
    if (status.ok()) return 0;
    std::fprintf(stderr, "pop puller: %s\n", status.message().c_str());
    return ExitCodeFor(status.error());
  }
  if (state.executor_command != nullptr && state.executor_command->parsed()) {
    return RunExecutor(state.executor, argc, argv);
  }
  return -1;
}

}  // namespace pop::cli
