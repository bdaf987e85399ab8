#include "app/executor_pods.h"

#include <algorithm>
#include <set>

#include "app/pod_labels.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/kube/customer_namespace.h"
#include "core/kube/pod_spec.h"
#include "core/metrics/catalogue.h"

namespace pop::app {

Result<PodConfig> ParseExecutorPodConfig(const Json& registry) {
  POP_ASSIGN_OR_RETURN(PodConfigRegistry parsed, PodConfigRegistry::FromJson(registry));
  Result<PodConfig> config = parsed.ConfigFor("executor");
  if (!config.ok()) {
    if (config.error().code != ErrorCode::kNotFound) return config.error();
    return Error(ErrorCode::kInvalidArgument,
                 "executor: the pod registry has no executor entry (an object with podConfig)");
  }
  if (config->name_prefix.empty()) config->name_prefix = "pop-exec";
  if (config->image_name.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "registry: 'executor.podConfig.imageName' is required");
  }
  if (config->name_prefix.size() > 26) {
    return Error(ErrorCode::kInvalidArgument,
                 "registry: 'executor.podConfig.namePrefix' is at most 26 characters (the pod's "
                 "name adds a 36-character uuid; Kubernetes allows 63)");
  }
  return config;
}

std::string ExecutorPods::WatchedNamespace() const {
  return options_.namespace_per_customer ? std::string() : options_.namespace_name;
}

std::string ExecutorPods::WatchedDescription() const {
  return options_.namespace_per_customer ? "every namespace (--namespace-per-customer)"
                                         : "namespace " + options_.namespace_name;
}

Result<std::string> ExecutorPods::NamespaceFor(const Agenda& agenda) const {
  if (!options_.namespace_per_customer) return options_.namespace_name;
  Result<std::string> name =
      CustomerNamespace(options_.namespace_name, agenda.customer_id.value_or(""));
  if (!name.ok()) {
    return Error(name.error().code, "--namespace-per-customer: " + name.error().message);
  }
  return name;
}

