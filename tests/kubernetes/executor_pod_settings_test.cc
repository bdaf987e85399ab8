// What reaches an executor pod besides its Agenda, and what `pop executor` does with its own pod
// (the fixture: puller_pods_fixture.h): the server's base path and a private CA (a ConfigMap or a
// Secret mounted read-only, POP_CA_FILE), read back from the API server; `pop puller
// --executor-ca` refused for an http server or a missing object; the executor's namespace taken
// from MY_POD_NAMESPACE; `--reap-self false` leaving the executor's pod.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/kube/pod_spec.h"
#include "kubernetes/puller_pods_fixture.h"

namespace pop::kubetest {
namespace {

using ::testing::HasSubstr;

// A pod's container env (by name), volumes (by name) and volume mounts (by name), as the API
// server keeps them.
struct StoredPodSpec {
  std::map<std::string, Json> env;
  std::map<std::string, Json> volumes;
  std::map<std::string, Json> mounts;
};

StoredPodSpec ReadPodSpec(KubernetesClient& admin, const std::string& ns, const std::string& pod) {
  StoredPodSpec stored;
  auto raw = admin.Request("GET", "/api/v1/namespaces/" + ns + "/pods/" + pod);
  EXPECT_TRUE(raw.ok()) << raw.error().message;
  Result<Json> manifest = raw.ok() ? ParseJson(*raw) : Result<Json>(raw.error());
  if (!manifest.ok()) return stored;
  const Json& spec = *manifest->Find("spec");
  const Json& container = spec.Find("containers")->AsArray()[0];
  auto by_name = [](const Json* list, std::map<std::string, Json>& out) {
    if (list == nullptr || !list->is_array()) return;
    for (const Json& item : list->AsArray()) out[Field(item, "name")] = item;
  };
  by_name(container.Find("env"), stored.env);
  by_name(spec.Find("volumes"), stored.volumes);
  by_name(container.Find("volumeMounts"), stored.mounts);
  return stored;
}

// `args` without the first occurrence of `flag` and the value after it.
std::vector<std::string> WithoutFlag(std::vector<std::string> args, const std::string& flag) {
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (*it == flag && it + 1 != args.end()) {
      args.erase(it, it + 2);
      break;
    }
  }
  return args;
}

using ExecutorPodSettingsTest = PullerPodsTest;

TEST_F(ExecutorPodSettingsTest, TheBasePathAndTheServersCaFromAConfigMapReachTheExecutorPod) {
  app::ExecutorPodsOptions options = Options();
  options.pod.image_name = "missing:1";  // stays Pending: only its spec matters here
  options.server_url = "https://pop.example:9443";
  options.base_path = "/api/pop";
  options.server_ca = ServerCaSource{ServerCaSource::Kind::kConfigMap, "pop-ca", "bundle.pem"};
  StartPuller(options);
  const std::string agenda_id = Submit(R"([{"name":"a","type":"noop","payload":{}}])").first;
  std::vector<PodInfo> pods;
  ASSERT_TRUE(PollUntil(
      [&] {
        pods = AgendaPods(agenda_id);
        return !pods.empty();
      },
      seconds(20)));

  StoredPodSpec pod = ReadPodSpec(*admin_, ns_, pods[0].name);
  EXPECT_EQ(Field(pod.env["POP_ADDR"], "value"), "https://pop.example:9443");
  EXPECT_EQ(Field(pod.env["POP_BASE_PATH"], "value"), "/api/pop");
  EXPECT_EQ(Field(pod.env["POP_CA_FILE"], "value"), "/etc/pop/server-ca/ca.crt");
  const Json* config_map = pod.volumes["pop-server-ca"].Find("configMap");
  ASSERT_NE(config_map, nullptr) << ToJsonText(pod.volumes["pop-server-ca"]);
  EXPECT_EQ(Field(*config_map, "name"), "pop-ca");
  EXPECT_EQ(ToJsonText(*config_map->Find("items")), R"([{"key":"bundle.pem","path":"ca.crt"}])");
  EXPECT_EQ(Field(pod.mounts["pop-server-ca"], "mountPath"), "/etc/pop/server-ca");
  ASSERT_NE(pod.mounts["pop-server-ca"].Find("readOnly"), nullptr);
  EXPECT_TRUE(pod.mounts["pop-server-ca"].Find("readOnly")->AsBool());

  // The same from a Secret: the manifest this puller would make, accepted by the API server.
  options.server_ca = ServerCaSource{ServerCaSource::Kind::kSecret, "pop-ca", "ca.crt"};
  app::ExecutorPods secret_pods(
      app::ExecutorPodsDeps{clock_, *admin_, *pool_, ids_, logger_,
                            [](std::string_view payload, const std::string& name) {
                              return local_process::PayloadEnvironment(payload, name);
                            }},
      options);
  Agenda agenda;
  agenda.id = "secret-ca";
  agenda.customer_id = "acme";
  Result<Json> manifest = secret_pods.Manifest("secret-ca", "ins", agenda, std::nullopt);
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  Result<PodInfo> created = admin_->CreatePod(ns_, *manifest);
  ASSERT_TRUE(created.ok()) << created.error().message;
  pod = ReadPodSpec(*admin_, ns_, created->name);
  const Json* secret = pod.volumes["pop-server-ca"].Find("secret");
  ASSERT_NE(secret, nullptr) << ToJsonText(pod.volumes["pop-server-ca"]);
  EXPECT_EQ(Field(*secret, "secretName"), "pop-ca");
  EXPECT_EQ(ToJsonText(*secret->Find("items")), R"([{"key":"ca.crt","path":"ca.crt"}])");
  EXPECT_EQ(Field(pod.env["POP_CA_FILE"], "value"), "/etc/pop/server-ca/ca.crt");
}

// The puller's own checks of --executor-ca, before it claims anything: the binary, as deploy/
// runs it, with the test cluster's admin kubeconfig.
TEST(PullerExecutorCaFlagTest, IsRefusedForAnHttpServerAMissingObjectOrKeyOrAKeyAlone) {
  SystemClock clock;
  auto admin = testing::KubeAdminClient(clock);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  auto ns = testing::CreateTestNamespace(**admin, "executor-ca");
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  auto cluster = testing::KubeTestClusterInfo();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  testing::TempDir dir;
  const std::filesystem::path registry = dir.path() / "registry.json";
  std::ofstream(registry) << R"({"basePodConfig": {},
    "executor": {"podConfig": {"imageName": "pop:test", "arguments": ["executor"]}}})";
  auto run = [&](const std::string& flags) {
    const std::string command =
        std::string(POP_BINARY_DIR) + "/pop puller --launch kubernetes --kubeconfig " +
        cluster->kubeconfig + " --namespace " + *ns + " --pod-registry " + registry.string() +
        " --token-secret pop-executor-token --token t --insight ins "
        "--log-level warning " +
        flags + " 2>&1";
    std::pair<int, std::string> result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
      result.second.append(buffer, n);
    }
    const int status = ::pclose(pipe);
    result.first = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  };

  auto [http_code, http] = run("--server http://127.0.0.1:9 --executor-ca configmap/pop-ca");
  EXPECT_NE(http_code, 0) << http;
  EXPECT_THAT(http, HasSubstr("--executor-ca configmap/pop-ca: the executor pods reach the server "
                              "at http://127.0.0.1:9, which is not https://"));

  const std::string https = "--server http://127.0.0.1:9 --executor-server https://pop.example ";
  auto [missing_code, missing] = run(https + "--executor-ca configmap/pop-ca");
  EXPECT_NE(missing_code, 0) << missing;
  EXPECT_THAT(missing, HasSubstr("--executor-ca: ConfigMap 'pop-ca' does not exist in namespace '" +
                                 *ns + "'"));

  const Json config_map(JsonObject{{"apiVersion", "v1"},
                                   {"kind", "ConfigMap"},
                                   {"metadata", Json(JsonObject{{"name", "pop-ca"}})},
                                   {"data", Json(JsonObject{{"other.pem", "x"}})}});
  ASSERT_TRUE(
      (*admin)
          ->Request("POST", "/api/v1/namespaces/" + *ns + "/configmaps", ToJsonText(config_map))
          .ok());
  auto [key_code, key] = run(https + "--executor-ca configmap/pop-ca");
  EXPECT_NE(key_code, 0) << key;
  EXPECT_THAT(key, HasSubstr("ConfigMap 'pop-ca' in namespace '" + *ns +
                             "' has no key 'ca.crt' (set --executor-ca-key; its keys: other.pem)"));

  auto [form_code, form] = run(https + "--executor-ca pop-ca");
  EXPECT_NE(form_code, 0) << form;
  EXPECT_THAT(form, HasSubstr("--executor-ca: expected configmap/<name> or secret/<name>"));

  auto [alone_code, alone] = run(https + "--executor-ca-key other.pem");
  EXPECT_NE(alone_code, 0) << alone;
  EXPECT_THAT(alone, HasSubstr("--executor-ca-key requires --executor-ca"));
}

