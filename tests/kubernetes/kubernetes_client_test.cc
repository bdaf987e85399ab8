// KubernetesClient against a real kube-apiserver (ctest fixture `kubernetes`): pods created,
// read, listed, patched and deleted; watches; RBAC denials; both kinds of kubeconfig users.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/kubernetes/kubernetes_client.h"
#include "adapters/system/system_clock.h"
#include "support/kube_test_cluster.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

Json PodManifest(const std::string& name, const std::string& app) {
  return Json(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Json(JsonObject{{"name", name},
                                   {"labels", Json(JsonObject{{"app", app}})},
                                   {"annotations", Json(JsonObject{{"pop.note", "first"}})}})},
      {"spec", Json(JsonObject{{"restartPolicy", "Never"},
                               {"containers", Json(JsonArray{Json(JsonObject{
                                                  {"name", "main"}, {"image", "sample:1"}})})}})}});
}

class KubernetesClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<KubernetesClient>> admin = testing::KubeAdminClient(clock_);
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = std::move(*admin);
    Result<std::string> ns = testing::CreateTestNamespace(*admin_, "client");
    ASSERT_TRUE(ns.ok()) << ns.error().message;
    ns_ = *ns;
  }

  SystemClock clock_;
  std::unique_ptr<KubernetesClient> admin_;
  std::string ns_;
};

TEST_F(KubernetesClientTest, CreatesGetsListsAndDeletesPods) {
  Result<PodInfo> created = admin_->CreatePod(ns_, PodManifest("one", "a"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->name, "one");
  EXPECT_EQ(created->namespace_name, ns_);
  EXPECT_EQ(created->phase, "Pending");
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("two", "b")).ok());

  Result<PodInfo> got = admin_->GetPod(ns_, "one");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->uid, created->uid);
  EXPECT_EQ(got->labels.at("app"), "a");
  EXPECT_EQ(got->annotations.at("pop.note"), "first");

  Result<PodList> listed = admin_->ListPods(ns_, "app=b");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->pods.size(), 1U);
  EXPECT_EQ(listed->pods[0].name, "two");
  EXPECT_FALSE(listed->resource_version.empty());

  ASSERT_TRUE(admin_->DeletePod(ns_, "one").ok());
  Result<PodInfo> gone = admin_->GetPod(ns_, "one");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  const Status again = admin_->DeletePod(ns_, "one");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
}

TEST_F(KubernetesClientTest, CreatingAPodTwiceIsAConflict) {
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("dup", "a")).ok());
  Result<PodInfo> second = admin_->CreatePod(ns_, PodManifest("dup", "a"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_THAT(second.error().message, HasSubstr("already exists"));
}

TEST_F(KubernetesClientTest, InvalidPodIsRefusedWithTheServersReason) {
  Json manifest = PodManifest("Bad_Name", "a");
  Result<PodInfo> created = admin_->CreatePod(ns_, manifest);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(created.error().message, HasSubstr("create pods 'Bad_Name' in namespace '" + ns_));
  EXPECT_THAT(created.error().message, HasSubstr("metadata.name"));
}

TEST_F(KubernetesClientTest, MergePatchesAnnotationsKeepingTheOthers) {
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("p", "a")).ok());
  Result<PodInfo> patched = admin_->PatchPodAnnotations(
      ns_, "p", {{"pop.report.progress", "50"}, {"pop.note", std::nullopt}});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->annotations.at("pop.report.progress"), "50");
  EXPECT_EQ(patched->annotations.count("pop.note"), 0U);
  ASSERT_TRUE(admin_->PatchPodAnnotations(ns_, "p", {{"pop.report.payload", "{\"x\":1}"}}).ok());
  Result<PodInfo> got = admin_->GetPod(ns_, "p");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->annotations.at("pop.report.progress"), "50");
  EXPECT_EQ(got->annotations.at("pop.report.payload"), "{\"x\":1}");
}

TEST_F(KubernetesClientTest, MergePatchesStatusWithContainerStatuses) {
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("s", "a")).ok());
  const Json status(JsonObject{
      {"phase", "Failed"},
      {"containerStatuses",
       Json(JsonArray{Json(JsonObject{
           {"name", "main"},
           {"ready", false},
           {"restartCount", 0},
           {"image", "sample:1"},
           {"imageID", ""},
           {"state",
            Json(JsonObject{
                {"terminated", Json(JsonObject{{"exitCode", 3}, {"reason", "Error"}})}})}})})}});
  Result<PodInfo> patched = admin_->PatchPodStatus(ns_, "s", status);
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->phase, "Failed");
  ASSERT_EQ(patched->containers.size(), 1U);
  EXPECT_EQ(patched->containers[0].state, "terminated");
  EXPECT_EQ(patched->containers[0].exit_code, 3);
  EXPECT_EQ(patched->containers[0].reason, "Error");
}

