// The pod-config registry of spec §15.1: the original's file format, the layering rules, errors
// naming the field.
#include "core/kube/pod_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_data.h"

namespace pop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

PodConfigRegistry Load(const std::string& text) {
  Result<PodConfigRegistry> registry = PodConfigRegistry::Parse(text);
  EXPECT_TRUE(registry.ok()) << registry.error().message;
  return std::move(registry).value();
}

TEST(PodConfigRegistryTest, TheOriginalsRegistryFileLoadsUnchanged) {
  PodConfigRegistry registry =
      Load(testing::ReadFile(testing::TestDataDir() / "kubernetes" / "registry.json"));
  EXPECT_THAT(registry.Types(), ElementsAre("executor", "sample"));

  Result<PodConfig> executor = registry.ConfigFor("executor");
  ASSERT_TRUE(executor.ok()) << executor.error().message;
  EXPECT_EQ(executor->image_name, "you.docker.repo/fhexec:1.0.0");
  EXPECT_EQ(executor->name_prefix, "pop-exec");
  // basePodConfig over the core defaults.
  EXPECT_EQ(executor->memory_request_count, "1000m");
  EXPECT_EQ(executor->cpu_min_request_count, "1000m");
  EXPECT_EQ(executor->pod_scheduled_timeout_ms, 600000);
  EXPECT_TRUE(executor->reap_completed_pods);
  EXPECT_TRUE(executor->pull_always);
  // Core defaults no layer touched.
  EXPECT_EQ(executor->service_account_name, "pop-service");
  EXPECT_EQ(executor->end_of_log_identifier, "HandlerComplete");
  EXPECT_EQ(executor->pod_stdout_timeout, 120000);
  EXPECT_EQ(executor->retry_delay_milli_secs, 3000);
  // configMapName lands on the first (default) config-map entry; its keys stay the defaults.
  ASSERT_EQ(executor->config_map_settings.size(), 1U);
  EXPECT_EQ(executor->config_map_settings[0].config_map_name, "pop-executor-01");
  EXPECT_EQ(executor->config_map_settings[0].volume_name, "config-volume");
  EXPECT_EQ(executor->config_map_settings[0].volume_mount_path, "/app/config");
  ASSERT_EQ(executor->config_map_settings[0].map_key_paths.size(), 2U);
  EXPECT_EQ(executor->config_map_settings[0].map_key_paths[1].key, "env-properties");
}

TEST(PodConfigRegistryTest, ATypesListReplacesTheDefaultsListWhole) {
  PodConfigRegistry registry =
      Load(testing::ReadFile(testing::TestDataDir() / "kubernetes" / "registry.json"));
  Result<PodConfig> sample = registry.ConfigFor("sample");
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  ASSERT_EQ(sample->config_map_settings.size(), 1U);
  const PodConfigMapSetting& map = sample->config_map_settings[0];
  EXPECT_EQ(map.config_map_name, "lab-main-t-aor-fhsamp-t01");
  EXPECT_EQ(map.volume_name, "config-volume-ex");
  EXPECT_EQ(map.volume_mount_path, "/configex");
  ASSERT_EQ(map.map_key_paths.size(), 2U);
  EXPECT_EQ(map.map_key_paths[0].key, "1");
  EXPECT_EQ(map.map_key_paths[1].path, "4");
}

TEST(PodConfigRegistryTest, LayersOverwriteTopLevelFieldsInOrder) {
  PodConfigRegistry registry = Load(R"({
    "basePodConfig": {"podStdoutTimeout": 5000, "labels": {"a": "1", "b": "2"},
                      "envVars": {"X": "base"}, "serviceAccountName": "base-sa"},
    "t": {"podConfig": {"namePrefix": "t-", "imageName": "t:1", "labels": {"c": "3"},
                        "podStdoutTimeout": 7000}}
  })");
  Result<PodConfig> config = registry.ConfigFor("t");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->pod_stdout_timeout, 7000);
  EXPECT_EQ(config->service_account_name, "base-sa");
  // Maps are replaced, never merged.
  EXPECT_EQ(config->labels, (std::map<std::string, std::string>{{"c", "3"}}));
  EXPECT_EQ(config->env_vars, (std::map<std::string, std::string>{{"X", "base"}}));
}

TEST(PodConfigRegistryTest, EachRequestGetsItsOwnCopy) {
  PodConfigRegistry registry = Load(R"({"basePodConfig": {}, "t": {"podConfig": {}}})");
  Result<PodConfig> first = registry.ConfigFor("t");
  ASSERT_TRUE(first.ok());
  first->image_name = "changed";
  first->config_map_settings.clear();
  Result<PodConfig> second = registry.ConfigFor("t");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->image_name, "");
  EXPECT_EQ(second->config_map_settings.size(), 1U);
}

