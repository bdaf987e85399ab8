// ExecutorPods: the puller's Kubernetes side (spec §13 with §15.2): each claimed Agenda runs in
// an executor pod made from the pod registry's `executor` entry, with the Agenda in PAYLOAD (or
// compressed segments), LAST_PROGRESS, CID, AGENDA_ID, CUSTOMER_ID, PROGRESS_ID, the server's
// address (with POP_BASE_PATH when not /pop, and for an https server with a private CA the CA
// certificates: a ConfigMap or Secret mounted read-only, POP_CA_FILE), the puller's id (the
// executor reports under it, so the claim stays valid) and the API token from a Secret
// (secretKeyRef; never its text). One watch of the namespace's executor pods counts the pods of
// each Insight (`insight.execution.limit`) and follows the pods it made:
//   * before the pod is created the claim is confirmed with an EXECUTING report, so a slow pod
//     start does not lapse it;
//   * a pod not Running within podScheduledTimeoutMs is deleted and its Agenda failed (retried
//     per the usual rules);
//   * a pod that ends without its executor's final report (killed, deleted, crashed) fails its
//     Agenda the same way, so the retry continues it (operations that succeeded are skipped);
//   * when a report is refused with 409 (cancelled, or claimed elsewhere) every pod labelled
//     with the Agenda is deleted (the executor pod and its operation pods).
// A Kubernetes that does not answer (or refuses pop's credentials, or does not let the puller
// create pods in its namespace: a SelfSubjectAccessReview at every probe) stops the claiming:
// Room() is 0 until a probe succeeds again; this is logged once per outage and shown by Health().
// Thread-safe. Design: docs/kubernetes.md.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/kube/pod_config.h"
#include "core/kube/server_ca.h"
#include "core/model/agenda.h"
#include "core/model/agenda_progress.h"
#include "ports/clock.h"
#include "ports/id_generator.h"
#include "ports/kubernetes_pods.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"
#include "ports/pool_client.h"

namespace pop::app {

// The registry's `executor` entry (spec §15.1 JSON, read by the one registry parser of
// core/kube/pod_config.h: core defaults, then basePodConfig, then executor.podConfig, then
// executor.configMapName), the settings an executor pod is made from; every other entry of the
// file is checked too. A namePrefix left empty is "pop-exec". Errors: kInvalidArgument naming
// the field ("registry: 'basePodConfig' is required ...", "executor: the pod registry has no
// executor entry ...", "registry: 'executor.podConfig.imageName' ...").
[[nodiscard]] Result<PodConfig> ParseExecutorPodConfig(const Json& registry);

// The variables that carry a payload into a pod (spec §15.3): {PAYLOAD, POP_PAYLOAD_TYPE} or
// the compressed segments. Provided by the caller (the encoding lives in an adapter).
using PayloadEnvironmentFn = std::function<Result<std::vector<std::pair<std::string, std::string>>>(
    std::string_view payload, const std::string& name)>;

struct ExecutorPodsOptions {
  // The pods' namespace; with namespace_per_customer the prefix of each customer's namespace
  // (CustomerNamespace: "pop" → "pop-acme"), and the pods of every namespace are watched.
  std::string namespace_name = "pop";
  bool namespace_per_customer = false;
  PodConfig pod;                            // ParseExecutorPodConfig's
  std::optional<std::string> zone;          // pop.kubernetes.zone: nodeSelector <zone>: "true"
  std::string server_url;                   // POP_ADDR of the executor
  std::string base_path = "/pop";           // POP_BASE_PATH of the executor, when not "/pop"
  std::optional<ServerCaSource> server_ca;  // POP_CA_FILE of the executor, mounted from here
  std::string token_secret;                 // the Secret holding the executor's API token...
  std::string token_key = "token";          // ...under this key (POP_TOKEN by secretKeyRef)
  std::string puller_id;                    // the claims' holder; the executor reports as it
  std::string resource_pool_id;             // label pop.resourcePoolId when the Agenda names none
  std::optional<size_t> execution_limit;    // insight.execution.limit: pods of an Insight at once
  Duration probe_interval = Duration::Seconds(5);  // how often Kubernetes is checked
};

struct ExecutorPodsDeps {
  const Clock& clock;
  KubernetesPods& pods;
  PoolClient& client;
  IdGenerator& ids;
  Logger& logger;
  PayloadEnvironmentFn payload_environment;
  MetricsSink* metrics = nullptr;  // pop_executor_pods_total{outcome}; null: none
};

struct ExecutorPodsHealth {
  bool reachable = true;
  std::string problem;  // why not, when not
};

class ExecutorPods {
 public:
  ExecutorPods(ExecutorPodsDeps deps, ExecutorPodsOptions options);
  ~ExecutorPods();
  ExecutorPods(const ExecutorPods&) = delete;
  ExecutorPods& operator=(const ExecutorPods&) = delete;

