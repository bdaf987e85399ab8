// The operation pod of spec §15.2 and its payload transport, §15.3, against expected manifests.
#include "core/kube/pod_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/base64.h"
#include "core/codec/json_text.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

// A stand-in compressor that is easy to check: the "deflated" bytes are the input reversed.
Result<std::string> Reverse(std::string_view text) {
  return std::string(text.rbegin(), text.rend());
}

Json Parse(const std::string& text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << json.error().message;
  return json.ok() ? *json : Json();
}

PodConfig SampleConfig() {
  Result<PodConfigRegistry> registry = PodConfigRegistry::Parse(R"({
    "basePodConfig": {"memoryRequestCount": "1000m", "cpuMinRequestCount": "500m",
                      "cpuMaxRequestCount": "2", "pullAlways": true},
    "sample": {"configMapName": "samp-01",
               "podConfig": {"imageName": "repo/fhsamp:1.0.0", "namePrefix": "pop-samp",
                             "envVars": {"EXTRA": "x"}, "labels": {"team": "video"}}}})");
  EXPECT_TRUE(registry.ok()) << registry.error().message;
  return registry->ConfigFor("sample").value();
}

TEST(PodSpecTest, AHandlerPodAsSpecified) {
  PodManifestInput input;
  input.namespace_name = "pop";
  input.uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
  input.env = HandlerPodEnv(HandlerPodEnvInput{"encode", std::string("op-7"), "sample", "agenda-1",
                                               "cid-1", "cust-1", std::nullopt, "INFO"},
                            {{"PAYLOAD", "{}"}, {"POP_PAYLOAD_TYPE", "envVar"}});
  input.labels = {{kPodRoleLabel, "operation"}, {kPodAgendaLabel, "agenda-1"}};
  const Json manifest = BuildPodManifest(SampleConfig(), input);
  const Json expected = Parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
      "name": "pop-samp1b4e28ba-2fa1-11d2-883f-0016d3cca427", "namespace": "pop",
      "labels": {"app": "pop-samp", "EXTERNAL_ID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                 "EXTERNAL_GROUP_ID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "team": "video",
                 "pop.role": "operation", "pop.agendaId": "agenda-1"}},
    "spec": {
      "containers": [{
        "name": "pop-samp1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "image": "repo/fhsamp:1.0.0",
        "imagePullPolicy": "Always",
        "env": [
          {"name": "EXTRA", "value": "x"},
          {"name": "LOG_LEVEL", "value": "INFO"},
          {"name": "PAYLOAD", "value": "{}"},
          {"name": "POP_PAYLOAD_TYPE", "value": "envVar"},
          {"name": "AGENDA_ID", "value": "agenda-1"},
          {"name": "CID", "value": "cid-1"},
          {"name": "CUSTOMER_ID", "value": "cust-1"},
          {"name": "OPERATION_NAME", "value": "encode"},
          {"name": "OPERATION_TYPE", "value": "sample"},
          {"name": "OPERATION_ID", "value": "op-7"},
          {"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": {"cpu": "500m", "memory": "1000m"}, "limits": {"cpu": "2"}},
        "volumeMounts": [{"name": "config-volume", "mountPath": "/app/config"}]}],
      "restartPolicy": "Never",
      "serviceAccountName": "pop-service",
      "volumes": [{"name": "config-volume",
                   "configMap": {"name": "samp-01",
                                 "items": [{"key": "external-properties",
                                            "path": "external.properties"},
                                           {"key": "env-properties",
                                            "path": "env.properties"}]}}]}})");
  EXPECT_EQ(manifest, expected) << ToJsonText(manifest);
}

TEST(PodSpecTest, ZoneTaintsVolumesProbeAndPrivileges) {
  PodConfig config = SampleConfig();
  config.config_map_settings.clear();
  config.pull_always = false;
  config.use_tainted_nodes = true;
  config.tainted_node_selector = "gpu";
  config.tainted_node_toleration = "gpu-only";
  config.docker_privileged = true;
  config.default_empty_dir_logging = true;
  config.arguments = {"-propFile", "/app/config/external.properties"};
  config.nfs_settings = {PodNfsSetting{"nfs.local", "/export", {"/mnt/a", "/mnt/b"}, true}};
  config.alive_check_details = PodAliveCheck{"", "/alive", 8080, true, 3, 4};
  config.env_vars.clear();
  config.labels.clear();
  PodManifestInput input;
  input.uuid = "u";
  input.zone = "zone-a";
  const Json manifest = BuildPodManifest(config, input);
  const Json expected = Parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "pop-sampu",
                 "labels": {"app": "pop-samp", "EXTERNAL_ID": "u", "EXTERNAL_GROUP_ID": "u"}},
    "spec": {
      "containers": [{
        "name": "pop-sampu", "image": "repo/fhsamp:1.0.0",
        "args": ["-propFile", "/app/config/external.properties"],
        "securityContext": {"privileged": true},
        "env": [{"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "resources": {"requests": {"cpu": "500m", "memory": "1000m"}, "limits": {"cpu": "2"}},
        "volumeMounts": [{"name": "nfs-0", "mountPath": "/mnt/a"},
                         {"name": "nfs-1", "mountPath": "/mnt/b"},
                         {"name": "log", "mountPath": "/app/dumps"}],
        "livenessProbe": {
          "exec": {"command": ["sh", "-c",
                               "curl -sSf -m 3 -o /dev/null http://${MY_POD_IP}:8080/alive"]},
          "periodSeconds": 3, "failureThreshold": 4, "timeoutSeconds": 5}}],
      "restartPolicy": "Never",
      "serviceAccountName": "pop-service",
      "volumes": [{"name": "nfs-0", "nfs": {"server": "nfs.local", "path": "/export",
                                            "readOnly": true}},
                  {"name": "nfs-1", "nfs": {"server": "nfs.local", "path": "/export",
                                            "readOnly": true}},
                  {"name": "log", "emptyDir": {}}],
      "nodeSelector": {"zone-a": "true"},
      "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 40, "preference": {"matchExpressions": [
          {"key": "dedicated", "operator": "In", "values": ["gpu"]}]}}]}},
      "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu-only",
                       "effect": "NoSchedule"}]}})");
  EXPECT_EQ(manifest, expected) << ToJsonText(manifest);
}

