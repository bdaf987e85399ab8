// The registry's `executor` entry (spec §15.1 layering) as `pop puller --launch kubernetes`
// reads it, through the registry parser `pop executor --launch kubernetes` uses for the operation
// types: layers, the ConfigMap the executor pod mounts, and errors that name the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/executor_pods.h"
#include "core/codec/json_text.h"

namespace pop::app {
namespace {

using ::testing::HasSubstr;

Result<PodConfig> Parse(const std::string& text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return ParseExecutorPodConfig(*json);
}

TEST(ExecutorPodConfigTest, LayersCoreDefaultsThenBasePodConfigThenTheExecutorsPodConfig) {
  Result<PodConfig> config = Parse(R"({
    "basePodConfig": {"cpuMinRequestCount": "250m", "podScheduledTimeoutMs": 600000,
                      "envVars": {"A": "base"}, "pullAlways": true},
    "executor": {"configMapName": "pop-executor-01",
                 "podConfig": {"imageName": "repo/fhexec:1.0.0", "namePrefix": "pop-exec",
                               "arguments": ["executor"], "envVars": {"B": "exec"}}},
    "sample": {"podConfig": {"imageName": "repo/fhsamp:1.0.0"}}})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->image_name, "repo/fhexec:1.0.0");
  EXPECT_EQ(config->name_prefix, "pop-exec");
  EXPECT_EQ(config->cpu_min_request_count, "250m");
  EXPECT_EQ(config->cpu_max_request_count, "1.0");         // the core default
  EXPECT_EQ(config->service_account_name, "pop-service");  // the core default
  EXPECT_EQ(config->pod_scheduled_timeout_ms, 600'000);
  EXPECT_TRUE(config->pull_always);
  EXPECT_EQ(config->arguments, std::vector<std::string>{"executor"});
  // Maps are replaced by a later layer, never merged.
  EXPECT_EQ(config->env_vars, (std::map<std::string, std::string>{{"B", "exec"}}));
  // configMapName names the defaults' config-map entry, mounted at /app/config.
  ASSERT_EQ(config->config_map_settings.size(), 1U);
  EXPECT_EQ(config->config_map_settings[0].config_map_name, "pop-executor-01");
  EXPECT_EQ(config->config_map_settings[0].volume_mount_path, "/app/config");
}

TEST(ExecutorPodConfigTest, TheExecutorMountsTheRegistryItReadsWhenItsEntrySaysSo) {
  Result<PodConfig> config = Parse(R"({"basePodConfig": {},
    "executor": {"configMapName": "pop-registry",
                 "podConfig": {"imageName": "pop:1", "configMapSettings": [
                   {"volumeName": "config-volume", "volumeMountPath": "/app/config",
                    "mapKeyPaths": [{"key": "registry.json", "path": "registry.json"}]}]}}})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->config_map_settings.size(), 1U);
  EXPECT_EQ(config->config_map_settings[0].config_map_name, "pop-registry");
  ASSERT_EQ(config->config_map_settings[0].map_key_paths.size(), 1U);
  EXPECT_EQ(config->config_map_settings[0].map_key_paths[0].key, "registry.json");
}

TEST(ExecutorPodConfigTest, ErrorsNameTheField) {
  EXPECT_THAT(Parse(R"({"executor": {"podConfig": {"imageName": "x"}}})").error().message,
              HasSubstr("'basePodConfig' is required"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {}})").error().message,
              HasSubstr("executor: the pod registry has no executor entry"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {}, "executor": {"podConfig": {}}})").error().message,
              HasSubstr("'executor.podConfig.imageName' is required"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {"podScheduledTimeoutMs": "soon"},
                        "executor": {"podConfig": {"imageName": "x"}}})")
                  .error()
                  .message,
              HasSubstr("'basePodConfig.podScheduledTimeoutMs' must be an integer"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {},
                        "executor": {"podConfig": {"imageName": "x", "arguments": [1]}}})")
                  .error()
                  .message,
              HasSubstr("'executor.podConfig.arguments[0]' must be a string"));
}

}  // namespace
}  // namespace pop::app
