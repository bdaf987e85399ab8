// KubernetesPods: what pop's app layer asks of a Kubernetes cluster: pods created from a manifest,
// read, listed by label selector, deleted, their annotations and status merge-patched, their
// logs followed, and a watch per namespace + label selector that dispatches pod events to one
// callback (so following many pods costs no thread per pod). Pods come back as plain structs;
// the Kubernetes JSON stays in the adapter (adapters/kubernetes). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"
#include "core/json/json.h"

namespace pop {

struct PodContainerStatus {
  std::string name;
  std::string state;             // "waiting", "running", "terminated" or "" (unknown)
  std::optional<int> exit_code;  // terminated only
  std::string reason;            // e.g. "Completed", "Error", "ImagePullBackOff"
  std::string message;
  std::optional<Timestamp> finished_at;  // terminated only, when Kubernetes says
};

struct PodInfo {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown ("" before any status)
  std::string node_name;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<PodContainerStatus> containers;
  bool is_deleting = false;             // metadata.deletionTimestamp is set
  std::optional<Timestamp> created_at;  // metadata.creationTimestamp
  std::optional<Timestamp> start_time;  // status.startTime
};

struct PodList {
  std::vector<PodInfo> pods;
  std::string resource_version;  // where a watch of the same selector resumes
};

// What a SelfSubjectAccessReview answered: may the caller do this?
struct PodAccess {
  bool allowed = false;
  std::string reason;  // Kubernetes's, when it gave one (often empty on a denial)
};

enum class PodEventType { kAdded, kModified, kDeleted };

struct PodEvent {
  PodEventType type = PodEventType::kAdded;
  PodInfo pod;
};

// A running watch; destroying it (or Stop) ends it and joins its thread. Stop is idempotent.
class PodWatch {
 public:
  virtual ~PodWatch() = default;
  virtual void Stop() = 0;
};

class KubernetesPods {
 public:
  virtual ~KubernetesPods() = default;

  // Errors of every call: kPermissionDenied (RBAC; the message names verb, resource and
  // namespace), kUnauthenticated (credentials refused), kNotFound, kConflict (exists already,
  // or a stale resourceVersion), kInvalidArgument (the API server refused the object; its
  // message), kUnavailable (unreachable, or 429/5xx after the retries).
  [[nodiscard]] virtual Result<PodInfo> CreatePod(const std::string& namespace_name,
                                                  const Json& manifest) = 0;
  [[nodiscard]] virtual Result<PodInfo> GetPod(const std::string& namespace_name,
                                               const std::string& name) = 0;
  // label_selector as Kubernetes writes it: "a=b,c!=d"; empty lists every pod. An empty
  // namespace lists the pods of every namespace (PodInfo::namespace_name says whose).
  [[nodiscard]] virtual Result<PodList> ListPods(const std::string& namespace_name,
                                                 const std::string& label_selector) = 0;
  // Deletes at once (grace period 0). kNotFound when there is no such pod.
  [[nodiscard]] virtual Status DeletePod(const std::string& namespace_name,
                                         const std::string& name) = 0;
  // Sets (value) or removes (nullopt) annotations with a JSON merge-patch; others are kept.
  [[nodiscard]] virtual Result<PodInfo> PatchPodAnnotations(
      const std::string& namespace_name, const std::string& name,
      const std::map<std::string, std::optional<std::string>>& annotations) = 0;
  // A JSON merge-patch of the pod's status subresource (`status` is the new "status" object;
  // lists such as containerStatuses are replaced whole).
  [[nodiscard]] virtual Result<PodInfo> PatchPodStatus(const std::string& namespace_name,
                                                       const std::string& name,
                                                       const Json& status) = 0;
  // Streams a container's log (follow) to `on_data` until the container's log ends, `on_data`
  // returns false (then Status OK) or the connection fails. Blocks the calling thread.
  [[nodiscard]] virtual Status FollowLog(const std::string& namespace_name, const std::string& name,
                                         const std::string& container,
                                         const std::function<bool(std::string_view)>& on_data) = 0;
  // The container's whole log so far (no follow): one request that does not wait for more.
  // Lets one thread read the logs of many pods in turn (the KubernetesLauncher's follower), so
  // it is given a short timeout (the client: 5 s).
  [[nodiscard]] virtual Result<std::string> ReadLog(const std::string& namespace_name,
                                                    const std::string& name,
                                                    const std::string& container) = 0;
  // Whether the caller may `verb` (create, delete, ...) `resource` (pods, pods/log, ...) in
  // `namespace_name`, asked with a SelfSubjectAccessReview: nothing is created or changed.
  [[nodiscard]] virtual Result<PodAccess> ReviewAccess(const std::string& namespace_name,
                                                       const std::string& verb,
                                                       const std::string& resource) = 0;
  // Starts one watch of the pods matching `label_selector`: first an kAdded event for every pod
  // that exists, then each change as it happens, on one thread of the watch. A watch whose
  // resourceVersion expired (410 Gone) lists again and reports what it finds as kAdded/kModified
  // (and kDeleted for pods gone meanwhile); a lost connection resumes with backoff. `on_event`
  // must not block for long; it is never called after Stop returns. An empty namespace watches
  // every namespace.
  [[nodiscard]] virtual Result<std::unique_ptr<PodWatch>> WatchPods(
      const std::string& namespace_name, const std::string& label_selector,
      std::function<void(const PodEvent&)> on_event) = 0;
};

}  // namespace pop