TEST(PodSpecTest, AConfigMapEntryWithoutANameMountsNothing) {
  PodConfig config = SampleConfig();
  config.config_map_settings[0].config_map_name.clear();
  const Json manifest = BuildPodManifest(config, PodManifestInput{});
  const Json& spec = *manifest.Find("spec");
  EXPECT_EQ(spec.Find("volumes"), nullptr);
  EXPECT_EQ(spec.Find("containers")->AsArray()[0].Find("volumeMounts"), nullptr);
}

TEST(PodSpecTest, RerunsCarryTheirPriorProgress) {
  const EnvList env = HandlerPodEnv(
      HandlerPodEnvInput{"a", std::nullopt, "", "", "", "", std::string(R"({"x":1})"), "DEBUG"},
      {});
  EXPECT_EQ(
      env,
      (EnvList{{"LOG_LEVEL", "DEBUG"}, {"OPERATION_NAME", "a"}, {"LAST_PROGRESS", R"({"x":1})"}}));
}

TEST(PodPayloadEnvTest, ASmallPayloadTravelsPlain) {
  Result<EnvList> env = PodPayloadEnv(R"({"a":1})", "op", PodPayloadOptions{}, Reverse);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, (EnvList{{"PAYLOAD", R"({"a":1})"}, {"POP_PAYLOAD_TYPE", "envVar"}}));
}

TEST(PodPayloadEnvTest, CompressedOnRequestAlwaysWritesSegmentZero) {
  PodPayloadOptions options;
  options.type = PodPayloadType::kCompressedEnvVar;
  Result<EnvList> env = PodPayloadEnv("", "op", options, Reverse);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env,
            (EnvList{{"POP_PAYLOAD_TYPE", "compressedEnvVar"}, {"POP_COMPRESSED_PAYLOAD_0", ""}}));
}

// Segment counts for a Base64 text of length L: 100000 -> 1, 100001 -> 2, 500001 -> 6. The
// reversing "compressor" keeps lengths, so L follows from the payload's length (3 bytes -> 4).
TEST(PodPayloadEnvTest, SegmentCountsFollowTheSegmentSize) {
  PodPayloadOptions options;
  options.type = PodPayloadType::kCompressedEnvVar;
  options.segment_chars = 4;
  for (const auto& [bytes, segments] :
       std::vector<std::pair<size_t, size_t>>{{3, 1}, {4, 2}, {15, 5}}) {
    Result<EnvList> env = PodPayloadEnv(std::string(bytes, 'x'), "op", options, Reverse);
    ASSERT_TRUE(env.ok());
    EXPECT_EQ(env->size(), 1 + segments) << bytes;
  }
}

TEST(PodPayloadEnvTest, APayloadOverTheLimitIsCompressedAndReassembles) {
  std::string payload = R"({"data":")" + std::string(150'000, 'y') + R"("})";
  Result<EnvList> env = PodPayloadEnv(payload, "op", PodPayloadOptions{}, Reverse);
  ASSERT_TRUE(env.ok());
  ASSERT_GE(env->size(), 3U);  // the Base64 of 150 KB is over two 100,000-character segments
  EXPECT_EQ((*env)[0],
            (std::pair<std::string, std::string>{"POP_PAYLOAD_TYPE", "compressedEnvVar"}));
  std::string text;
  for (size_t i = 1; i < env->size(); ++i) {
    EXPECT_EQ((*env)[i].first, "POP_COMPRESSED_PAYLOAD_" + std::to_string(i - 1));
    EXPECT_LE((*env)[i].second.size(), 100'000U);
    text += (*env)[i].second;
  }
  std::optional<std::string> decoded = Base64Decode(text);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(std::string(decoded->rbegin(), decoded->rend()), payload);
}

TEST(PodPayloadEnvTest, APayloadTooLargeEvenCompressedIsRefused) {
  PodPayloadOptions options;
  options.max_compressed_chars = 10;
  Result<EnvList> env = PodPayloadEnv(std::string(200'000, 'z'), "big", options, Reverse);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(env.error().message, HasSubstr("payload of operation big is 200000 bytes"));
}

TEST(PodSpecTest, LabelValuesAreMadeAcceptable) {
  EXPECT_EQ(PodLabelValue("agenda-1"), "agenda-1");
  EXPECT_EQ(PodLabelValue("-a b/c-"), "a-b-c");
  EXPECT_EQ(PodLabelValue(std::string(80, 'x')).size(), 63U);
  EXPECT_EQ(PodLabelValue("//"), "");
}

}  // namespace
}  // namespace pop
