// `pop executor --launch kubernetes`: the flags that make the executor run its non-resident
// operations as Kubernetes pods (docs/kubernetes.md, spec §14.4, §15), and the pieces built from
// them: the API client (kubeconfig file or in-cluster) and the KubernetesLauncher over the
// pod-config registry.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "adapters/kubernetes/kubernetes_client.h"
#include "adapters/kubernetes/kubernetes_launcher.h"
#include "core/base/result.h"
#include "ports/clock.h"

namespace CLI {
class App;
}  // namespace CLI

namespace pop::cli {

struct KubeLaunchConfig {
  std::string launch = "local";  // local | kubernetes
  // Empty: MY_POD_NAMESPACE (an executor pod's own namespace, which the puller puts there), else
  // "pop".
  std::string namespace_name;
  std::string kubeconfig;    // empty: in-cluster configuration
  std::string pod_registry;  // the pod-config registry file (the original's registry.json)
  std::string zone;          // pop.kubernetes.zone
  std::string payload_type = "envVar";  // pop.payload.outputType: envVar | compressedEnvVar
  bool reap_self =
      true;  // executor.reap.self: delete the executor's own pod (MY_POD_NAME) at the end
};

// Adds --launch, --namespace, --kubeconfig, --pod-registry, --zone and --payload-type.
void AddKubeLaunchFlags(CLI::App& command, KubeLaunchConfig& config);

struct KubeLaunchParts {
  std::unique_ptr<KubernetesClient> client;
  std::unique_ptr<KubernetesLauncher> launcher;
};

// Builds the client and the launcher; `resident` names the types the launcher leaves alone.
// Errors name the flag: "--pod-registry: registry: 'basePodConfig' is required ...",
// "--launch kubernetes needs --pod-registry FILE".
[[nodiscard]] Result<KubeLaunchParts> MakeKubeLaunch(
    const KubeLaunchConfig& config, const Clock& clock,
    std::function<bool(const std::string&)> resident, std::function<void(const std::string&)> log);

}  // namespace pop::cli
