// Where an executor pod finds the CA certificates (PEM) that verify an https:// pop server with a
// private CA (`pop puller --executor-ca`): a key of a ConfigMap or a Secret in the pod's
// namespace, mounted read-only at kServerCaMountPath as the file kServerCaFileName, with
// POP_CA_FILE naming that file (docs/kubernetes.md). Pure.
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/json/json.h"

namespace pop {

struct ServerCaSource {
  enum class Kind { kConfigMap, kSecret };
  Kind kind = Kind::kConfigMap;
  std::string name;
  std::string key = "ca.crt";
};

inline constexpr char kServerCaMountPath[] = "/etc/pop/server-ca";
inline constexpr char kServerCaFileName[] = "ca.crt";
inline constexpr char kServerCaVolume[] = "pop-server-ca";

// `configmap/<name>` or `secret/<name>` (the --executor-ca flag), with `key` (--executor-ca-key).
// Errors: kInvalidArgument naming the flag: not one of those forms, or a name (DNS subdomain) or
// key ([-._a-zA-Z0-9]) Kubernetes would refuse.
[[nodiscard]] Result<ServerCaSource> ParseServerCaSource(std::string_view text,
                                                         const std::string& key);

// Adds to `pod` (a Pod manifest with one container, BuildPodManifest's) the volume
// kServerCaVolume holding `ca`'s key as kServerCaFileName, its read-only mount at
// kServerCaMountPath, and POP_CA_FILE.
void AddServerCaToPod(const ServerCaSource& ca, Json& pod);

}  // namespace pop
