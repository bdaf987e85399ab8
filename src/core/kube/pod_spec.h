// The pod an operation (or an executor) runs in, spec §15.2, and how its payload travels in its
// environment, §15.3. Pure: the manifest is a function of the PodConfig and the inputs (the uuid
// and the compressor are the caller's). Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/kube/pod_config.h"

namespace pop {

// Annotations a handler writes on its own pod (spec §15.4).
inline constexpr char kPodProgressAnnotation[] = "pop.report.progress";
inline constexpr char kPodPayloadAnnotation[] = "pop.report.payload";
// Labels pop adds to every pod it creates besides the original's app / EXTERNAL_ID /
// EXTERNAL_GROUP_ID: what the pod is ("operation" or "executor"), the Agenda it belongs to, and
// (operation pods) the launcher following it.
inline constexpr char kPodRoleLabel[] = "pop.role";
inline constexpr char kPodAgendaLabel[] = "pop.agendaId";
inline constexpr char kPodLauncherLabel[] = "pop.launcher";

using EnvList = std::vector<std::pair<std::string, std::string>>;

// pop.payload.outputType.
enum class PodPayloadType { kEnvVar, kCompressedEnvVar };

struct PodPayloadOptions {
  PodPayloadType type = PodPayloadType::kEnvVar;
  // envVar payloads longer than this go compressed anyway (an environment is not unbounded).
  size_t max_plain_bytes = 100'000;
  size_t segment_chars = 100'000;  // payload.compression.maxSegmentSize
  size_t max_compressed_chars = size_t{1} << 20;
};

// zlib deflate with its header (the caller's: core links no compression library).
using DeflateFunction = std::function<Result<std::string>(std::string_view)>;

// The variables carrying `payload`: {PAYLOAD, POP_PAYLOAD_TYPE=envVar} or
// {POP_PAYLOAD_TYPE=compressedEnvVar, POP_COMPRESSED_PAYLOAD_0, _1, ...} (Base64 of the deflated
// bytes in segments of segment_chars; at least one). Errors: kInvalidArgument "payload of
// operation <name> is <N> bytes; too large to pass in a pod's environment" beyond
// max_compressed_chars; the deflate function's error.
[[nodiscard]] Result<EnvList> PodPayloadEnv(std::string_view payload,
                                            const std::string& operation_name,
                                            const PodPayloadOptions& options,
                                            const DeflateFunction& deflate);

// What a handler pod receives besides its payload (spec §15.2, §16).
struct HandlerPodEnvInput {
  std::string operation_name;
  std::optional<std::string> operation_id;
  std::string operation_type;
  std::string agenda_id;
  std::string cid;
  std::string customer_id;
  std::optional<std::string> last_progress;
  std::string log_level = "INFO";
};
// LOG_LEVEL, the payload variables, AGENDA_ID, CID, CUSTOMER_ID (when not empty),
// OPERATION_NAME, OPERATION_TYPE, OPERATION_ID (when set), LAST_PROGRESS (when set).
EnvList HandlerPodEnv(const HandlerPodEnvInput& input, const EnvList& payload_env);

struct PodManifestInput {
  std::string namespace_name;
  std::string uuid;                           // the pod name is namePrefix + uuid
  std::optional<std::string> zone;            // pop.kubernetes.zone: nodeSelector <zone>: "true"
  EnvList env;                                // the execution variables (after podConfig.envVars)
  std::map<std::string, std::string> labels;  // pop's own labels (role, agenda, launcher)
};

// The pod's name for a config and uuid.
std::string PodName(const PodConfig& config, const std::string& uuid);
// A label value Kubernetes accepts made from `text`: at most 63 characters of [A-Za-z0-9-_.],
// others replaced by '-', starting and ending with an alphanumeric (empty when none is left).
std::string PodLabelValue(std::string_view text);

// The Pod manifest (apiVersion v1, kind Pod) of spec §15.2. A configMapSettings entry without a
// configMapName (the defaults' entry of a type that names none) mounts nothing.
Json BuildPodManifest(const PodConfig& config, const PodManifestInput& input);

}  // namespace pop
