#include "adapters/kubernetes/kubernetes_launcher.h"

#include <zlib.h>

#include <deque>
#include <utility>
#include <vector>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop {
namespace {

constexpr size_t kDiagnosticLines = 10;

Result<std::string> Deflate(std::string_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                           reinterpret_cast<const Bytef*>(data.data()),
                           static_cast<uLong>(data.size()), Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) {
    return Error(ErrorCode::kInternal, "zlib compress2 failed with code " + std::to_string(rc));
  }
  out.resize(size);
  return out;
}

bool Started(const std::string& phase) { return !phase.empty() && phase != "Pending"; }
bool Ended(const std::string& phase) { return phase == "Succeeded" || phase == "Failed"; }

}  // namespace

// One operation's pod. The watch writes the pod's view (phase, annotations, deletion), the
// follower the log and the end; Wait() reads the end.
struct KubernetesLauncher::PodState {
  std::string operation;
  std::string pod;
  PodConfig config;
  Timestamp created;

  Mutex mu;
  std::condition_variable done;
  std::string phase POP_GUARDED_BY(mu);
  std::string waiting POP_GUARDED_BY(mu);  // why its container waits ("ErrImagePull: ...")
  std::map<std::string, std::string> annotations POP_GUARDED_BY(mu);
  bool deleted POP_GUARDED_BY(mu) = false;
  size_t log_seen POP_GUARDED_BY(mu) = 0;  // bytes of the log read so far
  std::string partial_line POP_GUARDED_BY(mu);
  std::deque<std::string> last_lines POP_GUARDED_BY(mu);
  bool end_marker_seen POP_GUARDED_BY(mu) = false;
  std::optional<Timestamp> last_log_time POP_GUARDED_BY(mu);
  std::string pending_log POP_GUARDED_BY(mu);
  size_t dropped_log_bytes POP_GUARDED_BY(mu) = 0;
  bool finished POP_GUARDED_BY(mu) = false;
  LaunchOutcome end POP_GUARDED_BY(mu);

  // The progress the pod's annotations hold (operation and resultPayload forced, §15.4 item 7).
  std::optional<OperationProgress> ReportedLocked() const POP_REQUIRES(mu) {
    const auto it = annotations.find(kPodProgressAnnotation);
    if (it == annotations.end()) return std::nullopt;
    Result<Json> json = ParseJson(it->second);
    if (!json.ok()) return std::nullopt;
    Result<OperationProgress> progress = Decode<OperationProgress>(*json);
    if (!progress.ok()) return std::nullopt;
    progress->operation = operation;
    const auto payload = annotations.find(kPodPayloadAnnotation);
    progress->result_payload =
        payload == annotations.end() ? std::nullopt : std::optional<std::string>(payload->second);
    return std::move(progress).value();
  }

  // The pod as the API reports it now.
  void UpdateLocked(const PodInfo& info) POP_REQUIRES(mu) {
    phase = info.phase;
    annotations = info.annotations;
    waiting.clear();
    for (const PodContainerStatus& container : info.containers) {
      if (container.state == "waiting" && !container.reason.empty()) {
        waiting = container.reason + (container.message.empty() ? "" : ": " + container.message);
      }
    }
  }
  void FinishLocked(LaunchOutcome outcome) POP_REQUIRES(mu) {
    if (finished) return;
    end = std::move(outcome);
    finished = true;
    done.notify_all();
  }

  std::optional<std::string> OutputLocked() const POP_REQUIRES(mu) {
    const auto it = annotations.find(kPodPayloadAnnotation);
    if (it == annotations.end()) return std::nullopt;
    return it->second;
  }

  void AddLogLocked(std::string_view data, size_t max_pending) POP_REQUIRES(mu) {
    pending_log.append(data);
    if (pending_log.size() > max_pending) {
      const size_t drop = pending_log.size() - max_pending;
      dropped_log_bytes += drop;
      pending_log.erase(0, drop);
    }
    partial_line.append(data);
    size_t start = 0;
    for (size_t newline = partial_line.find('\n'); newline != std::string::npos;
         newline = partial_line.find('\n', start)) {
      std::string line = partial_line.substr(start, newline - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!config.end_of_log_identifier.empty() && line == config.end_of_log_identifier) {
        end_marker_seen = true;
      }
      last_lines.push_back(std::move(line));
      if (last_lines.size() > kDiagnosticLines) last_lines.pop_front();
      start = newline + 1;
    }
    partial_line.erase(0, start);
  }

