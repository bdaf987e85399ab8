#include "adapters/kubernetes/kubernetes_pod_watch.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>
#include <utility>

#include "ports/mutex.h"

namespace pop {
namespace {

// Confined to its thread, except Stop (any thread) and the constructor.
class PodWatchLoop final : public PodWatch {
 public:
  PodWatchLoop(KubernetesClient& client, const Clock& clock, KubernetesClientOptions options,
               std::string namespace_name, std::string label_selector,
               std::function<void(const PodEvent&)> on_event)
      : client_(client),
        clock_(clock),
        options_(options),
        namespace_name_(std::move(namespace_name)),
        label_selector_(std::move(label_selector)),
        on_event_(std::move(on_event)) {}

  ~PodWatchLoop() override { Stop(); }
  PodWatchLoop(const PodWatchLoop&) = delete;
  PodWatchLoop& operator=(const PodWatchLoop&) = delete;

  // Lists once on the caller's thread (errors come back to it), then starts the loop.
  Status Start() {
    POP_ASSIGN_OR_RETURN(PodList list, client_.ListPods(namespace_name_, label_selector_));
    initial_ = std::move(list);
    thread_ = std::thread([this] { Run(); });
    return Status::Ok();
  }

  void Stop() override {
    stop_.store(true);
    {
      MutexLock lock(wait_mu_);
      wake_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::string resource_version;
    if (initial_) {
      Reconcile(*initial_);
      resource_version = initial_->resource_version;
      initial_.reset();
    }
    Duration backoff = options_.initial_backoff;
    while (!stop_.load()) {
      if (resource_version.empty()) {
        Result<PodList> list = client_.ListPods(namespace_name_, label_selector_);
        if (!list.ok()) {
          // Logged nowhere: the caller sees the pods it follows stop changing; the loop keeps
          // trying (an unreachable API server comes back, a watch must not end by itself).
          Wait(backoff);
          backoff = std::min(backoff + backoff, options_.max_backoff);
          continue;
        }
        Reconcile(*list);
        resource_version = list->resource_version;
      }
      bool expired = false;
      const Status streamed = client_.StreamPodWatch(
          namespace_name_, label_selector_, resource_version,
          [&](const PodWatchLine& line) {
            if (line.type == "ERROR") {
              // 410: the resourceVersion is too old (compacted, or the server restarted).
              if (line.error_code == 410) expired = true;
              return;
            }
            if (!line.pod.resource_version.empty()) resource_version = line.pod.resource_version;
            if (line.type == "BOOKMARK") return;
            Dispatch(line.type, line.pod);
          },
          stop_);
      if (expired || (!streamed.ok() && streamed.message().find("410 Gone") != std::string::npos)) {
        resource_version.clear();
        continue;
      }
      if (!streamed.ok()) {
        Wait(backoff);
        backoff = std::min(backoff + backoff, options_.max_backoff);
        continue;
      }
      backoff = options_.initial_backoff;
    }
  }

  // known_'s key: a watch of every namespace may see one name in two of them.
  static std::string Key(const PodInfo& pod) { return pod.namespace_name + "/" + pod.name; }

  void Dispatch(const std::string& type, const PodInfo& pod) {
    if (stop_.load()) return;
    PodEvent event;
    event.pod = pod;
    if (type == "DELETED") {
      event.type = PodEventType::kDeleted;
      known_.erase(Key(pod));
    } else {
      event.type = known_.count(Key(pod)) != 0 ? PodEventType::kModified : PodEventType::kAdded;
      known_[Key(pod)] = pod.resource_version;
    }
    on_event_(event);
  }

  // After a (re-)list: what changed since the pods this watch knew.
  void Reconcile(const PodList& list) {
    std::map<std::string, std::string> seen;
    for (const PodInfo& pod : list.pods) {
      seen[Key(pod)] = pod.resource_version;
      const auto it = known_.find(Key(pod));
      if (it == known_.end() || it->second != pod.resource_version) Dispatch("MODIFIED", pod);
    }
    std::vector<std::string> gone;
    for (const auto& [key, version] : known_) {
      if (seen.count(key) == 0) gone.push_back(key);
    }
    for (const std::string& key : gone) {
      PodInfo pod;
      const size_t slash = key.find('/');
      pod.namespace_name = key.substr(0, slash);
      pod.name = key.substr(slash + 1);
      Dispatch("DELETED", pod);
    }
  }

  void Wait(Duration duration) {
    MutexLock lock(wait_mu_);
    const Timestamp deadline = clock_.Now() + duration;
    while (!stop_.load() && clock_.Now() < deadline) wait_mu_.WaitUntil(clock_, wake_, deadline);
  }

  KubernetesClient& client_;
  const Clock& clock_;
  const KubernetesClientOptions options_;
  const std::string namespace_name_;
  const std::string label_selector_;
  const std::function<void(const PodEvent&)> on_event_;
  std::optional<PodList> initial_;            // set before the thread starts, then its own
  std::map<std::string, std::string> known_;  // Key → resourceVersion; the thread's own
  std::atomic<bool> stop_{false};
  Mutex wait_mu_;  // only for the backoff wait, which Stop interrupts
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<PodWatch>> StartPodWatch(KubernetesClient& client, const Clock& clock,
                                                const KubernetesClientOptions& options,
                                                const std::string& namespace_name,
                                                const std::string& label_selector,
                                                std::function<void(const PodEvent&)> on_event) {
  auto loop = std::make_unique<PodWatchLoop>(client, clock, options, namespace_name, label_selector,
                                             std::move(on_event));
  POP_RETURN_IF_ERROR(loop->Start());
  return std::unique_ptr<PodWatch>(std::move(loop));
}

}  // namespace pop
