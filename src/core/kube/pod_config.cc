#include "core/kube/pod_config.h"

#include <utility>

#include "core/codec/json_text.h"

namespace pop {
namespace {

Error FieldError(const std::string& field, const std::string& expected, const Json& got) {
  return Error(ErrorCode::kInvalidArgument, "registry: '" + field + "' must be " + expected +
                                                ", got " + JsonTypeDescription(got.type()));
}

// Readers of one field of `object`; an absent or null field leaves `out` as it is.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status String(std::string_view key, std::string& out) const {
    const Json* value = Get(key);
    if (value == nullptr) return Status::Ok();
    if (value->is_string()) {
      out = value->AsString();
      return Status::Ok();
    }
    // The original's quantities are strings, but a bare number ("cpu": 1) means the same.
    if (value->is_number()) {
      out = ToJsonText(*value);
      return Status::Ok();
    }
    return FieldError(Name(key), "a string", *value);
  }
  Status Bool(std::string_view key, bool& out) const {
    const Json* value = Get(key);
    if (value == nullptr) return Status::Ok();
    if (!value->is_bool()) return FieldError(Name(key), "true or false", *value);
    out = value->AsBool();
    return Status::Ok();
  }
  Status Int(std::string_view key, int64_t& out, int64_t min) const {
    const Json* value = Get(key);
    if (value == nullptr) return Status::Ok();
    if (!value->is_integer()) return FieldError(Name(key), "an integer", *value);
    if (value->AsInt() < min) {
      return Error(ErrorCode::kInvalidArgument, "registry: '" + Name(key) + "' must be at least " +
                                                    std::to_string(min) + ", got " +
                                                    std::to_string(value->AsInt()));
    }
    out = value->AsInt();
    return Status::Ok();
  }
  Status Strings(std::string_view key, std::vector<std::string>& out) const {
    const Json* value = Get(key);
    if (value == nullptr) return Status::Ok();
    if (!value->is_array()) return FieldError(Name(key), "an array of strings", *value);
    std::vector<std::string> items;
    for (size_t i = 0; i < value->AsArray().size(); ++i) {
      const Json& item = value->AsArray()[i];
      if (!item.is_string()) {
        return FieldError(Name(key) + "[" + std::to_string(i) + "]", "a string", item);
      }
      items.push_back(item.AsString());
    }
    out = std::move(items);
    return Status::Ok();
  }
  Status StringMap(std::string_view key, std::map<std::string, std::string>& out) const {
    const Json* value = Get(key);
    if (value == nullptr) return Status::Ok();
    if (!value->is_object()) return FieldError(Name(key), "an object of strings", *value);
    std::map<std::string, std::string> items;
    for (const auto& [name, item] : value->AsObject()) {
      if (!item.is_string()) return FieldError(Name(key) + "." + name, "a string", item);
      items[name] = item.AsString();
    }
    out = std::move(items);
    return Status::Ok();
  }
  // The array at `key`, each element checked to be an object; nullptr when absent.
  Result<const JsonArray*> Objects(std::string_view key) const {
    const Json* value = Get(key);
    if (value == nullptr) return static_cast<const JsonArray*>(nullptr);
    if (!value->is_array()) return FieldError(Name(key), "an array of objects", *value);
    for (size_t i = 0; i < value->AsArray().size(); ++i) {
      if (!value->AsArray()[i].is_object()) {
        return FieldError(Name(key) + "[" + std::to_string(i) + "]", "an object",
                          value->AsArray()[i]);
      }
    }
    return &value->AsArray();
  }
  const Json* Get(std::string_view key) const {
    const Json* value = object_.Find(key);
    return value == nullptr || value->is_null() ? nullptr : value;
  }
  std::string Name(std::string_view key) const { return where_ + "." + std::string(key); }

 private:
  const Json& object_;
  const std::string where_;
};

