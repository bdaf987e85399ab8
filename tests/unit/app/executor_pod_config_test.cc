// The registry's `executor` entry (spec §15.1 layering) as `pop puller --launch kubernetes`
// reads it: layers, and errors that name the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/executor_pods.h"
#include "core/codec/json_text.h"

namespace pop::app {
namespace {

using ::testing::HasSubstr;

Result<ExecutorPodConfig> Parse(const std::string& text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return ParseExecutorPodConfig(*json);
}

TEST(ExecutorPodConfigTest, LayersCoreDefaultsThenBasePodConfigThenTheExecutorsPodConfig) {
  Result<ExecutorPodConfig> config = Parse(R"({
    "basePodConfig": {"cpuMinRequestCount": "250m", "podScheduledTimeoutMs": 600000,
                      "envVars": {"A": "base"}, "pullAlways": true},
    "executor": {"configMapName": "pop-executor-01",
                 "podConfig": {"imageName": "repo/fhexec:1.0.0", "namePrefix": "pop-exec",
                               "arguments": ["executor"], "envVars": {"B": "exec"}}},
    "sample": {"podConfig": {"imageName": "repo/fhsamp:1.0.0"}}})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->image, "repo/fhexec:1.0.0");
  EXPECT_EQ(config->name_prefix, "pop-exec");
  EXPECT_EQ(config->cpu_request, "250m");
  EXPECT_EQ(config->cpu_limit, "1.0");                // the core default
  EXPECT_EQ(config->service_account, "pop-service");  // the core default
  EXPECT_EQ(config->scheduled_timeout, Duration::Millis(600'000));
  EXPECT_TRUE(config->pull_always);
  EXPECT_EQ(config->arguments, std::vector<std::string>{"executor"});
  // Maps are replaced by a later layer, never merged.
  EXPECT_EQ(config->env_vars, (std::map<std::string, std::string>{{"B", "exec"}}));
  EXPECT_EQ(config->config_map, "pop-executor-01");
}

TEST(ExecutorPodConfigTest, ErrorsNameTheField) {
  EXPECT_THAT(Parse(R"({"executor": {"podConfig": {"imageName": "x"}}})").error().message,
              HasSubstr("basePodConfig is required"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {}})").error().message,
              HasSubstr("executor: the pod registry has no executor entry"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {}, "executor": {"podConfig": {}}})").error().message,
              HasSubstr("executor.podConfig.imageName: is required"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {"podScheduledTimeoutMs": "soon"},
                        "executor": {"podConfig": {"imageName": "x"}}})")
                  .error()
                  .message,
              HasSubstr("basePodConfig.podScheduledTimeoutMs: must be a positive number"));
  EXPECT_THAT(Parse(R"({"basePodConfig": {},
                        "executor": {"podConfig": {"imageName": "x", "arguments": [1]}}})")
                  .error()
                  .message,
              HasSubstr("executor.podConfig.arguments: must be a list of strings"));
}

}  // namespace
}  // namespace pop::app