TEST_F(KubernetesClientTest, RbacDenialNamesVerbResourceAndNamespace) {
  Result<std::string> token =
      testing::ServiceAccountToken(*admin_, ns_, "reader", {"get", "list"}, {"pods"});
  ASSERT_TRUE(token.ok()) << token.error().message;
  KubernetesConfig config = admin_->config();
  config.token = *token;
  Result<std::unique_ptr<KubernetesClient>> limited = KubernetesClient::Create(config, clock_);
  ASSERT_TRUE(limited.ok());

  EXPECT_TRUE((*limited)->ListPods(ns_, "").ok());
  Result<PodInfo> created = (*limited)->CreatePod(ns_, PodManifest("x", "a"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(created.error().message,
              HasSubstr("Kubernetes RBAC denies 'create' on 'pods' in namespace '" + ns_ + "'"));
  EXPECT_THAT(created.error().message, HasSubstr("system:serviceaccount:" + ns_ + ":reader"));
  Result<PodList> elsewhere = (*limited)->ListPods("default", "");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_THAT(elsewhere.error().message,
              HasSubstr("denies 'list' on 'pods' in namespace 'default'"));
}

TEST_F(KubernetesClientTest, UnknownTokenIsUnauthenticated) {
  KubernetesConfig config = admin_->config();
  config.token = "not-a-token";
  Result<std::unique_ptr<KubernetesClient>> client = KubernetesClient::Create(config, clock_);
  ASSERT_TRUE(client.ok());
  Result<PodList> listed = (*client)->ListPods(ns_, "");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(listed.error().message, HasSubstr("refused the credentials (401)"));
}

TEST_F(KubernetesClientTest, ServerCertificateFromAnotherCaIsNotTrusted) {
  KubernetesConfig config = admin_->config();
  config.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // public CAs only
  Result<std::unique_ptr<KubernetesClient>> client = KubernetesClient::Create(config, clock_);
  ASSERT_TRUE(client.ok());
  Result<PodList> listed = (*client)->ListPods(ns_, "");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(listed.error().message, HasSubstr("not trusted"));
}

TEST_F(KubernetesClientTest, KubeconfigFilesWithTokenAndClientCertificateUsersBothWork) {
  Result<testing::KubeTestCluster> cluster = testing::KubeTestClusterInfo();
  ASSERT_TRUE(cluster.ok());
  for (const std::string& file : {cluster->kubeconfig, cluster->kubeconfig_cert}) {
    Result<KubernetesConfig> config = LoadKubeconfig(file);
    ASSERT_TRUE(config.ok()) << config.error().message;
    Result<std::unique_ptr<KubernetesClient>> client = KubernetesClient::Create(*config, clock_);
    ASSERT_TRUE(client.ok()) << client.error().message;
    Result<PodList> listed = (*client)->ListPods(ns_, "");
    EXPECT_TRUE(listed.ok()) << file << ": " << listed.error().message;
  }
}

// Collects a watch's events; waits (bounded) for one that matches.
class EventLog {
 public:
  void Add(const PodEvent& event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(event);
    cv_.notify_all();
  }
  bool Has(PodEventType type, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const PodEvent& event : events_) {
      if (event.type == type && event.pod.name == name) return true;
    }
    return false;
  }
  bool WaitFor(PodEventType type, const std::string& name,
               const std::function<bool(const PodInfo&)>& also = nullptr) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const PodEvent& event : events_) {
        if (event.type == type && event.pod.name == name && (!also || also(event.pod))) {
          return true;
        }
      }
      return false;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PodEvent> events_;
};

TEST_F(KubernetesClientTest, WatchReportsExistingPodsThenChangesOfTheSelectedOnes) {
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("before", "w")).ok());
  EventLog log;
  Result<std::unique_ptr<PodWatch>> watch =
      admin_->WatchPods(ns_, "app=w", [&log](const PodEvent& event) { log.Add(event); });
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  EXPECT_TRUE(log.WaitFor(PodEventType::kAdded, "before"));

  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("after", "w")).ok());
  ASSERT_TRUE(admin_->CreatePod(ns_, PodManifest("other", "not-watched")).ok());
  EXPECT_TRUE(log.WaitFor(PodEventType::kAdded, "after"));
  ASSERT_TRUE(admin_->PatchPodAnnotations(ns_, "after", {{"pop.report.progress", "7"}}).ok());
  EXPECT_TRUE(log.WaitFor(PodEventType::kModified, "after", [](const PodInfo& pod) {
    return pod.annotations.count("pop.report.progress") == 1;
  }));
  ASSERT_TRUE(admin_->DeletePod(ns_, "before").ok());
  EXPECT_TRUE(log.WaitFor(PodEventType::kDeleted, "before"));
  (*watch)->Stop();
  // "other" changed before the events above; had the selector let it through, it would be here.
  EXPECT_FALSE(log.Has(PodEventType::kAdded, "other"));
}

}  // namespace
}  // namespace pop