Result<PodConfigMapSetting> DecodeConfigMapSetting(const Json& object, const std::string& where) {
  FieldReader read(object, where);
  PodConfigMapSetting setting;
  POP_RETURN_IF_ERROR(read.String("configMapName", setting.config_map_name));
  POP_RETURN_IF_ERROR(read.String("volumeName", setting.volume_name));
  POP_RETURN_IF_ERROR(read.String("volumeMountPath", setting.volume_mount_path));
  POP_ASSIGN_OR_RETURN(const JsonArray* paths, read.Objects("mapKeyPaths"));
  if (paths != nullptr) {
    for (size_t i = 0; i < paths->size(); ++i) {
      FieldReader path_read((*paths)[i], read.Name("mapKeyPaths") + "[" + std::to_string(i) + "]");
      PodKeyPath key_path;
      POP_RETURN_IF_ERROR(path_read.String("key", key_path.key));
      POP_RETURN_IF_ERROR(path_read.String("path", key_path.path));
      setting.map_key_paths.push_back(std::move(key_path));
    }
  }
  return setting;
}

Result<PodNfsSetting> DecodeNfsSetting(const Json& object, const std::string& where) {
  FieldReader read(object, where);
  PodNfsSetting setting;
  POP_RETURN_IF_ERROR(read.String("nfsServer", setting.nfs_server));
  POP_RETURN_IF_ERROR(read.String("nfsServerPath", setting.nfs_server_path));
  POP_RETURN_IF_ERROR(read.Strings("nfsMountPaths", setting.nfs_mount_paths));
  POP_RETURN_IF_ERROR(read.Bool("nfsReadOnly", setting.nfs_read_only));
  return setting;
}

Result<PodAliveCheck> DecodeAliveCheck(const Json& object, const std::string& where) {
  FieldReader read(object, where);
  PodAliveCheck check;
  POP_RETURN_IF_ERROR(read.String("aliveCheckHost", check.alive_check_host));
  POP_RETURN_IF_ERROR(read.String("alivePath", check.alive_path));
  POP_RETURN_IF_ERROR(read.Int("alivePort", check.alive_port, 0));
  POP_RETURN_IF_ERROR(read.Bool("aliveCheckLinking", check.alive_check_linking));
  POP_RETURN_IF_ERROR(read.Int("aliveCheckInterval", check.alive_check_interval, 1));
  POP_RETURN_IF_ERROR(
      read.Int("aliveCheckFailureThreshold", check.alive_check_failure_threshold, 1));
  return check;
}

// Applies `layer` over `into`: each top-level field replaces the one before (spec §15.1).
Status ApplyLayer(JsonObject& into, const Json& layer, const std::string& where) {
  if (layer.is_null()) return Status::Ok();
  if (!layer.is_object()) return FieldError(where, "an object", layer);
  for (const auto& [key, value] : layer.AsObject()) {
    if (!value.is_null()) into.Set(key, value);
  }
  return Status::Ok();
}

}  // namespace

Json DefaultPodConfigJson() {
  return Json(JsonObject{
      {"serviceAccountName", "pop-service"},
      {"endOfLogIdentifier", "HandlerComplete"},
      {"configMapSettings",
       Json(JsonArray{Json(JsonObject{
           {"volumeName", "config-volume"},
           {"volumeMountPath", "/app/config"},
           {"mapKeyPaths",
            Json(JsonArray{
                Json(JsonObject{{"key", "external-properties"}, {"path", "external.properties"}}),
                Json(JsonObject{{"key", "env-properties"}, {"path", "env.properties"}})})}})})},
      {"podScheduledTimeoutMs", 300000},
      {"podStdoutTimeout", 120000},
      {"cpuMinRequestCount", "1.0"},
      {"cpuMaxRequestCount", "1.0"},
      {"podRetryCount", 0},
      {"retryDelayMilliSecs", 3000}});
}

