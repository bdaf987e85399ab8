// KubernetesLauncher: the Launcher port with a Kubernetes pod per operation (spec §15, §16). Each
// Launch builds the type's pod from the pod-config registry (§15.1, §15.2; payload per §15.3),
// creates it and follows it per §15.4: the pod must be Running (or finished) within
// podScheduledTimeoutMs; its log is read while it runs and a log silent for podStdoutTimeout ms
// fails it; a finished pod counts as done once its endOfLogIdentifier (HandlerComplete) line was
// seen; progress comes from the pod's `pop.report.progress` annotation, the output from
// `pop.report.payload`; a failure carries the last log lines; reapCompletedPods deletes the pod.
//
// No thread per pod: one watch of the launcher's own pods (label pop.launcher=<id>) keeps every
// pod's phase and annotations, and one follower thread visits the live pods once per tick,
// reading each one's log with a plain (non-follow) request and taking the bytes beyond those it
// had. That costs one request per running pod per tick and re-reads the whole log each time
// (Kubernetes has no byte offset for logs): fine for handler logs of kilobytes, not for
// megabytes. Every operation's log goes to the executor through TakeNewLog. Cancel deletes the
// pod. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "core/kube/pod_config.h"
#include "core/kube/pod_spec.h"
#include "ports/clock.h"
#include "ports/kubernetes_pods.h"
#include "ports/launcher.h"
#include "ports/mutex.h"

namespace pop {

struct KubernetesLauncherOptions {
  KubernetesPods* pods = nullptr;  // not owned; outlives the launcher
  const Clock* clock = nullptr;    // not owned; the timeouts and the times it writes
  std::string namespace_name = "pop";
  PodConfigRegistry registry;
  std::optional<std::string> zone;  // pop.kubernetes.zone
  PodPayloadOptions payload;        // pop.payload.outputType, payload.compression.*
  // Types this launcher leaves to others (resident types), even when the registry names them.
  std::function<bool(const std::string&)> exclude;
  std::function<std::string()> new_uuid;  // pod name suffixes and the launcher's id
  // How often the follower visits each pod (the original: 1 s).
  std::chrono::milliseconds tick = std::chrono::seconds(1);
  // Log bytes kept per operation between two TakeNewLog() calls; older ones are dropped.
  size_t max_pending_log_bytes = size_t{1} << 20;
  // Where the launcher says what it could not do (a pod it could not delete); may be empty.
  std::function<void(const std::string&)> log;
};

class KubernetesLauncher final : public Launcher {
 public:
  // Starts the watch and the follower. Errors: kInvalidArgument (no pods, clock or uuid source),
  // the watch's error (RBAC: list/watch pods in the namespace).
  [[nodiscard]] static Result<std::unique_ptr<KubernetesLauncher>> Create(
      KubernetesLauncherOptions options);
  // Stops following; pods still running are deleted and their Wait() returns "was cancelled".
  ~KubernetesLauncher() override;
  KubernetesLauncher(const KubernetesLauncher&) = delete;
  KubernetesLauncher& operator=(const KubernetesLauncher&) = delete;

  bool Handles(const std::string& type) const override;
  // Creates the pod and returns. Errors: kNotFound ("Unknown operation type found: <type> on
  // operation: <name>"), kInvalidArgument (payload too large), the API's error creating it.
  [[nodiscard]] Result<std::unique_ptr<LaunchedOperation>> Launch(const LaunchSpec& spec) override;

  // The label selector of this launcher's pods ("pop.launcher=<id>").
  std::string selector() const;

  struct PodState;

 private:
  explicit KubernetesLauncher(KubernetesLauncherOptions options);
  void OnEvent(const PodEvent& event);
  void FollowLoop();
  // One visit of one pod by the follower.
  void Visit(const std::shared_ptr<PodState>& state);

  const KubernetesLauncherOptions options_;
  const std::string id_;
  std::unique_ptr<PodWatch> watch_;

  Mutex mu_;
  std::condition_variable wake_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::map<std::string, std::shared_ptr<PodState>> pods_ POP_GUARDED_BY(mu_);  // by pod name
  // Pods whose watch event said they ended or were deleted since the follower last looked: it
  // visits them at once instead of at its next tick, so an operation's end is noticed within
  // milliseconds (the tick stays the period of the full rounds: log follow, timeouts).
  std::set<std::string> ended_ POP_GUARDED_BY(mu_);
  std::thread follower_;
};

}  // namespace pop
