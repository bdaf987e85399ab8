// `pop puller --launch kubernetes --namespace-per-customer`: each customer's executor pods run in
// namespace <namespace>-<customer> (core/kube/customer_namespace.h) with the RBAC that
// docs/kubernetes.md and deploy/examples/namespace-per-customer.yaml give the puller: a
// ClusterRole to list and watch pods everywhere, and the pod rights only in the namespaces bound
// to it. A customer whose namespace is missing or not bound fails with a message saying so,
// while the others' Agendas keep running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/kube/customer_namespace.h"
#include "kubernetes/puller_pods_fixture.h"

namespace pop::kubetest {
namespace {

using ::testing::HasSubstr;

Json Strings(const std::vector<std::string>& values) {
  JsonArray out;
  for (const std::string& value : values) out.emplace_back(value);
  return Json(out);
}

class NamespacePerCustomerTest : public PullerPodsTest {
 protected:
  void TearDown() override {
    for (auto& kubelet : customer_kubelets_) kubelet->Stop();
    PullerPodsTest::TearDown();
  }

  // A customer of pool rp whose namespace exists (with the executors' Secret and a kubelet
  // running its pods) when `made`, and has the puller's pod rights bound there when `bound`.
  std::string AddCustomer(const std::string& customer, bool made, bool bound) {
    EXPECT_EQ(Call("POST", "/customer",
                   R"({"id":")" + customer + R"(","customerId":")" + customer +
                       R"(","title":"C","resourcePoolId":"rp"})")
                  .first,
              200);
    std::string name = *CustomerNamespace(ns_, customer);
    if (!made) return name;
    const Json space(JsonObject{{"apiVersion", "v1"},
                                {"kind", "Namespace"},
                                {"metadata", Json(JsonObject{{"name", name}})}});
    EXPECT_TRUE(admin_->Request("POST", "/api/v1/namespaces", ToJsonText(space)).ok());
    const Json secret(JsonObject{{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata", Json(JsonObject{{"name", kSecret}})},
                                 {"stringData", Json(JsonObject{{"token", token_}})}});
    EXPECT_TRUE(
        admin_->Request("POST", "/api/v1/namespaces/" + name + "/secrets", ToJsonText(secret))
            .ok());
    if (bound) Bind("RoleBinding", name, "pods-" + ns_);
    auto kubelet = testing::TestKubelet::Start(
        *admin_, {"node-" + name, name, {{kImage, {std::string(POP_BINARY_DIR) + "/pop"}}}, {}});
    EXPECT_TRUE(kubelet.ok()) << kubelet.error().message;
    if (kubelet.ok()) customer_kubelets_.push_back(std::move(*kubelet));
    return name;
  }

  // The puller's account: the rights of deploy/examples/namespace-per-customer.yaml.
  std::unique_ptr<KubernetesClient> PullerClient() {
    const std::string rbac = "/apis/rbac.authorization.k8s.io/v1";
    auto role = [](const std::string& name, const std::vector<std::string>& verbs) {
      return ToJsonText(Json(
          JsonObject{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                     {"kind", "ClusterRole"},
                     {"metadata", Json(JsonObject{{"name", name}})},
                     {"rules", Json(JsonArray{Json(JsonObject{{"apiGroups", Strings({""})},
                                                              {"resources", Strings({"pods"})},
                                                              {"verbs", Strings(verbs)}})})}}));
    };
    EXPECT_TRUE(
        admin_->Request("POST", rbac + "/clusterroles", role("watch-" + ns_, {"list", "watch"}))
            .ok());
    EXPECT_TRUE(admin_
                    ->Request("POST", rbac + "/clusterroles",
                              role("pods-" + ns_, {"get", "list", "watch", "create", "delete"}))
                    .ok());
    // Its own namespace's account, with no rights of its own there.
    auto token = testing::ServiceAccountToken(*admin_, ns_, "ns-puller", {"get"}, {"configmaps"});
    EXPECT_TRUE(token.ok()) << token.error().message;
    Bind("ClusterRoleBinding", "", "watch-" + ns_);
    KubernetesConfig config;
    config.server = cluster_.server;
    config.ca_file = cluster_.ca_file;
    config.token = token.ok() ? *token : "";
    auto client = KubernetesClient::Create(config, clock_);
    EXPECT_TRUE(client.ok());
    return client.ok() ? std::move(*client) : nullptr;
  }

