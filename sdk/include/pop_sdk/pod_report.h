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
// TLS is always verified. The patches are paced by a ProgressReporter (progress_reporter.h, spec
// §16 item 4): the latest report at most every 5 s (the first and the COMPLETE one at once);
// when the channel is closed, up to 5 more attempts, 1 s apart, deliver the final report (with
// the payload annotation). The service account needs `patch` on `pods` in its namespace.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "pop_sdk/handler_environment.h"
#include "pop_sdk/progress_reporter.h"
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

// The channel that patches `target`'s annotations, paced by the clock of `env` (its `now` and
// `wait_until`; without `wait_until`, the system clock's).
std::unique_ptr<ReportChannel> PodReportChannel(PodReportTarget target,
                                                const HandlerEnvironment& env,
                                                ProgressReporterOptions options = {});

}  // namespace pop::sdk