Result<PodConfig> DecodePodConfig(const Json& object, const std::string& where,
                                  bool check_combinations) {
  if (!object.is_object()) return FieldError(where, "an object", object);
  FieldReader read(object, where);
  PodConfig config;
  POP_RETURN_IF_ERROR(read.String("namePrefix", config.name_prefix));
  POP_RETURN_IF_ERROR(read.String("imageName", config.image_name));
  POP_RETURN_IF_ERROR(read.Strings("arguments", config.arguments));
  POP_RETURN_IF_ERROR(read.StringMap("envVars", config.env_vars));
  POP_RETURN_IF_ERROR(read.String("serviceAccountName", config.service_account_name));
  POP_RETURN_IF_ERROR(read.String("cpuMinRequestCount", config.cpu_min_request_count));
  POP_RETURN_IF_ERROR(read.String("cpuMaxRequestCount", config.cpu_max_request_count));
  POP_RETURN_IF_ERROR(read.String("memoryRequestCount", config.memory_request_count));
  POP_RETURN_IF_ERROR(read.Bool("reapCompletedPods", config.reap_completed_pods));
  POP_RETURN_IF_ERROR(read.Bool("pullAlways", config.pull_always));
  POP_RETURN_IF_ERROR(read.Int("podScheduledTimeoutMs", config.pod_scheduled_timeout_ms, 1));
  POP_RETURN_IF_ERROR(read.Int("podStdoutTimeout", config.pod_stdout_timeout, 1));
  POP_RETURN_IF_ERROR(read.String("endOfLogIdentifier", config.end_of_log_identifier));
  POP_RETURN_IF_ERROR(read.String("logLineExpectation", config.log_line_expectation));
  POP_RETURN_IF_ERROR(read.Bool("enableOutputScraping", config.enable_output_scraping));
  POP_RETURN_IF_ERROR(read.Bool("useTaintedNodes", config.use_tainted_nodes));
  POP_RETURN_IF_ERROR(read.String("taintedNodeSelector", config.tainted_node_selector));
  POP_RETURN_IF_ERROR(read.String("taintedNodeToleration", config.tainted_node_toleration));
  POP_RETURN_IF_ERROR(read.Bool("defaultEmptyDirLogging", config.default_empty_dir_logging));
  POP_RETURN_IF_ERROR(read.Bool("dockerPrivileged", config.docker_privileged));
  POP_RETURN_IF_ERROR(read.Int("podRetryCount", config.pod_retry_count, 0));
  POP_RETURN_IF_ERROR(read.Int("retryDelayMilliSecs", config.retry_delay_milli_secs, 0));
  POP_RETURN_IF_ERROR(read.StringMap("labels", config.labels));
  POP_ASSIGN_OR_RETURN(const JsonArray* maps, read.Objects("configMapSettings"));
  if (maps != nullptr) {
    for (size_t i = 0; i < maps->size(); ++i) {
      POP_ASSIGN_OR_RETURN(PodConfigMapSetting setting,
                           DecodeConfigMapSetting((*maps)[i], read.Name("configMapSettings") + "[" +
                                                                  std::to_string(i) + "]"));
      config.config_map_settings.push_back(std::move(setting));
    }
  }
  POP_ASSIGN_OR_RETURN(const JsonArray* nfs, read.Objects("nfsSettings"));
  if (nfs != nullptr) {
    for (size_t i = 0; i < nfs->size(); ++i) {
      POP_ASSIGN_OR_RETURN(
          PodNfsSetting setting,
          DecodeNfsSetting((*nfs)[i], read.Name("nfsSettings") + "[" + std::to_string(i) + "]"));
      config.nfs_settings.push_back(std::move(setting));
    }
  }
  if (const Json* alive = read.Get("aliveCheckDetails"); alive != nullptr) {
    if (!alive->is_object()) return FieldError(read.Name("aliveCheckDetails"), "an object", *alive);
    POP_ASSIGN_OR_RETURN(PodAliveCheck check,
                         DecodeAliveCheck(*alive, read.Name("aliveCheckDetails")));
    config.alive_check_details = std::move(check);
  }
  if (check_combinations && config.use_tainted_nodes &&
      (config.tainted_node_selector.empty() || config.tainted_node_toleration.empty())) {
    return Error(ErrorCode::kInvalidArgument,
                 "registry: '" + where +
                     ".useTaintedNodes' needs both taintedNodeSelector and taintedNodeToleration");
  }
  return config;
}

