// KubernetesClient: the KubernetesPods port over the Kubernetes REST API with libcurl (no
// kubectl): TLS always verified, bearer token or client certificate, retries with backoff on
// 429 and 5xx, every API error turned into a message that says what was refused and why (an
// RBAC denial names the verb, the resource and the namespace). curl.h stays in the .cc.
// Thread-safe; each call checks out its own curl handle, handles keep their connections.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/kubernetes/kubernetes_config.h"
#include "core/base/time.h"
#include "ports/clock.h"
#include "ports/kubernetes_pods.h"

namespace pop {

struct KubernetesClientOptions {
  Duration request_timeout = Duration::Seconds(30);  // one non-streaming request
  int max_attempts = 5;  // per request, counting the first (429/5xx retried)
  Duration initial_backoff = Duration::Millis(200);  // doubled per retry, up to max_backoff
  Duration max_backoff = Duration::Seconds(5);
  Duration watch_timeout = Duration::Seconds(300);  // a watch request is renewed after this
};

// One line of a watch stream as the watch loop needs it.
struct PodWatchLine {
  std::string type;    // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  PodInfo pod;         // ADDED/MODIFIED/DELETED; BOOKMARK: only resource_version
  int error_code = 0;  // ERROR: the Status's code (410: the resourceVersion expired)
  std::string error_message;
};

class KubernetesClient final : public KubernetesPods {
 public:
  // `clock` outlives the client (backoff waits go through it). Errors: kInvalidArgument when
  // the configuration has no server or a PEM file cannot be read; kInternal when libcurl cannot
  // be initialised.
  [[nodiscard]] static Result<std::unique_ptr<KubernetesClient>> Create(
      KubernetesConfig config, const Clock& clock, KubernetesClientOptions options = {});
  ~KubernetesClient() override;
  KubernetesClient(const KubernetesClient&) = delete;
  KubernetesClient& operator=(const KubernetesClient&) = delete;

  const KubernetesConfig& config() const { return config_; }

  [[nodiscard]] Result<PodInfo> CreatePod(const std::string& namespace_name,
                                          const Json& manifest) override;
  [[nodiscard]] Result<PodInfo> GetPod(const std::string& namespace_name,
                                       const std::string& name) override;
  [[nodiscard]] Result<PodList> ListPods(const std::string& namespace_name,
                                         const std::string& label_selector) override;
  [[nodiscard]] Status DeletePod(const std::string& namespace_name,
                                 const std::string& name) override;
  [[nodiscard]] Result<PodInfo> PatchPodAnnotations(
      const std::string& namespace_name, const std::string& name,
      const std::map<std::string, std::optional<std::string>>& annotations) override;
  [[nodiscard]] Result<PodInfo> PatchPodStatus(const std::string& namespace_name,
                                               const std::string& name,
                                               const Json& status) override;
  [[nodiscard]] Status FollowLog(const std::string& namespace_name, const std::string& name,
                                 const std::string& container,
                                 const std::function<bool(std::string_view)>& on_data) override;
  [[nodiscard]] Result<std::string> ReadLog(const std::string& namespace_name,
                                            const std::string& name,
                                            const std::string& container) override;
  [[nodiscard]] Result<PodAccess> ReviewAccess(const std::string& namespace_name,
                                               const std::string& verb,
                                               const std::string& resource) override;
  [[nodiscard]] Result<std::unique_ptr<PodWatch>> WatchPods(
      const std::string& namespace_name, const std::string& label_selector,
      std::function<void(const PodEvent&)> on_event) override;

  // Any request to the API server as the configured user: `path` from the server's root (with
  // its query), `body` sent when not empty with `content_type`. Returns the response body of a
  // 2xx answer; other statuses become errors as described on KubernetesPods. For tests and
  // tools that need objects other than pods (nodes, bindings, service accounts).
  [[nodiscard]] Result<std::string> Request(const std::string& method, const std::string& path,
                                            const std::string& body = "",
                                            const std::string& content_type = "application/json");

  // One watch request from `resource_version`: calls `on_line` per event until the server ends
  // the stream (OK), `stop` becomes true (OK; checked at least once a second), or an error.
  // Used by the watch loop; a 410 answer is kConflict with "expired" in the message.
  [[nodiscard]] Status StreamPodWatch(const std::string& namespace_name,
                                      const std::string& label_selector,
                                      const std::string& resource_version,
                                      const std::function<void(const PodWatchLine&)>& on_line,
                                      const std::atomic<bool>& stop);

  // URL-encodes a query parameter value.
  static std::string QueryEscape(std::string_view value);

  struct Call;

 private:
  class HandlePool;
  KubernetesClient(KubernetesConfig config, const Clock& clock, KubernetesClientOptions options,
                   std::unique_ptr<HandlePool> pool);

  Result<std::string> Perform(const Call& call);

  const KubernetesConfig config_;
  const Clock& clock_;
  const KubernetesClientOptions options_;
  std::unique_ptr<HandlePool> pool_;
};

}  // namespace pop