  // Starts the watch and the timer thread. `on_change` is called (on those threads, with no lock
  // of this object held) whenever Room may have grown. Errors: the watch could not be started.
  [[nodiscard]] Status Start(std::function<void()> on_change);
  // Stops the watch and the timer; the pods keep running (their executors report on their own).
  void Stop();

  // How many more Agendas of `insight_id` may be claimed now: 0 while Kubernetes is unreachable;
  // else bounded by `max_agendas` (this puller's pods not yet ended) and the execution limit
  // (every pod of the Insight in the namespace that is Pending, Running or Unknown).
  size_t Room(const std::string& insight_id, size_t max_agendas) const;

  // Runs a claimed Agenda in a new executor pod; failures are reported on the Agenda. Blocks
  // for the report and the pod's creation.
  void Launch(const std::string& insight_id, const Agenda& agenda,
              const std::optional<AgendaProgress>& prior);

  // Deletes every pod labelled with the Agenda (executor and operation pods). Returns how many.
  size_t DeleteAgendaPods(const std::string& agenda_id);

  ExecutorPodsHealth Health() const;

  // The manifest of the executor pod for `agenda`, named namePrefix + `uid` (exposed for the
  // tests).
  Result<Json> Manifest(const std::string& uid, const std::string& insight_id, const Agenda& agenda,
                        const std::optional<AgendaProgress>& prior) const;

 private:
  struct Tracked {
    std::string agenda_id;
    std::string progress_id;
    std::string customer_id;
    std::string insight_id;
    std::string namespace_name;  // where its pod is
    Timestamp created;
    bool started = false;
    bool ended = false;
    bool deleted_by_us = false;
  };
  struct Failure {
    std::string pod;
    std::string message;
  };

  Status StartWatch();
  std::string WatchedNamespace() const;  // "" (every namespace) with namespace_per_customer
  std::string WatchedDescription() const;
  Result<std::string> NamespaceFor(const Agenda& agenda) const;
  void OnEvent(const PodEvent& event);
  void TimerLoop();
  void CheckReachable();
  void SetReachable(bool reachable, const std::string& problem);
  void FailAgenda(const Tracked& tracked, const std::string& pod, const std::string& message);
  void Count(const std::string& outcome);
  static bool Active(const PodInfo& pod);

  ExecutorPodsDeps deps_;
  const ExecutorPodsOptions options_;
  std::function<void()> on_change_;
  std::thread timer_;

  mutable Mutex mu_;
  std::condition_variable wake_;
  bool running_ POP_GUARDED_BY(mu_) = false;
  std::unique_ptr<PodWatch> watch_ POP_GUARDED_BY(mu_);         // null until the first watch starts
  std::map<std::string, PodInfo> pods_ POP_GUARDED_BY(mu_);     // the namespace's executor pods
  std::map<std::string, Tracked> tracked_ POP_GUARDED_BY(mu_);  // the pods this puller made
  std::map<std::string, size_t> creating_ POP_GUARDED_BY(mu_);  // per insight, being created
  std::deque<Failure> failures_ POP_GUARDED_BY(mu_);            // to report (timer thread)
  bool reachable_ POP_GUARDED_BY(mu_) = true;
  std::string problem_ POP_GUARDED_BY(mu_);
  Timestamp next_probe_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