ExecutorPods::ExecutorPods(ExecutorPodsDeps deps, ExecutorPodsOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {}

ExecutorPods::~ExecutorPods() { Stop(); }

Status ExecutorPods::Start(std::function<void()> on_change) {
  on_change_ = std::move(on_change);
  {
    MutexLock lock(mu_);
    if (running_) return Status::Ok();
    running_ = true;
    next_probe_ = deps_.clock.Now();
  }
  Status watched = StartWatch();
  if (!watched.ok()) {
    if (watched.code() != ErrorCode::kUnavailable) {
      MutexLock lock(mu_);
      running_ = false;
      return watched;
    }
    // Not reachable yet: the timer tries again at every probe; nothing is claimed meanwhile.
    SetReachable(false, watched.message());
  } else {
    // The first probe before anything is claimed: an account that may not create pods claims
    // nothing from the start.
    CheckReachable();
    MutexLock lock(mu_);
    next_probe_ = deps_.clock.Now() + options_.probe_interval;
  }
  timer_ = std::thread(&ExecutorPods::TimerLoop, this);
  return Status::Ok();
}

Status ExecutorPods::StartWatch() {
  const std::string selector = std::string(kLabelComponent) + "=executor";
  // The watch reports the pods that exist on its own thread, maybe after Room is first asked:
  // the pods listed here count at once, so the execution limit holds from the first claim.
  const std::string watched = WatchedNamespace();
  Result<PodList> before = deps_.pods.ListPods(watched, selector);
  if (!before.ok()) {
    return Status(before.error().code, "cannot list the executor pods of " + WatchedDescription() +
                                           ": " + before.error().message);
  }
  {
    MutexLock lock(mu_);
    for (const PodInfo& pod : before->pods) pods_.emplace(pod.name, pod);
  }
  Result<std::unique_ptr<PodWatch>> watch =
      deps_.pods.WatchPods(watched, selector, [this](const PodEvent& event) { OnEvent(event); });
  if (!watch.ok()) {
    return Status(watch.error().code, "cannot watch the executor pods of " + WatchedDescription() +
                                          ": " + watch.error().message);
  }
  // A pod listed above and deleted before the watch began would never see its deletion: the
  // pods gone by now are dropped (one that the watch still reports comes back with its events).
  Result<PodList> after = deps_.pods.ListPods(watched, selector);
  std::unique_ptr<PodWatch> started = std::move(*watch);
  MutexLock lock(mu_);
  if (after.ok()) {
    std::set<std::string> present;
    for (const PodInfo& pod : after->pods) present.insert(pod.name);
    for (const PodInfo& pod : before->pods) {
      if (present.count(pod.name) == 0) pods_.erase(pod.name);
    }
  }
  watch_ = std::move(started);
  return Status::Ok();
}

void ExecutorPods::Stop() {
  {
    MutexLock lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
  std::unique_ptr<PodWatch> watch;
  {
    MutexLock lock(mu_);
    watch.swap(watch_);
  }
  if (watch) watch->Stop();
}

bool ExecutorPods::Active(const PodInfo& pod) {
  if (pod.is_deleting) return false;
  return pod.phase.empty() || pod.phase == "Pending" || pod.phase == "Running" ||
         pod.phase == "Unknown";
}

size_t ExecutorPods::Room(const std::string& insight_id, size_t max_agendas) const {
  MutexLock lock(mu_);
  if (!reachable_) return 0;
  const auto creating = creating_.find(insight_id);
  const size_t in_flight = creating == creating_.end() ? 0 : creating->second;
  size_t own = in_flight;
  std::set<std::string> counted;
  for (const auto& [name, tracked] : tracked_) {
    if (tracked.insight_id != insight_id || tracked.ended) continue;
    ++own;
    counted.insert(name);
  }
  size_t room = max_agendas > own ? max_agendas - own : 0;
  if (options_.execution_limit) {
    size_t all = own;
    for (const auto& [name, pod] : pods_) {
      if (counted.count(name) > 0 || !Active(pod)) continue;
      const auto label = pod.labels.find(std::string(kLabelInsightId));
      if (label != pod.labels.end() && label->second == insight_id) ++all;
    }
    const size_t limit = *options_.execution_limit;
    room = std::min(room, limit > all ? limit - all : 0);
  }
  return room;
}

ExecutorPodsHealth ExecutorPods::Health() const {
  MutexLock lock(mu_);
  return ExecutorPodsHealth{reachable_, problem_};
}

Result<Json> ExecutorPods::Manifest(const std::string& uid, const std::string& insight_id,
                                    const Agenda& agenda,
                                    const std::optional<AgendaProgress>& prior) const {
  const std::string agenda_id = agenda.id.value_or("");
  PodManifestInput input;
  POP_ASSIGN_OR_RETURN(input.namespace_name, NamespaceFor(agenda));
  input.uuid = uid;
  input.zone = options_.zone;
  input.labels[std::string(kLabelComponent)] = "executor";
  const std::string pool = agenda.agenda_insight && agenda.agenda_insight->resource_pool_id
                               ? *agenda.agenda_insight->resource_pool_id
                               : options_.resource_pool_id;
  const std::string insight = agenda.agenda_insight && agenda.agenda_insight->insight_id
                                  ? *agenda.agenda_insight->insight_id
                                  : insight_id;
  // Label values are restricted; an id that is not one is left out (the puller's own
  // bookkeeping keeps it), never sent for the API server to refuse the pod.
  for (const auto& [key, value] :
       {std::pair{kLabelInsightId, insight}, std::pair{kLabelResourcePoolId, pool},
        std::pair{kLabelAgendaId, agenda_id}, std::pair{kLabelPullerId, options_.puller_id}}) {
    if (!value.empty() && IsLabelValue(value)) input.labels[std::string(key)] = value;
  }

  input.env.emplace_back("LOG_LEVEL", "DEBUG");
  POP_ASSIGN_OR_RETURN(auto payload_env, deps_.payload_environment(ToJsonText(Encode(agenda)),
                                                                   "agenda " + agenda_id));
  for (auto& variable : payload_env) input.env.push_back(std::move(variable));
  if (prior) input.env.emplace_back("LAST_PROGRESS", ToJsonText(Encode(*prior)));
  input.env.emplace_back("CID", agenda.cid.value_or(""));
  input.env.emplace_back("AGENDA_ID", agenda_id);
  input.env.emplace_back("CUSTOMER_ID", agenda.customer_id.value_or(""));
  input.env.emplace_back("PROGRESS_ID", agenda.progress_id.value_or(""));
  input.env.emplace_back("POP_ADDR", options_.server_url);
  if (!options_.base_path.empty() && options_.base_path != "/pop") {
    input.env.emplace_back("POP_BASE_PATH", options_.base_path);
  }
  input.env.emplace_back("POP_PULLER_ID", options_.puller_id);
  Json manifest = BuildPodManifest(options_.pod, input);
  {
    // The executor runs its operation pods in its own namespace (`pop executor --launch
    // kubernetes` without --namespace): its customer's with --namespace-per-customer.
    JsonObject& spec = manifest.AsObject().Find("spec")->AsObject();
    JsonObject& container = spec.Find("containers")->AsArray().front().AsObject();
    container.Find("env")->AsArray().push_back(Json(JsonObject{
        {"name", "MY_POD_NAMESPACE"},
        {"valueFrom",
         Json(JsonObject{{"fieldRef", Json(JsonObject{{"fieldPath", "metadata.namespace"}})}})}}));
  }
  if (options_.server_ca) AddServerCaToPod(*options_.server_ca, manifest);
  if (!options_.token_secret.empty()) {
    // The token by reference: the kubelet reads the Secret, the pod's manifest never holds it.
    JsonObject& spec = manifest.AsObject().Find("spec")->AsObject();
    JsonObject& container = spec.Find("containers")->AsArray().front().AsObject();
    container.Find("env")->AsArray().push_back(Json(JsonObject{
        {"name", "POP_TOKEN"},
        {"valueFrom",
         Json(JsonObject{{"secretKeyRef", Json(JsonObject{{"name", options_.token_secret},
                                                          {"key", options_.token_key}})}})}}));
  }
  return manifest;
}

void ExecutorPods::Launch(const std::string& insight_id, const Agenda& agenda,
                          const std::optional<AgendaProgress>& prior) {
  const std::string uid = deps_.ids.NewId();
  const std::string name = PodName(options_.pod, uid);
  const std::string agenda_id = agenda.id.value_or("");
  Tracked tracked;
  tracked.agenda_id = agenda_id;
  tracked.progress_id = agenda.progress_id.value_or("");
  tracked.customer_id = agenda.customer_id.value_or("");
  tracked.insight_id = insight_id;
  {
    MutexLock lock(mu_);
    ++creating_[insight_id];
  }
  auto done_creating = [&] {
    {
      MutexLock lock(mu_);
      if (--creating_[insight_id] == 0) creating_.erase(insight_id);
    }
    if (on_change_) on_change_();
  };

  // The claim is confirmed before the pod exists: it then cannot lapse however long the pod
  // takes to start, and this report cannot overtake one of the executor's.
  AgendaProgress confirm;
  confirm.id = tracked.progress_id;
  confirm.processing_state = ProcessingState::kExecuting;
  confirm.processing_state_message = "Starting executor pod " + name;
  Status confirmed = deps_.client.UpdateAgendaProgress(confirm, options_.puller_id).status();
  if (!confirmed.ok() && confirmed.code() == ErrorCode::kConflict) {
    deps_.logger.Log(LogLevel::kInfo,
                     "agenda " + agenda_id + " not started: " + confirmed.message());
    done_creating();
    return;
  }
  if (!confirmed.ok()) {
    // The executor's first report confirms it too, if it comes before the lease ends.
    deps_.logger.Log(LogLevel::kWarning, "agenda " + agenda_id + ": confirming the claim failed (" +
                                             confirmed.message() + "); starting its pod anyway");
  }

  Result<std::string> pod_namespace = NamespaceFor(agenda);
  tracked.namespace_name = pod_namespace.ok() ? *pod_namespace : std::string();
  Result<Json> manifest = Manifest(uid, insight_id, agenda, prior);
  Result<PodInfo> created = manifest.ok() ? deps_.pods.CreatePod(tracked.namespace_name, *manifest)
                                          : Result<PodInfo>(manifest.error());
  if (!created.ok()) {
    const Error& error = created.error();
    // With a namespace per customer, a missing or forbidden namespace is that customer's
    // problem: the others' Agendas keep being claimed.
    const bool customer_problem =
        options_.namespace_per_customer &&
        (error.code == ErrorCode::kNotFound || error.code == ErrorCode::kPermissionDenied);
    if (!customer_problem &&
        (error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kPermissionDenied ||
         error.code == ErrorCode::kUnauthenticated)) {
      SetReachable(false, error.message);
    }
    std::string why = error.message;
    if (customer_problem) {
      // RBAC is checked before the namespace's existence: a namespace the puller has no rights
      // in answers 403 whether it exists or not.
      why = "namespace '" + tracked.namespace_name + "' of customer '" + tracked.customer_id +
            "' (--namespace-per-customer) " +
            (error.code == ErrorCode::kNotFound
                 ? std::string("does not exist: create it with the executors' Secret, the pod "
                               "registry's ConfigMap and the pods' service account "
                               "(docs/kubernetes.md): ")
                 : std::string("does not exist or refuses the puller: create it and bind the "
                               "puller the pop-pods ClusterRole there (docs/kubernetes.md): ")) +
            error.message;
    }
    tracked.created = deps_.clock.Now();
    FailAgenda(tracked, name, "Failed to create executor pod " + name + ": " + why);
    Count("create_failed");
    done_creating();
    return;
  }
  tracked.created = deps_.clock.Now();
  {
    MutexLock lock(mu_);
    tracked_[name] = tracked;
  }
  Count("created");
  deps_.logger.Log(LogLevel::kInfo, "agenda " + agenda_id + ": executor pod " + name +
                                        " created in namespace " + tracked.namespace_name);
  wake_.notify_all();
  done_creating();
}

void ExecutorPods::OnEvent(const PodEvent& event) {
  const PodInfo& pod = event.pod;
  bool changed = false;
  {
    MutexLock lock(mu_);
    // The executor's own deletion after its final report (executor.reap.self) says so on the
    // pod; a deletion found by a re-list carries no annotations, so the last state seen counts.
    bool finished_by_executor = pod.annotations.count(std::string(kAnnotationExecutorFinished)) > 0;
    if (event.type == PodEventType::kDeleted) {
      if (auto known = pods_.find(pod.name); known != pods_.end()) {
        finished_by_executor =
            finished_by_executor ||
            known->second.annotations.count(std::string(kAnnotationExecutorFinished)) > 0;
      }
      pods_.erase(pod.name);
    } else {
      pods_[pod.name] = pod;
    }
    changed = true;
    auto it = tracked_.find(pod.name);
    if (it != tracked_.end() && !it->second.ended) {
      Tracked& tracked = it->second;
      if (pod.phase == "Running") tracked.started = true;
      std::optional<std::string> failure;
      if (event.type == PodEventType::kDeleted) {
        tracked.ended = true;
        if (!tracked.deleted_by_us && !finished_by_executor) {
          failure = "Executor pod " + pod.name + " was deleted before its Agenda finished";
        }
      } else if (pod.phase == "Succeeded") {
        tracked.ended = true;  // exit 0: the executor reported the final state
      } else if (pod.phase == "Failed") {
        tracked.ended = true;
        std::optional<int> exit_code;
        if (!pod.containers.empty()) exit_code = pod.containers[0].exit_code;
        // 1: the executor reported its Agenda failed. Anything else (3: no final report, a
        // signal, a crash) leaves the Agenda for the puller to fail.
        if (exit_code != 1) {
          failure = "Executor pod " + pod.name + " failed (" +
                    (exit_code ? "exit code " + std::to_string(*exit_code)
                               : std::string("no exit code")) +
                    ") before its Agenda finished";
        }
      }
      if (failure) failures_.push_back(Failure{pod.name, *failure});
      if (tracked.ended && !failure) tracked_.erase(it);
    }
  }
  wake_.notify_all();
  if (changed && on_change_) on_change_();
}

void ExecutorPods::FailAgenda(const Tracked& tracked, const std::string& pod,
                              const std::string& message) {
  deps_.logger.Log(LogLevel::kWarning, "agenda " + tracked.agenda_id + ": " + message);
  AgendaProgress failed;
  failed.id = tracked.progress_id;
  failed.processing_state = ProcessingState::kComplete;
  failed.processing_state_message = kMessageFailed;
  DiagnosticEvent event;
  event.message = message;
  event.time = deps_.clock.Now();
  failed.diagnostic_events = std::vector<DiagnosticEvent>{event};
  Status reported = deps_.client.UpdateAgendaProgress(failed, options_.puller_id).status();
  if (reported.ok()) return;
  if (reported.code() == ErrorCode::kConflict) {
    // Cancelled, or claimed by another puller: whatever pods it left behind go.
    const size_t deleted = DeleteAgendaPods(tracked.agenda_id);
    deps_.logger.Log(LogLevel::kInfo, "agenda " + tracked.agenda_id + " ended elsewhere (" +
                                          reported.message() + "); deleted " +
                                          std::to_string(deleted) + " pod(s) of it");
    return;
  }
  deps_.logger.Log(LogLevel::kWarning, "agenda " + tracked.agenda_id + ": reporting pod " + pod +
                                           " as failed did not reach the server (" +
                                           reported.message() + "); the reclaimer will fail it");
}

size_t ExecutorPods::DeleteAgendaPods(const std::string& agenda_id) {
  if (agenda_id.empty() || !IsLabelValue(agenda_id)) return 0;
  Result<PodList> pods =
      deps_.pods.ListPods(WatchedNamespace(), std::string(kLabelAgendaId) + "=" + agenda_id);
  if (!pods.ok()) {
    deps_.logger.Log(LogLevel::kWarning,
                     "cannot list the pods of agenda " + agenda_id + ": " + pods.error().message);
    return 0;
  }
  size_t deleted = 0;
  for (const PodInfo& pod : pods->pods) {
    {
      MutexLock lock(mu_);
      if (auto it = tracked_.find(pod.name); it != tracked_.end()) it->second.deleted_by_us = true;
    }
    Status status = deps_.pods.DeletePod(
        pod.namespace_name.empty() ? options_.namespace_name : pod.namespace_name, pod.name);
    if (status.ok() || status.code() == ErrorCode::kNotFound) {
      ++deleted;
      Count("deleted");
    } else {
      deps_.logger.Log(LogLevel::kWarning,
                       "cannot delete pod " + pod.name + ": " + status.message());
    }
  }
  return deleted;
}

void ExecutorPods::Count(const std::string& outcome) {
  if (deps_.metrics != nullptr) deps_.metrics->Add(metrics::kExecutorPods, {outcome}, 1);
}

void ExecutorPods::SetReachable(bool reachable, const std::string& problem) {
  bool changed = false;
  {
    MutexLock lock(mu_);
    changed = reachable_ != reachable;
    reachable_ = reachable;
    problem_ = reachable ? std::string() : problem;
    if (!reachable) next_probe_ = deps_.clock.Now() + options_.probe_interval;
  }
  if (!changed) return;
  if (reachable) {
    deps_.logger.Log(LogLevel::kInfo, "Kubernetes answers again; claiming Agendas resumes");
    if (on_change_) on_change_();
  } else {
    deps_.logger.Log(LogLevel::kError, "Kubernetes cannot run executor pods (" + problem +
                                           "); no Agendas are claimed until it can");
  }
}

void ExecutorPods::CheckReachable() {
  bool watching = false;
  {
    MutexLock lock(mu_);
    watching = watch_ != nullptr;
  }
  if (!watching) {
    Status watched = StartWatch();
    if (!watched.ok()) {
      SetReachable(false, watched.message());
      return;
    }
  }
  Result<PodList> probe = deps_.pods.ListPods(
      WatchedNamespace(), std::string(kLabelPullerId) + "=" +
                              (IsLabelValue(options_.puller_id) ? options_.puller_id : "-"));
  if (!probe.ok()) {
    if (probe.error().code == ErrorCode::kUnavailable ||
        probe.error().code == ErrorCode::kPermissionDenied ||
        probe.error().code == ErrorCode::kUnauthenticated) {
      SetReachable(false, probe.error().message);
    }
    return;
  }
  if (options_.namespace_per_customer) {
    // Each customer's namespace has rights of its own; a denial there fails that customer's
    // Agendas only (Launch), never the claiming for all.
    SetReachable(true, "");
    return;
  }
  // Listing is not creating: an account that may list pods but not create them would resume
  // claiming at every probe and fail the next Agenda. Asked without creating anything.
  Result<PodAccess> access = deps_.pods.ReviewAccess(options_.namespace_name, "create", "pods");
  if (!access.ok()) {
    if (access.error().code == ErrorCode::kUnavailable ||
        access.error().code == ErrorCode::kUnauthenticated) {
      SetReachable(false, access.error().message);
      return;
    }
    // A cluster that cannot answer the review (no authorization API) does not stop pop: the
    // creation itself will say what is refused.
    SetReachable(true, "");
    return;
  }
  if (!access->allowed) {
    SetReachable(false, "Kubernetes RBAC denies 'create' on 'pods' in namespace '" +
                            options_.namespace_name + "' to the puller's account" +
                            (access->reason.empty() ? "" : " (" + access->reason + ")") +
                            "; checked with a SelfSubjectAccessReview");
    return;
  }
  SetReachable(true, "");
}

void ExecutorPods::TimerLoop() {
  MutexLock lock(mu_);
  while (running_) {
    const Timestamp now = deps_.clock.Now();
    // Pods that did not start in time.
    std::vector<std::pair<std::string, Tracked>> late;
    for (auto& [name, tracked] : tracked_) {
      if (tracked.started || tracked.ended) continue;
      if (now - tracked.created < Duration::Millis(options_.pod.pod_scheduled_timeout_ms)) continue;
      tracked.ended = true;
      tracked.deleted_by_us = true;
      late.emplace_back(name, tracked);
    }
    std::deque<Failure> failures;
    failures.swap(failures_);
    std::vector<std::pair<Tracked, Failure>> to_report;
    for (Failure& failure : failures) {
      auto it = tracked_.find(failure.pod);
      if (it == tracked_.end()) continue;
      to_report.emplace_back(it->second, std::move(failure));
      tracked_.erase(it);
    }
    const bool probe = now >= next_probe_;
    if (probe) next_probe_ = now + options_.probe_interval;
    lock.Unlock();
    for (auto& [name, tracked] : late) {
      std::string why;
      {
        MutexLock pods_lock(mu_);
        if (auto pod = pods_.find(name); pod != pods_.end() && !pod->second.containers.empty() &&
                                         !pod->second.containers[0].reason.empty()) {
          why = " (" + pod->second.containers[0].reason + ")";
        }
      }
      Status deleted = deps_.pods.DeletePod(tracked.namespace_name, name);
      if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) {
        deps_.logger.Log(LogLevel::kWarning,
                         "cannot delete executor pod " + name + ": " + deleted.message());
      }
      Count("not_started");
      std::string message = "Executor pod " + name + " did not start within ";
      message += std::to_string(options_.pod.pod_scheduled_timeout_ms);
      message += " ms (podScheduledTimeoutMs)";
      message += why;
      FailAgenda(tracked, name, message);
      MutexLock erase_lock(mu_);
      tracked_.erase(name);
    }
    for (auto& [tracked, failure] : to_report) {
      Count("lost");
      FailAgenda(tracked, failure.pod, failure.message);
    }
    if (probe) CheckReachable();
    if (!late.empty() || !to_report.empty()) {
      if (on_change_) on_change_();
    }
    lock.Lock();
    if (!running_) break;
    if (!failures_.empty()) continue;
    Timestamp wake = next_probe_;
    for (const auto& [name, tracked] : tracked_) {
      if (!tracked.started && !tracked.ended) {
        wake = std::min(wake,
                        tracked.created + Duration::Millis(options_.pod.pod_scheduled_timeout_ms));
      }
    }
    if (deps_.clock.Now() < wake) mu_.WaitUntil(deps_.clock, wake_, wake);
  }
}

}  // namespace pop::app