  // A failed outcome: the handler's own progress fields kept, COMPLETE/failed with one
  // diagnostic naming `reason` and holding the last log lines (§15.4 item 6).
  LaunchOutcome FailedLocked(const std::string& reason, Timestamp now) const POP_REQUIRES(mu) {
    LaunchOutcome outcome;
    outcome.output = OutputLocked();
    OperationProgress progress = ReportedLocked().value_or(OperationProgress{});
    progress.operation = operation;
    progress.processing_state = ProcessingState::kComplete;
    progress.processing_state_message = kMessageFailed;
    progress.completed_time = now;
    DiagnosticEvent event;
    event.message = reason;
    event.time = now;
    JsonArray lines;
    for (const std::string& line : last_lines) lines.emplace_back(line);
    if (!partial_line.empty()) lines.emplace_back(partial_line);
    event.payload = Json(std::move(lines));
    progress.diagnostic_events = std::vector<DiagnosticEvent>{std::move(event)};
    outcome.progress = std::move(progress);
    outcome.failure = reason;
    return outcome;
  }

  // The outcome of a pod whose handler is done: its COMPLETE report, or a failure without one.
  LaunchOutcome DoneLocked(Timestamp now) const POP_REQUIRES(mu) {
    std::optional<OperationProgress> reported = ReportedLocked();
    if (!reported.has_value() || reported->processing_state != ProcessingState::kComplete) {
      return FailedLocked("Kubernetes pod " + pod + " of operation " + operation +
                              " ended without reporting COMPLETE",
                          now);
    }
    LaunchOutcome outcome;
    outcome.progress = std::move(reported);
    outcome.output = OutputLocked();
    return outcome;
  }
};

namespace {

class LaunchedPod final : public LaunchedOperation {
 public:
  LaunchedPod(std::shared_ptr<KubernetesLauncher::PodState> state, KubernetesPods& pods,
              std::string namespace_name, const Clock& clock)
      : state_(std::move(state)), pods_(pods), ns_(std::move(namespace_name)), clock_(clock) {}

  std::optional<OperationProgress> LatestProgress() override {
    MutexLock lock(state_->mu);
    if (state_->finished) return state_->end.progress;
    return state_->ReportedLocked();
  }

  std::string TakeNewLog() override {
    MutexLock lock(state_->mu);
    std::string log;
    if (state_->dropped_log_bytes > 0) {
      log = "[... " + std::to_string(state_->dropped_log_bytes) + " bytes dropped ...]\n";
      state_->dropped_log_bytes = 0;
    }
    log += state_->pending_log;
    state_->pending_log.clear();
    return log;
  }

  LaunchOutcome Wait() override {
    MutexLock lock(state_->mu);
    while (!state_->finished) state_->mu.Wait(state_->done);
    return state_->end;
  }

  void Cancel(std::chrono::milliseconds /*grace*/) override {
    {
      MutexLock lock(state_->mu);
      if (state_->finished) return;
      state_->end = state_->FailedLocked(
          "Kubernetes pod " + state_->pod + " of operation " + state_->operation + " was cancelled",
          clock_.Now());
      state_->finished = true;
      state_->done.notify_all();
    }
    // Deleting the pod ends its container (the kubelet kills it); a pod gone already is fine.
    (void)pods_.DeletePod(ns_, state_->pod);
  }

 private:
  std::shared_ptr<KubernetesLauncher::PodState> state_;
  KubernetesPods& pods_;
  const std::string ns_;
  const Clock& clock_;
};

}  // namespace

KubernetesLauncher::KubernetesLauncher(KubernetesLauncherOptions options)
    : options_(std::move(options)), id_(PodLabelValue(options_.new_uuid())) {}

Result<std::unique_ptr<KubernetesLauncher>> KubernetesLauncher::Create(
    KubernetesLauncherOptions options) {
  if (options.pods == nullptr || options.clock == nullptr || !options.new_uuid) {
    return Error(ErrorCode::kInvalidArgument,
                 "KubernetesLauncher needs pods, a clock and a uuid source");
  }
  if (options.tick.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument, "KubernetesLauncher: 'tick' must be positive");
  }
  std::unique_ptr<KubernetesLauncher> launcher(new KubernetesLauncher(std::move(options)));
  KubernetesLauncher* self = launcher.get();
  POP_ASSIGN_OR_RETURN(
      launcher->watch_,
      self->options_.pods->WatchPods(self->options_.namespace_name, self->selector(),
                                     [self](const PodEvent& event) { self->OnEvent(event); }));
  launcher->follower_ = std::thread([self] { self->FollowLoop(); });
  return launcher;
}

