// The watch loop behind KubernetesClient::WatchPods: one thread per namespace + label selector
// that lists, then watches from the list's resourceVersion, dispatching every pod event to one
// callback; it re-lists after a 410 Gone and resumes after a lost connection with backoff.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "adapters/kubernetes/kubernetes_client.h"

namespace pop {

// The first list runs before this returns, so a refused watch (RBAC, unreachable) is an error
// here; its pods are the first kAdded events, delivered on the watch's thread. `client` and
// `clock` outlive the watch.
[[nodiscard]] Result<std::unique_ptr<PodWatch>> StartPodWatch(
    KubernetesClient& client, const Clock& clock, const KubernetesClientOptions& options,
    const std::string& namespace_name, const std::string& label_selector,
    std::function<void(const PodEvent&)> on_event);

}  // namespace pop