Result<PodConfigRegistry> PodConfigRegistry::Parse(std::string_view text) {
  Result<Json> root = ParseJson(text);
  if (!root.ok()) {
    return Error(ErrorCode::kInvalidArgument, "registry: not JSON: " + root.error().message);
  }
  return FromJson(*root);
}

Result<PodConfigRegistry> PodConfigRegistry::FromJson(const Json& root) {
  if (!root.is_object()) return FieldError("(top level)", "an object", root);
  const Json* base = root.Find("basePodConfig");
  if (base == nullptr || base->is_null()) {
    return Error(ErrorCode::kInvalidArgument,
                 "registry: 'basePodConfig' is required (the original: The specified JSON file "
                 "is missing: defaultConfigMap.json)");
  }
  if (!base->is_object()) return FieldError("basePodConfig", "an object", *base);
  // basePodConfig's own fields first, so that an error in it names it (the combinations are
  // checked per type: a type may complete what the base starts).
  POP_RETURN_IF_ERROR(DecodePodConfig(*base, "basePodConfig", false).status());
  PodConfigRegistry registry;
  registry.base_ = *base;
  for (const auto& [type, entry] : root.AsObject()) {
    if (type == "basePodConfig") continue;
    if (!entry.is_object()) return FieldError(type, "an object", entry);
    if (const Json* name = entry.Find("configMapName");
        name != nullptr && !name->is_null() && !name->is_string()) {
      return FieldError(type + ".configMapName", "a string", *name);
    }
    if (const Json* pod = entry.Find("podConfig");
        pod != nullptr && !pod->is_null() && !pod->is_object()) {
      return FieldError(type + ".podConfig", "an object", *pod);
    }
    registry.types_[type] = entry;
    // Every entry must decode now, so that a bad file is refused at load, not mid-Agenda.
    POP_RETURN_IF_ERROR(registry.ConfigFor(type).status());
  }
  return registry;
}

Result<PodConfig> PodConfigRegistry::ConfigFor(const std::string& type) const {
  const auto it = types_.find(type);
  if (it == types_.end()) {
    return Error(ErrorCode::kNotFound, "Unknown operation type found: " + type);
  }
  JsonObject layered = DefaultPodConfigJson().AsObject();
  POP_RETURN_IF_ERROR(ApplyLayer(layered, base_, "basePodConfig"));
  const Json* pod = it->second.Find("podConfig");
  if (pod != nullptr) POP_RETURN_IF_ERROR(ApplyLayer(layered, *pod, type + ".podConfig"));
  // basePodConfig was checked on its own at load: an error here is in the type's podConfig.
  POP_ASSIGN_OR_RETURN(PodConfig config,
                       DecodePodConfig(Json(std::move(layered)), type + ".podConfig"));
  const Json* map_name = it->second.Find("configMapName");
  if (map_name != nullptr && map_name->is_string()) {
    if (config.config_map_settings.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "registry: '" + type +
                       ".configMapName' is set but the podConfig has no configMapSettings entry");
    }
    config.config_map_settings.front().config_map_name = map_name->AsString();
  }
  return config;
}

bool PodConfigRegistry::Contains(const std::string& type) const { return types_.count(type) != 0; }

std::vector<std::string> PodConfigRegistry::Types() const {
  std::vector<std::string> types;
  types.reserve(types_.size());
  for (const auto& [type, entry] : types_) types.push_back(type);
  return types;
}

}  // namespace pop