KubernetesLauncher::~KubernetesLauncher() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (follower_.joinable()) follower_.join();
  if (watch_) watch_->Stop();
  std::map<std::string, std::shared_ptr<PodState>> pods;
  {
    MutexLock lock(mu_);
    pods.swap(pods_);
  }
  for (const auto& [name, state] : pods) {
    LaunchedPod(state, *options_.pods, options_.namespace_name, *options_.clock).Cancel({});
  }
}

std::string KubernetesLauncher::selector() const {
  return std::string(kPodLauncherLabel) + "=" + id_;
}

bool KubernetesLauncher::Handles(const std::string& type) const {
  if (options_.exclude && options_.exclude(type)) return false;
  return options_.registry.Contains(type);
}

Result<std::unique_ptr<LaunchedOperation>> KubernetesLauncher::Launch(const LaunchSpec& spec) {
  if (!Handles(spec.operation_type)) {
    return Error(ErrorCode::kNotFound, "Unknown operation type found: " + spec.operation_type +
                                           " on operation: " + spec.operation_name);
  }
  POP_ASSIGN_OR_RETURN(PodConfig config, options_.registry.ConfigFor(spec.operation_type));
  POP_ASSIGN_OR_RETURN(EnvList payload_env,
                       PodPayloadEnv(spec.payload, spec.operation_name, options_.payload, Deflate));
  HandlerPodEnvInput env_input;
  env_input.operation_name = spec.operation_name;
  env_input.operation_id = spec.operation_id;
  env_input.operation_type = spec.operation_type;
  env_input.agenda_id = spec.agenda_id;
  env_input.cid = spec.cid;
  env_input.customer_id = spec.customer_id;
  env_input.last_progress = spec.last_progress;
  PodManifestInput input;
  input.namespace_name = options_.namespace_name;
  input.uuid = options_.new_uuid();
  input.zone = options_.zone;
  input.env = HandlerPodEnv(env_input, payload_env);
  input.labels[kPodRoleLabel] = "operation";
  input.labels[kPodLauncherLabel] = id_;
  if (const std::string agenda = PodLabelValue(spec.agenda_id); !agenda.empty()) {
    input.labels[kPodAgendaLabel] = agenda;
  }
  const Json manifest = BuildPodManifest(config, input);

  auto state = std::make_shared<PodState>();
  state->operation = spec.operation_name;
  state->pod = PodName(config, input.uuid);
  state->config = std::move(config);
  state->created = options_.clock->Now();
  {
    // Known before it exists, so that no watch event of it is missed.
    MutexLock lock(mu_);
    if (stopping_) {
      return Error(ErrorCode::kUnavailable, "the Kubernetes launcher is shutting down");
    }
    pods_[state->pod] = state;
  }
  Result<PodInfo> created = options_.pods->CreatePod(options_.namespace_name, manifest);
  if (!created.ok()) {
    MutexLock lock(mu_);
    pods_.erase(state->pod);
    return Error(created.error().code, "creating the pod of operation " + spec.operation_name +
                                           ": " + created.error().message);
  }
  return std::unique_ptr<LaunchedOperation>(std::make_unique<LaunchedPod>(
      state, *options_.pods, options_.namespace_name, *options_.clock));
}

void KubernetesLauncher::OnEvent(const PodEvent& event) {
  std::shared_ptr<PodState> state;
  {
    MutexLock lock(mu_);
    const auto it = pods_.find(event.pod.name);
    if (it == pods_.end()) return;
    state = it->second;
  }
  {
    MutexLock state_lock(state->mu);
    if (event.type == PodEventType::kDeleted) {
      state->deleted = true;
    } else {
      state->UpdateLocked(event.pod);
    }
  }
  if (event.type == PodEventType::kDeleted || Ended(event.pod.phase)) {
    MutexLock lock(mu_);
    ended_.insert(event.pod.name);
    wake_.notify_all();
  }
}

void KubernetesLauncher::FollowLoop() {
  MutexLock lock(mu_);
  Timestamp next_round = options_.clock->Now();
  while (!stopping_) {
    // A full round at every tick; between them only the pods the watch saw end.
    const bool full_round = options_.clock->Now() >= next_round;
    std::vector<std::shared_ptr<PodState>> states;
    if (full_round) {
      states.reserve(pods_.size());
      for (const auto& [name, state] : pods_) states.push_back(state);
      next_round = options_.clock->Now() + Duration::Millis(options_.tick.count());
    } else {
      for (const std::string& name : ended_) {
        if (const auto it = pods_.find(name); it != pods_.end()) states.push_back(it->second);
      }
    }
    ended_.clear();
    lock.Unlock();
    for (const std::shared_ptr<PodState>& state : states) Visit(state);
    lock.Lock();
    for (const std::shared_ptr<PodState>& state : states) {
      MutexLock state_lock(state->mu);
      if (state->finished) pods_.erase(state->pod);
    }
    if (stopping_) break;
    if (ended_.empty()) mu_.WaitUntil(*options_.clock, wake_, next_round);
  }
}

