// `pop puller --executor-ca`: the checks made when the puller starts, so that a CA the executor
// pods could never use is refused at once instead of failing every Agenda later: the server the
// pods reach must be https://, and the ConfigMap or Secret must exist and hold the key, when
// Kubernetes lets the puller look (its Role covers pods only, as deploy/ ships it; then nothing
// can be said, and a missing object leaves the pods Pending until podScheduledTimeoutMs).
#pragma once

#include <string>

#include "adapters/kubernetes/kubernetes_client.h"
#include "core/base/result.h"
#include "core/kube/server_ca.h"
#include "ports/logger.h"

namespace pop::cli {

// Errors (kInvalidArgument, naming --executor-ca): `server_url` is not https://; the object
// does not exist in `namespace_name`, or has no such key. An object the puller may not read is
// logged as unchecked, not refused; an empty `namespace_name` checks the scheme only.
[[nodiscard]] Status CheckExecutorServerCa(KubernetesClient& client,
                                           const std::string& namespace_name,
                                           const std::string& server_url, const ServerCaSource& ca,
                                           Logger& logger);

}  // namespace pop::cli