// Without --namespace, `pop executor --launch kubernetes` runs its operation pods in its own
// pod's namespace (MY_POD_NAMESPACE, which the puller sets from the downward API); its account
// may create pods only there, so the default (`pop`) would fail the operation.
TEST_F(ExecutorPodSettingsTest, WithoutNamespaceTheExecutorRunsOperationPodsInItsOwnNamespace) {
  app::ExecutorPodsOptions options = ChainOptions();
  options.pod.arguments = WithoutFlag(options.pod.arguments, "--namespace");
  ASSERT_THAT(options.pod.arguments, ::testing::Not(::testing::Contains("--namespace")));
  StartPuller(options);
  auto [agenda_id, progress_id] =
      Submit(R"([{"name":"a","type":"sample","payload":{"resultPayload":{"v":1}}}])");
  const Json progress = WaitComplete(progress_id);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  int operation_pods = 0;
  for (const PodInfo& pod : AgendaPods(agenda_id)) {
    const auto role = pod.labels.find(kPodRoleLabel);
    if (role != pod.labels.end() && role->second == "operation") ++operation_pods;
  }
  EXPECT_EQ(operation_pods, 1);
}

// `--reap-self false` (executor.reap.self): the executor leaves its pod, which ends Succeeded,
// and the puller takes that as the executor's end, as it does a pod the executor deleted.
TEST_F(ExecutorPodSettingsTest, WithReapSelfFalseTheExecutorLeavesItsPodToEndSucceeded) {
  app::ExecutorPodsOptions options = ChainOptions();
  options.pod.arguments.insert(options.pod.arguments.end(), {"--reap-self", "false"});
  StartPuller(options);
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  const Json progress = WaitComplete(progress_id);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  std::vector<PodInfo> pods;
  EXPECT_TRUE(PollUntil(
      [&] {
        pods = AgendaPods(agenda_id);
        return pods.size() == 1 && pods[0].phase == "Succeeded";
      },
      seconds(20)));
  ASSERT_EQ(pods.size(), 1U);
  EXPECT_FALSE(pods[0].is_deleting);
  EXPECT_EQ(pods[0].annotations.count(std::string(app::kAnnotationExecutorFinished)), 0U);
  EXPECT_EQ(ExecutorPodsCreated(), 1);
  EXPECT_THAT(logger_.Text(), ::testing::Not(HasSubstr("before its Agenda finished")));
}

}  // namespace
}  // namespace pop::kubetest