  // Binds ClusterRole `role` to the puller's account, in `namespace_name` or cluster-wide.
  void Bind(const std::string& kind, const std::string& namespace_name, const std::string& role) {
    const Json binding(JsonObject{
        {"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", kind},
        {"metadata", Json(JsonObject{{"name", role}})},
        {"roleRef",
         Json(JsonObject{
             {"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", role}})},
        {"subjects",
         Json(JsonArray{Json(JsonObject{
             {"kind", "ServiceAccount"}, {"name", "ns-puller"}, {"namespace", ns_}})})}});
    const std::string path =
        namespace_name.empty()
            ? "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
            : "/apis/rbac.authorization.k8s.io/v1/namespaces/" + namespace_name + "/rolebindings";
    auto made = admin_->Request("POST", path, ToJsonText(binding));
    EXPECT_TRUE(made.ok()) << made.error().message;
  }

  std::string SubmitFor(const std::string& customer) {
    auto [status, body] = Call("POST", "/agenda",
                               R"({"customerId":")" + customer +
                                   R"(","operations":[{"name":"a","type":"step","payload":{}}]})");
    EXPECT_EQ(status, 200) << ToJsonText(body);
    const Json* all = body.is_object() ? body.Find("all") : nullptr;
    if (all == nullptr || !all->is_array() || all->AsArray().empty()) return "";
    return Field(all->AsArray()[0], "progressId");
  }

  std::vector<std::unique_ptr<testing::TestKubelet>> customer_kubelets_;
};

TEST_F(NamespacePerCustomerTest, EachCustomersPodsRunInItsOwnNamespace) {
  const std::string acme = AddCustomer("acme-2", /*made=*/true, /*bound=*/true);
  const std::string beta = AddCustomer("Beta_Co", /*made=*/true, /*bound=*/true);
  const std::string gamma = AddCustomer("gamma", /*made=*/false, /*bound=*/false);
  const std::string delta = AddCustomer("delta", /*made=*/true, /*bound=*/false);
  EXPECT_EQ(acme, ns_ + "-acme-2");
  EXPECT_EQ(beta.rfind(ns_ + "-beta-co-", 0), 0U) << beta;  // changed to fit: a hash follows
  puller_kube_ = PullerClient();
  ASSERT_NE(puller_kube_, nullptr);
  app::ExecutorPodsOptions options = Options();
  options.namespace_per_customer = true;
  StartPuller(options, 4, puller_kube_.get());

  const std::string acme_progress = SubmitFor("acme-2");
  const std::string beta_progress = SubmitFor("Beta_Co");
  const std::string gamma_progress = SubmitFor("gamma");
  const std::string delta_progress = SubmitFor("delta");
  EXPECT_EQ(Field(WaitComplete(acme_progress), "processingStateMessage"), "succeeded");
  EXPECT_EQ(Field(WaitComplete(beta_progress), "processingStateMessage"), "succeeded");
  for (const auto& [space, customer] : {std::pair{acme, "acme-2"}, std::pair{beta, "Beta_Co"}}) {
    auto pods = admin_->ListPods(space, "pop.component=executor");
    ASSERT_TRUE(pods.ok()) << pods.error().message;
    ASSERT_EQ(pods->pods.size(), 1U) << space;
    std::string env;
    auto raw =
        admin_->Request("GET", "/api/v1/namespaces/" + space + "/pods/" + pods->pods[0].name);
    ASSERT_TRUE(raw.ok());
    EXPECT_THAT(*raw, HasSubstr(std::string(R"("name":"CUSTOMER_ID","value":")") + customer));
  }
  auto own = admin_->ListPods(ns_, "pop.component=executor");
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->pods.empty());

  Json progress;
  EXPECT_TRUE(PollUntil([&] {
    progress = Progress(gamma_progress);
    return ToJsonText(progress).find("does not exist") != std::string::npos;
  })) << ToJsonText(progress);
  EXPECT_THAT(ToJsonText(progress), HasSubstr("namespace '" + gamma +
                                              "' of customer 'gamma' (--namespace-per-customer)"));
  EXPECT_TRUE(PollUntil([&] {
    progress = Progress(delta_progress);
    return ToJsonText(progress).find("refuses the puller") != std::string::npos;
  })) << ToJsonText(progress);
  EXPECT_THAT(ToJsonText(progress), HasSubstr("cannot create resource \\\"pods\\\""));
  EXPECT_THAT(ToJsonText(progress), HasSubstr(delta));
  // Those two customers' problems did not stop the claiming for everyone.
  EXPECT_TRUE(pods_->Health().reachable) << pods_->Health().problem;
}

}  // namespace
}  // namespace pop::kubetest
