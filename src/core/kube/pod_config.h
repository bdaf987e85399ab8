// The pod-config registry of spec §15.1: which image (and which pod settings) runs each operation
// type as a Kubernetes pod, in the original's JSON format (`basePodConfig` plus one entry per
// type, `executor` for the puller's executor pods). Pure; thread-compatible (a parsed registry is
// immutable and may be shared).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"

namespace pop {

struct PodKeyPath {
  std::string key;
  std::string path;
};

struct PodConfigMapSetting {
  std::string config_map_name;
  std::string volume_name;
  std::string volume_mount_path;
  std::vector<PodKeyPath> map_key_paths;
};

struct PodNfsSetting {
  std::string nfs_server;
  std::string nfs_server_path;
  std::vector<std::string> nfs_mount_paths;
  bool nfs_read_only = false;
};

struct PodAliveCheck {
  std::string alive_check_host;  // empty: $(MY_POD_IP)
  std::string alive_path;
  int64_t alive_port = 0;
  bool alive_check_linking = false;
  int64_t alive_check_interval = 2;
  int64_t alive_check_failure_threshold = 10;
};

// The effective settings of one type (JSON names in comments where they differ).
struct PodConfig {
  std::string name_prefix;  // namePrefix
  std::string image_name;   // imageName
  std::vector<std::string> arguments;
  std::map<std::string, std::string> env_vars;  // envVars
  std::string service_account_name = "pop-service";
  std::string cpu_min_request_count = "1.0";
  std::string cpu_max_request_count = "1.0";
  std::string memory_request_count;  // empty: no memory request
  bool reap_completed_pods = false;
  bool pull_always = false;
  int64_t pod_scheduled_timeout_ms = 300000;
  int64_t pod_stdout_timeout = 120000;  // ms without a log line before the pod is given up
  std::string end_of_log_identifier = "HandlerComplete";
  std::string log_line_expectation;
  bool enable_output_scraping = false;
  bool use_tainted_nodes = false;
  std::string tainted_node_selector;
  std::string tainted_node_toleration;
  bool default_empty_dir_logging = false;
  bool docker_privileged = false;
  int64_t pod_retry_count = 0;
  int64_t retry_delay_milli_secs = 3000;
  std::vector<PodConfigMapSetting> config_map_settings;
  std::vector<PodNfsSetting> nfs_settings;
  std::optional<PodAliveCheck> alive_check_details;
  std::map<std::string, std::string> labels;
};

// The registry file: the layers of every type, kept as JSON until a type is asked for.
class PodConfigRegistry {
 public:
  PodConfigRegistry() = default;  // empty: no types
  // Parses and checks the whole file: every entry must produce a valid PodConfig. Unknown fields
  // are ignored (the original's files carry some, e.g. configMapDetails). Errors
  // (kInvalidArgument) name the field: "registry: 'sample.podConfig.podScheduledTimeoutMs' must
  // be an integer, got a string"; a file without basePodConfig: "registry: 'basePodConfig' is
  // required (the original: The specified JSON file is missing: defaultConfigMap.json)".
  [[nodiscard]] static Result<PodConfigRegistry> Parse(std::string_view text);
  [[nodiscard]] static Result<PodConfigRegistry> FromJson(const Json& root);

  // The effective PodConfig of `type` (core defaults, basePodConfig, the type's podConfig, then
  // its configMapName on the first config-map entry); a copy. kNotFound for a type not in the
  // file: "Unknown operation type found: <type>".
  [[nodiscard]] Result<PodConfig> ConfigFor(const std::string& type) const;
  bool Contains(const std::string& type) const;
  // The operation types it names (basePodConfig excluded), sorted.
  std::vector<std::string> Types() const;

 private:
  Json base_;                          // basePodConfig
  std::map<std::string, Json> types_;  // type -> its entry ({configMapName, podConfig})
};

// The core defaults of §15.1 as the JSON object the layers start from.
Json DefaultPodConfigJson();
// Decodes one layered PodConfig object; errors name fields under `where`. With
// `check_combinations`, settings that need each other are checked too (useTaintedNodes needs
// taintedNodeSelector and taintedNodeToleration).
[[nodiscard]] Result<PodConfig> DecodePodConfig(const Json& object, const std::string& where,
                                                bool check_combinations = true);

}  // namespace pop
