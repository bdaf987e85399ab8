// The report channel of a handler running in a Kubernetes pod (spec §15.4, §16): each report
// merge-patches the handler's own pod (MY_POD_NAME): annotation `pop.report.progress` holds the
// OperationProgress JSON, `pop.report.payload` the result JSON (written with the COMPLETE
// report). The API server and credentials are the pod's service account, read from the standard
// in-cluster places, each of which a variable overrides (for a test kubelet, or a pod whose
// account is mounted elsewhere):
//   server     POP_KUBE_SERVER, else https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
//   token      POP_KUBE_TOKEN_FILE, else /var/run/secrets/kubernetes.io/serviceaccount/token
//   CA         POP_KUBE_CA_FILE, else /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
//   namespace  POP_KUBE_NAMESPACE, else .../serviceaccount/namespace
// TLS is always verified. A report that cannot be delivered is retried (up to 5 attempts, 1 s
// apart) when it is the COMPLETE one; an EXECUTING report that fails is dropped (the next one
// carries newer progress). The service account needs `patch` on `pods` in its namespace.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "pop_sdk/handler_environment.h"
#include "pop_sdk/report_channel.h"

namespace pop::sdk {

inline constexpr char kPodNameVar[] = "MY_POD_NAME";

struct PodReportTarget {
  std::string server;  // https://host:port
  std::string namespace_name;
  std::string pod;
  std::string token;
  std::string ca_file;
};

// The target of this pod, when MY_POD_NAME is set: nullopt when it is not (not in a pod).
// Errors (kUnavailable) name what is missing: "in a pod (MY_POD_NAME=x) but no API server:
// KUBERNETES_SERVICE_HOST is not set".
[[nodiscard]] Result<std::optional<PodReportTarget>> PodReportTargetFrom(
    const HandlerEnvironment& env);

// The channel that patches `target`'s annotations.
std::unique_ptr<ReportChannel> PodReportChannel(PodReportTarget target);

}  // namespace pop::sdk
