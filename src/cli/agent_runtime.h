// The agent roles of the pop binary: `pop puller` (a Resource Pool agent on another machine,
// talking to a pop server over HTTP) and `pop executor` (one Agenda from the environment, as the
// original's executor pod ran), plus the handler registry both use, and `pop dev`'s default one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/local_process/handler_registry.h"
#include "cli/graphite_flags.h"
#include "cli/kube_launch.h"
#include "core/base/result.h"

namespace pop::cli {

// --health-listen: an HTTP endpoint for a liveness probe (docs/operations.md "Liveness").
struct HealthConfig {
  std::string listen;             // host:port; empty: none
  int64_t threshold_ms = 30'000;  // the original's monitor.alive.lastRequestMilliseconds
};

struct PullerConfig {
  std::string server;  // flags, else POP_ADDR, else http://127.0.0.1:9090
  std::string token;   // flags, else POP_TOKEN, else <data-dir>/admin-token
  std::string data_dir;
  std::string ca_file;  // flags, else POP_CA_FILE; verifies an https:// server
  std::vector<std::string> insights;
  size_t max_agendas = 8;
  size_t max_parallel_operations = 50;
  std::optional<std::string> registry_file;  // operation type → command (docs/handlers.md)
  std::string puller_id;                     // default: <hostname>-<pid>
  std::string log_level = "info";
  GraphiteConfig graphite;  // the puller's and its executors' metrics (docs/metrics.md)
  HealthConfig health;
  // --launch kubernetes: an executor pod per Agenda (docs/kubernetes.md); "local": in-process.
  std::string launch = "local";
  std::string kube_namespace;  // default: the kubeconfig context's (in a pod: its own), else pop
  bool namespace_per_customer = false;  // pods in <kube_namespace>-<customer> (CustomerNamespace)
  std::string kubeconfig;               // empty: in-cluster configuration
  std::string pod_registry_file;        // spec §15.1: its `executor` entry makes the executor pods
  std::string zone;                     // pop.kubernetes.zone: nodeSelector <zone>: "true"
  std::string token_secret;  // the Secret whose key `token_secret_key` is the executors' token
  std::string token_secret_key = "token";
  std::string executor_server;  // the server URL as the executor pods reach it; default --server
  // configmap/<name> or secret/<name>: the CA certificates (PEM, under executor_ca_key) that
  // verify an https:// executor_server, mounted read-only in the pods (POP_CA_FILE).
  std::string executor_ca;
  std::string executor_ca_key = "ca.crt";
  std::string resource_pool;    // label pop.resourcePoolId when an Agenda names none
  int64_t execution_limit = 0;  // insight.execution.limit: executor pods per Insight; 0: none
  int64_t reap_interval_seconds = 300;  // the PodReaper's passes; 0: no reaping here
  int64_t reap_age_minutes = 1440;      // pod.reap.age.minutes
  int64_t reap_pending_minutes = 60;    // pods Pending this long are deleted
};

// Blocks until SIGINT/SIGTERM; running Agendas are then stopped as a shutdown.
[[nodiscard]] Status RunPuller(const PullerConfig& config);

struct ExecutorConfig {
  std::string server;
  std::string token;
  std::string data_dir;
  std::string ca_file;
  std::optional<std::string> registry_file;
  std::string log_level = "info";
  HealthConfig health;
  KubeLaunchConfig kube;  // --launch kubernetes: operations as pods
};

// Runs the Agenda in PAYLOAD (or POP_COMPRESSED_PAYLOAD_n, or -payloadFile), with LAST_PROGRESS
// as prior progress and PROGRESS_ID as the progress to report to when the agenda has none.
// Returns the process exit code: 0 succeeded, 1 failed, 2 bad input, 3 server unreachable.
int RunExecutor(const ExecutorConfig& config, int argc, char** argv);

// Reads a registry file. Errors name the file and the field.
[[nodiscard]] Result<std::map<std::string, HandlerCommand>> LoadHandlerRegistry(
    const std::string& path);

// pop dev's registry, <data-dir>/handlers.json: created on first start with `sample` (this
// binary's `handler sample`) and `echo` (examples/handlers/echo.sh, when run from a checkout);
// a user's edits are kept.
[[nodiscard]] Result<std::map<std::string, HandlerCommand>> EnsureDevRegistry(
    const std::string& data_dir);

// The absolute path of the running binary.
std::string SelfExecutable();

}  // namespace pop::cli
