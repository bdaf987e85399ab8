#include "cli/kube_launch.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "adapters/system/random_id_generator.h"

namespace pop::cli {

void AddKubeLaunchFlags(CLI::App& command, KubeLaunchConfig& config) {
  command
      .add_option("--launch", config.launch,
                  "where non-resident operations run: local (child processes, --registry) or "
                  "kubernetes (a pod each, --pod-registry)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "kubernetes"}));
  command.add_option("--namespace", config.namespace_name,
                     "Kubernetes namespace of the pods (default: MY_POD_NAMESPACE, the executor "
                     "pod's own, else pop)");
  command.add_option("--kubeconfig", config.kubeconfig,
                     "kubeconfig file (default: the pod's in-cluster service account)");
  command.add_option("--pod-registry", config.pod_registry,
                     "pod-config registry: operation type -> image (docs/kubernetes.md)");
  command.add_option("--zone", config.zone, "node label the pods must carry (pop.kubernetes.zone)");
  command
      .add_option("--payload-type", config.payload_type,
                  "how payloads reach pods: envVar or compressedEnvVar")
      ->capture_default_str()
      ->check(CLI::IsMember({"envVar", "compressedEnvVar"}));
  command
      .add_option("--reap-self", config.reap_self,
                  "executor.reap.self: in a pod (MY_POD_NAME), delete it after the final report")
      ->capture_default_str();
}

Result<KubeLaunchParts> MakeKubeLaunch(const KubeLaunchConfig& config, const Clock& clock,
                                       std::function<bool(const std::string&)> resident,
                                       std::function<void(const std::string&)> log) {
  if (config.pod_registry.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--launch kubernetes needs --pod-registry FILE");
  }
  std::ifstream in(config.pod_registry);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument, "--pod-registry: cannot read " + config.pod_registry);
  }
  std::stringstream text;
  text << in.rdbuf();
  Result<PodConfigRegistry> registry = PodConfigRegistry::Parse(text.str());
  if (!registry.ok()) {
    return Error(registry.error().code,
                 "--pod-registry " + config.pod_registry + ": " + registry.error().message);
  }
  Result<KubernetesConfig> kube =
      config.kubeconfig.empty()
          ? InClusterKubernetesConfig([](const char* name) { return std::getenv(name); })
          : LoadKubeconfig(config.kubeconfig);
  if (!kube.ok()) {
    return Error(kube.error().code,
                 (config.kubeconfig.empty() ? "in-cluster configuration: " : "--kubeconfig: ") +
                     kube.error().message);
  }
  KubeLaunchParts parts;
  POP_ASSIGN_OR_RETURN(parts.client, KubernetesClient::Create(std::move(kube).value(), clock));
  KubernetesLauncherOptions options;
  options.pods = parts.client.get();
  options.clock = &clock;
  if (!config.namespace_name.empty()) {
    options.namespace_name = config.namespace_name;
  } else if (const char* own = std::getenv("MY_POD_NAMESPACE"); own != nullptr && own[0] != '\0') {
    options.namespace_name =
        own;  // the executor pod's: with --namespace-per-customer, its customer's
  } else {
    options.namespace_name = "pop";
  }
  options.registry = std::move(registry).value();
  if (!config.zone.empty()) options.zone = config.zone;
  options.payload.type = config.payload_type == "compressedEnvVar"
                             ? PodPayloadType::kCompressedEnvVar
                             : PodPayloadType::kEnvVar;
  options.exclude = std::move(resident);
  auto ids = std::make_shared<RandomIdGenerator>();
  options.new_uuid = [ids] { return ids->NewId(); };
  options.log = std::move(log);
  POP_ASSIGN_OR_RETURN(parts.launcher, KubernetesLauncher::Create(std::move(options)));
  return parts;
}

}  // namespace pop::cli