TEST(PodConfigRegistryTest, AnUnknownTypeIsNotFound) {
  PodConfigRegistry registry = Load(R"({"basePodConfig": {}})");
  Result<PodConfig> config = registry.ConfigFor("nope");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(config.error().message, "Unknown operation type found: nope");
  EXPECT_FALSE(registry.Contains("nope"));
}

TEST(PodConfigRegistryTest, AllSettingsDecode) {
  PodConfigRegistry registry = Load(R"({"basePodConfig": {}, "t": {"podConfig": {
    "arguments": ["-c", "x"], "useTaintedNodes": true, "taintedNodeSelector": "gpu",
    "taintedNodeToleration": "gpu-only", "defaultEmptyDirLogging": true, "dockerPrivileged": true,
    "podRetryCount": 2, "logLineExpectation": "x", "enableOutputScraping": true,
    "nfsSettings": [{"nfsServer": "nfs.local", "nfsServerPath": "/export", "nfsReadOnly": true,
                     "nfsMountPaths": ["/mnt/a", "/mnt/b"]}],
    "aliveCheckDetails": {"alivePath": "/alive", "alivePort": 8080, "aliveCheckLinking": true}
  }}})");
  Result<PodConfig> config = registry.ConfigFor("t");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_THAT(config->arguments, ElementsAre("-c", "x"));
  EXPECT_TRUE(config->use_tainted_nodes);
  EXPECT_EQ(config->tainted_node_toleration, "gpu-only");
  EXPECT_TRUE(config->default_empty_dir_logging);
  EXPECT_TRUE(config->docker_privileged);
  EXPECT_EQ(config->pod_retry_count, 2);
  ASSERT_EQ(config->nfs_settings.size(), 1U);
  EXPECT_THAT(config->nfs_settings[0].nfs_mount_paths, ElementsAre("/mnt/a", "/mnt/b"));
  EXPECT_TRUE(config->nfs_settings[0].nfs_read_only);
  ASSERT_TRUE(config->alive_check_details.has_value());
  EXPECT_EQ(config->alive_check_details->alive_port, 8080);
  EXPECT_EQ(config->alive_check_details->alive_check_interval, 2);
  EXPECT_EQ(config->alive_check_details->alive_check_failure_threshold, 10);
}

struct BadCase {
  const char* text;
  const char* message;
};

class PodConfigRegistryBadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(PodConfigRegistryBadInputTest, IsRefusedNamingTheField) {
  Result<PodConfigRegistry> registry = PodConfigRegistry::Parse(GetParam().text);
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(registry.error().message, HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PodConfigRegistryBadInputTest,
    ::testing::Values(
        BadCase{R"({"sample": {}})", "'basePodConfig' is required"},
        BadCase{"[]", "'(top level)' must be an object"}, BadCase{"{", "registry: not JSON"},
        BadCase{R"({"basePodConfig": {"podScheduledTimeoutMs": "600000"}, "t": {}})",
                "'basePodConfig.podScheduledTimeoutMs' must be an integer, got a string"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"podScheduledTimeoutMs": 1.5}}})",
                "'t.podConfig.podScheduledTimeoutMs' must be an integer, got a number"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"pullAlways": "yes"}}})",
                "'t.podConfig.pullAlways' must be true or false"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"arguments": ["a", 1]}}})",
                "'t.podConfig.arguments[1]' must be a string"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"envVars": {"A": 1}}}})",
                "'t.podConfig.envVars.A' must be a string"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"podStdoutTimeout": 0}}})",
                "'t.podConfig.podStdoutTimeout' must be at least 1"},
        BadCase{R"({"basePodConfig": {}, "t": {"configMapName": 3}})",
                "'t.configMapName' must be a string"},
        BadCase{R"({"basePodConfig": {}, "t": []})", "'t' must be an object"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"configMapSettings": [1]}}})",
                "'t.podConfig.configMapSettings[0]' must be an object"},
        BadCase{R"({"basePodConfig": {}, "t": {"podConfig": {"useTaintedNodes": true}}})",
                "'t.podConfig.useTaintedNodes' needs both taintedNodeSelector"},
        BadCase{R"({"basePodConfig": {}, "t": {"configMapName": "m",
                   "podConfig": {"configMapSettings": []}}})",
                "'t.configMapName' is set but the podConfig has no configMapSettings entry"}));

}  // namespace
}  // namespace pop
