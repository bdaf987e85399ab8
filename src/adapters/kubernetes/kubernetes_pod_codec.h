// Decoding of the Kubernetes API's pod JSON (a Pod, a PodList, one line of a watch stream) into
// the plain structs of ports/kubernetes_pods.h. Pure; thread-safe.
#pragma once

#include <string_view>

#include "adapters/kubernetes/kubernetes_client.h"
#include "core/base/result.h"
#include "core/json/json.h"
#include "ports/kubernetes_pods.h"

namespace pop {

// Errors: kInternal naming what the API server sent that is not a pod.
[[nodiscard]] Result<PodInfo> DecodePod(const Json& pod);
[[nodiscard]] Result<PodInfo> DecodePodText(std::string_view text);
[[nodiscard]] Result<PodList> DecodePodListText(std::string_view text);
[[nodiscard]] Result<PodWatchLine> DecodeWatchLine(std::string_view line);

}  // namespace pop