void KubernetesLauncher::Visit(const std::shared_ptr<PodState>& state) {
  const std::string& ns = options_.namespace_name;
  std::string phase;
  bool deleted = false;
  {
    MutexLock lock(state->mu);
    if (state->finished) return;
    phase = state->phase;
    deleted = state->deleted;
  }
  const Timestamp now = options_.clock->Now();
  if (!Started(phase)) {
    MutexLock lock(state->mu);
    if (deleted) {
      state->FinishLocked(state->FailedLocked("Kubernetes pod " + state->pod + " of operation " +
                                                  state->operation +
                                                  " was deleted before it started",
                                              now));
      return;
    }
    if (now - state->created <= Duration::Millis(state->config.pod_scheduled_timeout_ms)) return;
    std::string reason = "Kubernetes pod " + state->pod + " of operation " + state->operation +
                         " did not start within podScheduledTimeoutMs (" +
                         std::to_string(state->config.pod_scheduled_timeout_ms) + " ms)";
    if (!state->waiting.empty()) reason += ": " + state->waiting;
    LaunchOutcome outcome = state->FailedLocked(reason, now);
    lock.Unlock();
    (void)options_.pods->DeletePod(ns, state->pod);
    MutexLock again(state->mu);
    state->FinishLocked(std::move(outcome));
    return;
  }

  // Started: read what the log has gained since the last visit.
  Result<std::string> log = options_.pods->ReadLog(ns, state->pod, state->pod);
  MutexLock lock(state->mu);
  if (!state->last_log_time.has_value()) state->last_log_time = now;
  if (log.ok() && log->size() > state->log_seen) {
    state->AddLogLocked(std::string_view(*log).substr(state->log_seen),
                        options_.max_pending_log_bytes);
    state->log_seen = log->size();
    state->last_log_time = now;
  }
  // A pod seen ending only after its log was read: the next visit reads the log once more, so
  // that the last lines are there (the log is complete before the kubelet reports the end).
  if (Ended(state->phase) && !Ended(phase)) return;
  std::optional<LaunchOutcome> outcome;
  bool still_running = false;
  bool handler_done = false;  // the outcome is the handler's own report (DoneLocked)
  if (state->phase == "Failed") {
    outcome = state->FailedLocked("Kubernetes pod failed: " + state->pod, now);
  } else if (state->phase == "Succeeded" &&
             (state->config.end_of_log_identifier.empty() || state->end_marker_seen)) {
    outcome = state->DoneLocked(now);
    handler_done = true;
  } else if (state->deleted) {
    outcome = state->FailedLocked("Kubernetes pod " + state->pod + " of operation " +
                                      state->operation + " was deleted while it ran",
                                  now);
  } else if (now - *state->last_log_time > Duration::Millis(state->config.pod_stdout_timeout)) {
    std::optional<OperationProgress> reported = state->ReportedLocked();
    still_running = !Ended(state->phase);
    if (reported.has_value() && reported->processing_state == ProcessingState::kComplete) {
      // The handler finished its work but did not end (or did not print the end line): its
      // report stands (§15.4 item 6).
      outcome = state->DoneLocked(now);
      handler_done = true;
    } else {
      outcome = state->FailedLocked("Failed to follow kubernetes pod: " + state->pod +
                                        ": Stdout log tail indicates no log activity for over " +
                                        std::to_string(state->config.pod_stdout_timeout) + "ms",
                                    now);
    }
  }
  if (!outcome.has_value()) return;
  const bool reap = state->config.reap_completed_pods || still_running;
  lock.Unlock();
  // The annotations as they are now (a last report may be newer than the watch's event).
  if (Result<PodInfo> pod = options_.pods->GetPod(ns, state->pod); pod.ok()) {
    MutexLock refresh(state->mu);
    if (pod->annotations != state->annotations) {
      state->annotations = pod->annotations;
      if (handler_done) outcome = state->DoneLocked(now);
    }
  }
  if (reap) {
    Status deleted_status = options_.pods->DeletePod(ns, state->pod);
    if (!deleted_status.ok() && deleted_status.code() != ErrorCode::kNotFound && options_.log) {
      options_.log("could not delete pod " + state->pod + ": " + deleted_status.message());
    }
  }
  MutexLock again(state->mu);
  state->FinishLocked(std::move(*outcome));
}

}  // namespace pop
