#include "support/kube_test_cluster.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/codec/json_text.h"

#ifndef POP_KUBE_TEST_DIR
#define POP_KUBE_TEST_DIR ""
#endif
#ifndef POP_KUBE_CLUSTER_SCRIPT
#define POP_KUBE_CLUSTER_SCRIPT "scripts/kube-test-cluster.sh"
#endif

namespace pop::testing {
namespace {

Json StringArray(const std::vector<std::string>& values) {
  JsonArray out;
  for (const std::string& value : values) out.emplace_back(value);
  return Json(out);
}

}  // namespace

Result<KubeTestCluster> KubeTestClusterInfo() {
  const char* env_dir = std::getenv("POP_TEST_KUBE_DIR");
  KubeTestCluster cluster;
  cluster.dir = env_dir != nullptr && env_dir[0] != '\0' ? env_dir : POP_KUBE_TEST_DIR;
  std::ifstream env(cluster.dir + "/env");
  if (!env) {
    return Error(ErrorCode::kUnavailable,
                 "no test Kubernetes API server: '" + cluster.dir +
                     "/env' is missing (ctest starts it through the fixture `kubernetes`; by "
                     "hand: scripts/kube-test-cluster.sh start DIR and POP_TEST_KUBE_DIR=DIR)");
  }
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(env, line);) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  cluster.server = values["KUBE_API_SERVER"];
  cluster.ca_file = values["KUBE_CA_FILE"];
  cluster.admin_token = values["KUBE_ADMIN_TOKEN"];
  cluster.kubeconfig = cluster.dir + "/kubeconfig";
  cluster.kubeconfig_cert = cluster.dir + "/kubeconfig-cert";
  return cluster;
}

Status RestartKubeApiServer() {
  POP_ASSIGN_OR_RETURN(KubeTestCluster cluster, KubeTestClusterInfo());
  // The directory comes from the build tree or the environment, never from untrusted input;
  // quoted for the shell all the same.
  std::string quoted = "'";
  for (const char c : cluster.dir) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const std::string command =
      std::string(POP_KUBE_CLUSTER_SCRIPT) + " restart-apiserver " + quoted + " >&2";
  const int status = std::system(command.c_str());  // NOLINT(cert-env33-c): the test's own script
  if (status != 0) {
    return Status(ErrorCode::kUnavailable,
                  "'" + command + "' failed (status " + std::to_string(status) + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<KubernetesClient>> KubeAdminClient(const Clock& clock) {
  POP_ASSIGN_OR_RETURN(KubeTestCluster cluster, KubeTestClusterInfo());
  KubernetesConfig config;
  config.server = cluster.server;
  config.ca_file = cluster.ca_file;
  config.token = cluster.admin_token;
  return KubernetesClient::Create(config, clock);
}

Result<std::string> CreateTestNamespace(KubernetesClient& admin, const std::string& prefix) {
  std::random_device random;
  std::ostringstream name;
  name << prefix << "-" << std::hex << (random() & 0xffffffU);
  const Json body(JsonObject{{"apiVersion", "v1"},
                             {"kind", "Namespace"},
                             {"metadata", Json(JsonObject{{"name", name.str()}})}});
  POP_RETURN_IF_ERROR(admin.Request("POST", "/api/v1/namespaces", ToJsonText(body)));
  return name.str();
}

Result<std::string> ServiceAccountToken(KubernetesClient& admin, const std::string& namespace_name,
                                        const std::string& name,
                                        const std::vector<std::string>& verbs,
                                        const std::vector<std::string>& resources) {
  const std::string ns_path = "/api/v1/namespaces/" + namespace_name;
  const std::string rbac_path = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace_name;
  const Json account(JsonObject{{"apiVersion", "v1"},
                                {"kind", "ServiceAccount"},
                                {"metadata", Json(JsonObject{{"name", name}})}});
  POP_RETURN_IF_ERROR(admin.Request("POST", ns_path + "/serviceaccounts", ToJsonText(account)));
  const Json role(
      JsonObject{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "Role"},
                 {"metadata", Json(JsonObject{{"name", name}})},
                 {"rules", Json(JsonArray{Json(JsonObject{{"apiGroups", StringArray({""})},
                                                          {"resources", StringArray(resources)},
                                                          {"verbs", StringArray(verbs)}})})}});
  POP_RETURN_IF_ERROR(admin.Request("POST", rbac_path + "/roles", ToJsonText(role)));
  const Json binding(JsonObject{
      {"apiVersion", "rbac.authorization.k8s.io/v1"},
      {"kind", "RoleBinding"},
      {"metadata", Json(JsonObject{{"name", name}})},
      {"roleRef",
       Json(JsonObject{
           {"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}})},
      {"subjects",
       Json(JsonArray{Json(JsonObject{
           {"kind", "ServiceAccount"}, {"name", name}, {"namespace", namespace_name}})})}});
  POP_RETURN_IF_ERROR(admin.Request("POST", rbac_path + "/rolebindings", ToJsonText(binding)));
  const Json request(JsonObject{{"apiVersion", "authentication.k8s.io/v1"},
                                {"kind", "TokenRequest"},
                                {"spec", Json(JsonObject{{"expirationSeconds", 3600}})}});
  POP_ASSIGN_OR_RETURN(
      std::string answer,
      admin.Request("POST", ns_path + "/serviceaccounts/" + name + "/token", ToJsonText(request)));
  POP_ASSIGN_OR_RETURN(Json parsed, ParseJson(answer));
  const Json* status = parsed.Find("status");
  const Json* token = status != nullptr ? status->Find("token") : nullptr;
  if (token == nullptr || !token->is_string()) {
    return Error(ErrorCode::kInternal, "TokenRequest answered without a token: " + answer);
  }
  return token->AsString();
}

}  // namespace pop::testing
