#include "core/kube/pod_spec.h"

#include <cctype>
#include <utility>

#include "core/base/base64.h"

namespace pop {
namespace {

Json EnvVar(const std::string& name, const std::string& value) {
  return Json(JsonObject{{"name", name}, {"value", value}});
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

Result<EnvList> PodPayloadEnv(std::string_view payload, const std::string& operation_name,
                              const PodPayloadOptions& options, const DeflateFunction& deflate) {
  EnvList env;
  if (options.type == PodPayloadType::kEnvVar && payload.size() <= options.max_plain_bytes) {
    env.emplace_back("PAYLOAD", std::string(payload));
    env.emplace_back("POP_PAYLOAD_TYPE", "envVar");
    return env;
  }
  POP_ASSIGN_OR_RETURN(std::string deflated, deflate(payload));
  const std::string text = Base64Encode(deflated);
  if (text.size() > options.max_compressed_chars) {
    return Error(ErrorCode::kInvalidArgument,
                 "payload of operation " + operation_name + " is " +
                     std::to_string(payload.size()) +
                     " bytes; too large to pass in a pod's environment");
  }
  const size_t segment = options.segment_chars == 0 ? text.size() + 1 : options.segment_chars;
  env.emplace_back("POP_PAYLOAD_TYPE", "compressedEnvVar");
  size_t index = 0;
  size_t offset = 0;
  do {
    env.emplace_back("POP_COMPRESSED_PAYLOAD_" + std::to_string(index),
                     text.substr(offset, segment));
    offset += segment;
    ++index;
  } while (offset < text.size());
  return env;
}

EnvList HandlerPodEnv(const HandlerPodEnvInput& input, const EnvList& payload_env) {
  EnvList env;
  env.emplace_back("LOG_LEVEL", input.log_level);
  env.insert(env.end(), payload_env.begin(), payload_env.end());
  if (!input.agenda_id.empty()) env.emplace_back("AGENDA_ID", input.agenda_id);
  if (!input.cid.empty()) env.emplace_back("CID", input.cid);
  if (!input.customer_id.empty()) env.emplace_back("CUSTOMER_ID", input.customer_id);
  env.emplace_back("OPERATION_NAME", input.operation_name);
  if (!input.operation_type.empty()) env.emplace_back("OPERATION_TYPE", input.operation_type);
  if (input.operation_id.has_value()) env.emplace_back("OPERATION_ID", *input.operation_id);
  if (input.last_progress.has_value()) env.emplace_back("LAST_PROGRESS", *input.last_progress);
  return env;
}

std::string PodName(const PodConfig& config, const std::string& uuid) {
  return config.name_prefix + uuid;
}

std::string PodLabelValue(std::string_view text) {
  std::string value;
  for (const char c : text) {
    value += IsAlnum(c) || c == '-' || c == '_' || c == '.' ? c : '-';
    if (value.size() == 63) break;
  }
  while (!value.empty() && !IsAlnum(value.back())) value.pop_back();
  size_t start = 0;
  while (start < value.size() && !IsAlnum(value[start])) ++start;
  return value.substr(start);
}

Json BuildPodManifest(const PodConfig& config, const PodManifestInput& input) {
  const std::string name = PodName(config, input.uuid);

  JsonObject labels;
  labels.Set("app", PodLabelValue(config.name_prefix));
  labels.Set("EXTERNAL_ID", input.uuid);
  labels.Set("EXTERNAL_GROUP_ID", input.uuid);
  for (const auto& [key, value] : config.labels) labels.Set(key, value);
  for (const auto& [key, value] : input.labels) labels.Set(key, value);

  JsonArray env;
  for (const auto& [key, value] : config.env_vars) env.push_back(EnvVar(key, value));
  for (const auto& [key, value] : input.env) env.push_back(EnvVar(key, value));
  env.push_back(Json(JsonObject{
      {"name", "MY_POD_NAME"},
      {"valueFrom",
       Json(JsonObject{{"fieldRef", Json(JsonObject{{"fieldPath", "metadata.name"}})}})}}));
  if (config.alive_check_details.has_value() && config.alive_check_details->alive_check_linking &&
      config.alive_check_details->alive_check_host.empty()) {
    env.push_back(Json(JsonObject{
        {"name", "MY_POD_IP"},
        {"valueFrom",
         Json(JsonObject{{"fieldRef", Json(JsonObject{{"fieldPath", "status.podIP"}})}})}}));
  }

  JsonObject requests;
  requests.Set("cpu", config.cpu_min_request_count);
  if (!config.memory_request_count.empty()) requests.Set("memory", config.memory_request_count);

  JsonArray volumes;
  JsonArray mounts;
  for (const PodConfigMapSetting& map : config.config_map_settings) {
    // The defaults' entry names no ConfigMap until a type's configMapName does; without one there
    // is nothing to mount (the API server would refuse the pod).
    if (map.config_map_name.empty()) continue;
    JsonArray items;
    for (const PodKeyPath& item : map.map_key_paths) {
      items.push_back(Json(JsonObject{{"key", item.key}, {"path", item.path}}));
    }
    JsonObject config_map{{"name", map.config_map_name}};
    if (!items.empty()) config_map.Set("items", Json(std::move(items)));
    volumes.push_back(
        Json(JsonObject{{"name", map.volume_name}, {"configMap", Json(std::move(config_map))}}));
    mounts.push_back(
        Json(JsonObject{{"name", map.volume_name}, {"mountPath", map.volume_mount_path}}));
  }
  int nfs_index = 0;
  for (const PodNfsSetting& nfs : config.nfs_settings) {
    for (const std::string& path : nfs.nfs_mount_paths) {
      const std::string volume = "nfs-" + std::to_string(nfs_index++);
      volumes.push_back(
          Json(JsonObject{{"name", volume},
                          {"nfs", Json(JsonObject{{"server", nfs.nfs_server},
                                                  {"path", nfs.nfs_server_path},
                                                  {"readOnly", nfs.nfs_read_only}})}}));
      mounts.push_back(Json(JsonObject{{"name", volume}, {"mountPath", path}}));
    }
  }
  if (config.default_empty_dir_logging) {
    volumes.push_back(Json(JsonObject{{"name", "log"}, {"emptyDir", Json::Object()}}));
    mounts.push_back(Json(JsonObject{{"name", "log"}, {"mountPath", "/app/dumps"}}));
  }

  JsonObject container{{"name", name}, {"image", config.image_name}};
  if (!config.arguments.empty()) {
    JsonArray args;
    for (const std::string& arg : config.arguments) args.push_back(Json(arg));
    container.Set("args", Json(std::move(args)));
  }
  if (config.pull_always) container.Set("imagePullPolicy", "Always");
  if (config.docker_privileged) {
    container.Set("securityContext", Json(JsonObject{{"privileged", true}}));
  }
  container.Set("env", Json(std::move(env)));
  container.Set(
      "resources",
      Json(JsonObject{{"requests", Json(std::move(requests))},
                      {"limits", Json(JsonObject{{"cpu", config.cpu_max_request_count}})}}));
  if (!mounts.empty()) container.Set("volumeMounts", Json(std::move(mounts)));
  if (config.alive_check_details.has_value() && config.alive_check_details->alive_check_linking) {
    const PodAliveCheck& alive = *config.alive_check_details;
    // The probe runs in the container, where MY_POD_IP (the downward API's status.podIP, added
    // to the env below when no host is configured) names the pod itself.
    const std::string host =
        alive.alive_check_host.empty() ? "${MY_POD_IP}" : alive.alive_check_host;
    const std::string url =
        "http://" + host + ":" + std::to_string(alive.alive_port) + alive.alive_path;
    container.Set(
        "livenessProbe",
        Json(JsonObject{
            {"exec",
             Json(JsonObject{
                 {"command",
                  Json(JsonArray{"sh", "-c", Json("curl -sSf -m 3 -o /dev/null " + url)})}})},
            {"periodSeconds", alive.alive_check_interval},
            {"failureThreshold", alive.alive_check_failure_threshold},
            {"timeoutSeconds", 5}}));
  }

  JsonObject spec;
  spec.Set("containers", Json(JsonArray{Json(std::move(container))}));
  spec.Set("restartPolicy", "Never");
  spec.Set("serviceAccountName", config.service_account_name);
  if (!volumes.empty()) spec.Set("volumes", Json(std::move(volumes)));
  if (input.zone.has_value() && !input.zone->empty()) {
    spec.Set("nodeSelector", Json(JsonObject{{*input.zone, "true"}}));
  }
  if (config.use_tainted_nodes) {
    spec.Set(
        "affinity",
        Json(JsonObject{
            {"nodeAffinity",
             Json(JsonObject{
                 {"preferredDuringSchedulingIgnoredDuringExecution",
                  Json(JsonArray{Json(JsonObject{
                      {"weight", 40},
                      {"preference",
                       Json(JsonObject{
                           {"matchExpressions",
                            Json(JsonArray{Json(JsonObject{
                                {"key", "dedicated"},
                                {"operator", "In"},
                                {"values", Json(JsonArray{Json(
                                               config.tainted_node_selector)})}})})}})}})})}})}}));
    spec.Set("tolerations",
             Json(JsonArray{Json(JsonObject{{"key", "dedicated"},
                                            {"operator", "Equal"},
                                            {"value", config.tainted_node_toleration},
                                            {"effect", "NoSchedule"}})}));
  }

  JsonObject metadata{{"name", name}, {"labels", Json(std::move(labels))}};
  if (!input.namespace_name.empty()) metadata.Set("namespace", input.namespace_name);
  return Json(JsonObject{{"apiVersion", "v1"},
                         {"kind", "Pod"},
                         {"metadata", Json(std::move(metadata))},
                         {"spec", Json(std::move(spec))}});
}

}  // namespace pop
