// `pop puller --launch kubernetes` end to end (the fixture: puller_pods_fixture.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kubernetes/puller_pods_fixture.h"

namespace pop::kubetest {
namespace {

using ::testing::HasSubstr;

TEST_F(PullerPodsTest, AnAgendaCompletesThroughAnExecutorPodThatGetsItsTokenOnlyFromASecret) {
  StartPuller(Options());
  auto [agenda_id, progress_id] = Submit(
      R"([{"name":"a","type":"step","payload":{}},{"name":"b","type":"noop","payload":{"x":"@<a.out>"}}])");
  ASSERT_FALSE(progress_id.empty());
  const Json progress = WaitComplete(progress_id);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  EXPECT_EQ(JournalCount("done-a"), 1);

  // The executor reports before it exits; its pod ends Succeeded a moment later.
  std::vector<PodInfo> pods;
  EXPECT_TRUE(PollUntil(
      [&] {
        pods = AgendaPods(agenda_id);
        return pods.size() == 1 && pods[0].phase == "Succeeded";
      },
      seconds(20)));
  ASSERT_EQ(pods.size(), 1U);
  EXPECT_EQ(pods[0].labels.at("pop.insightId"), "ins");
  EXPECT_EQ(pods[0].labels.at("pop.resourcePoolId"), "rp");
  auto raw = admin_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/" + pods[0].name);
  ASSERT_TRUE(raw.ok()) << raw.error().message;
  EXPECT_THAT(*raw, ::testing::Not(HasSubstr(token_)));
  auto manifest = ParseJson(*raw);
  ASSERT_TRUE(manifest.ok());
  std::map<std::string, Json> env;
  for (const Json& var :
       manifest->Find("spec")->Find("containers")->AsArray()[0].Find("env")->AsArray()) {
    env[Field(var, "name")] = var;
  }
  ASSERT_EQ(env.count("POP_TOKEN"), 1U);
  EXPECT_EQ(ToJsonText(env["POP_TOKEN"]),
            R"({"name":"POP_TOKEN","valueFrom":{"secretKeyRef":{"name":")" + std::string(kSecret) +
                R"(","key":"token"}}})");
  for (const char* name : {"PAYLOAD", "CID", "AGENDA_ID", "CUSTOMER_ID", "PROGRESS_ID", "POP_ADDR",
                           "POP_PULLER_ID", "MY_POD_NAME"}) {
    EXPECT_EQ(env.count(name), 1U) << name;
  }
  // The server's default base path and an http server: neither POP_BASE_PATH nor a CA.
  EXPECT_EQ(env.count("POP_BASE_PATH"), 0U);
  EXPECT_EQ(env.count("POP_CA_FILE"), 0U);
  EXPECT_EQ(Field(env["AGENDA_ID"], "value"), agenda_id);
  EXPECT_EQ(Field(env["PROGRESS_ID"], "value"), progress_id);
}

TEST_F(PullerPodsTest, TheExecutionLimitBoundsTheInsightsPodsCountedFromTheWatch) {
  app::ExecutorPodsOptions options = Options();
  options.execution_limit = 1;
  // A pod of the Insight that someone else runs and that never starts: it takes the only slot
  // until it is gone.
  const Json foreign(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", Json(JsonObject{{"name", "foreign"},
                                   {"labels", Json(JsonObject{{"pop.component", "executor"},
                                                              {"pop.insightId", "ins"}})}})},
      {"spec",
       Json(JsonObject{{"restartPolicy", "Never"},
                       {"containers", Json(JsonArray{Json(JsonObject{
                                          {"name", "main"}, {"image", "missing:1"}})})}})}});
  ASSERT_TRUE(admin_->CreatePod(ns_, foreign).ok());
  std::mutex mu;
  size_t most = 0;
  std::map<std::string, PodInfo> seen;
  auto watch = admin_->WatchPods(ns_, "pop.insightId=ins", [&](const PodEvent& event) {
    std::lock_guard<std::mutex> lock(mu);
    if (event.type == PodEventType::kDeleted) {
      seen.erase(event.pod.name);
    } else {
      seen[event.pod.name] = event.pod;
    }
    size_t active = 0;
    for (const auto& [name, pod] : seen) {
      active += (!pod.is_deleting && pod.phase != "Succeeded" && pod.phase != "Failed") ? 1 : 0;
    }
    most = std::max(most, active);
  });
  ASSERT_TRUE(watch.ok());
  StartPuller(options, /*max_agendas=*/4);
  std::vector<std::string> progress_ids;
  for (int i = 0; i < 3; ++i) {
    progress_ids.push_back(
        Submit(R"([{"name":"a)" + std::to_string(i) + R"(","type":"step","payload":{}}])").second);
  }
  // Nothing starts while the foreign pod holds the slot.
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(ReadText(journal_), "");
  EXPECT_EQ(Field(Progress(progress_ids[0]), "processingState"), "WAITING");
  ASSERT_TRUE(admin_->DeletePod(ns_, "foreign").ok());
  for (const std::string& id : progress_ids) {
    EXPECT_EQ(Field(WaitComplete(id), "processingStateMessage"), "succeeded");
  }
  (*watch)->Stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(most, 1U);
}

TEST_F(PullerPodsTest, APodThatNeverStartsIsFailedAfterItsTimeoutAndTheAgendaRetried) {
  app::ExecutorPodsOptions options = Options();
  options.pod.image_name = "missing:1";  // the kubelet leaves it Pending (ErrImagePull)
  options.pod.pod_scheduled_timeout_ms = 1500;
  StartPuller(options);
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  // Three attempts (the retry rule's default), each failed after the timeout.
  Json progress;
  ASSERT_TRUE(WaitForAttempts(progress_id, 3, seconds(60), progress)) << ToJsonText(progress);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "failed");
  EXPECT_THAT(ToJsonText(progress),
              HasSubstr("did not start within 1500 ms (podScheduledTimeoutMs) (ErrImagePull)"));
  // Its pods are gone.
  EXPECT_TRUE(PollUntil([&] { return AgendaPods(agenda_id).empty(); }, seconds(10)));
}

TEST_F(PullerPodsTest, AnExecutorPodKilledMidRunIsRecoveredWithoutRunningFinishedOperationsAgain) {
  StartPuller(Options());
  auto [agenda_id, progress_id] =
      Submit(R"([{"name":"a","type":"step","payload":{}},)"
             R"({"name":"slow","type":"step","payload":{"after":"@<a.out>"}},)"
             R"({"name":"c","type":"step","payload":{"after":"@<slow.out>"}}])");
  ASSERT_TRUE(PollUntil([&] { return JournalCount("start-slow") == 1; }));
  // The executor reports a's success (at its next report, within its heartbeat); only then is
  // `a` done as far as pop knows.
  ASSERT_TRUE(PollUntil([&] {
    const Json progress = Progress(progress_id);
    const Json* ops = progress.is_object() ? progress.Find("operationProgress") : nullptr;
    if (ops == nullptr || !ops->is_array()) return false;
    for (const Json& op : ops->AsArray()) {
      if (Field(op, "operation") == "a") return Field(op, "processingStateMessage") == "succeeded";
    }
    return false;
  }));
  std::vector<PodInfo> pods = AgendaPods(agenda_id);
  ASSERT_EQ(pods.size(), 1U);
  ASSERT_TRUE(admin_->DeletePod(ns_, pods[0].name).ok());  // the pod is killed
  const Json progress = WaitComplete(progress_id, seconds(90));
  EXPECT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  EXPECT_EQ(JournalCount("start-a"), 1) << ReadText(journal_);
  EXPECT_EQ(JournalCount("done-a"), 1);
  EXPECT_EQ(JournalCount("done-slow"), 1);
  EXPECT_EQ(JournalCount("done-c"), 1);
  EXPECT_THAT(logger_.Text(), HasSubstr("was deleted before its Agenda finished"));
}

TEST_F(PullerPodsTest, CancelRemovesTheAgendasPods) {
  StartPuller(Options());
  auto [agenda_id, progress_id] = Submit(R"([{"name":"slow","type":"step","payload":{}}])");
  ASSERT_TRUE(PollUntil([&] { return JournalCount("start-slow") == 1; }));
  ASSERT_EQ(AgendaPods(agenda_id).size(), 1U);
  auto [status, body] =
      Call("POST", "/agenda/service/cancel", R"({"agendaId":")" + agenda_id + R"("})");
  ASSERT_EQ(status, 200) << ToJsonText(body);
  EXPECT_TRUE(PollUntil([&] { return AgendaPods(agenda_id).empty(); }, seconds(30)))
      << logger_.Text();
  EXPECT_EQ(Field(Progress(progress_id), "processingStateMessage"), "cancelled");
}

// An account that may list and watch pods but not create them: the probe asks Kubernetes
// (a SelfSubjectAccessReview, nothing created) and the puller claims nothing, saying why, instead
// of failing every Agenda it claims; once the right is granted it resumes by itself.
TEST_F(PullerPodsTest, AnAccountThatMayNotCreatePodsClaimsNothingAndSaysWhyUntilItMay) {
  auto token =
      testing::ServiceAccountToken(*admin_, ns_, "weak-puller", {"get", "list", "watch"}, {"pods"});
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto info = testing::KubeTestClusterInfo();
  ASSERT_TRUE(info.ok());
  KubernetesConfig config;
  config.server = info->server;
  config.ca_file = info->ca_file;
  config.token = *token;
  auto weak = KubernetesClient::Create(config, clock_);
  ASSERT_TRUE(weak.ok()) << weak.error().message;
  puller_kube_ = std::move(*weak);
  StartPuller(Options(), 4, puller_kube_.get());
  EXPECT_FALSE(pods_->Health().reachable);  // from the start: the first probe ran in Start
  const std::string problem = pods_->Health().problem;
  EXPECT_THAT(problem, HasSubstr("Kubernetes RBAC denies 'create' on 'pods' in namespace '" + ns_ +
                                 "' to the puller's account"));
  EXPECT_THAT(logger_.Text(), HasSubstr("no Agendas are claimed until it can"));
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  std::this_thread::sleep_for(milliseconds(1500));  // a poll would have claimed it by now
  EXPECT_EQ(Field(Progress(progress_id), "processingState"), "WAITING");
  EXPECT_TRUE(AgendaPods(agenda_id).empty());

  // The right to create pods, granted: the next probe (every 500 ms here) resumes the claiming.
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns_;
  ASSERT_TRUE(admin_
                  ->Request("POST", rbac + "/roles",
                            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",)"
                            R"("metadata":{"name":"create-pods"},"rules":[{"apiGroups":[""],)"
                            R"("resources":["pods"],"verbs":["create","delete"]}]})")
                  .ok());
  ASSERT_TRUE(admin_
                  ->Request("POST", rbac + "/rolebindings",
                            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",)"
                            R"("metadata":{"name":"create-pods"},"roleRef":{"apiGroup":)"
                            R"("rbac.authorization.k8s.io","kind":"Role","name":"create-pods"},)"
                            R"("subjects":[{"kind":"ServiceAccount","name":"weak-puller",)"
                            R"("namespace":")" +
                                ns_ + R"("}]})")
                  .ok());
  EXPECT_EQ(Field(WaitComplete(progress_id), "processingStateMessage"), "succeeded");
  EXPECT_THAT(logger_.Text(), HasSubstr("Kubernetes answers again; claiming Agendas resumes"));
}

TEST_F(PullerPodsTest, AnUnreachableKubernetesStopsClaimingInsteadOfFailingAgendas) {
  KubernetesConfig config;
  config.server = "https://127.0.0.1:1";  // nothing listens
  config.token = "unused";
  KubernetesClientOptions client_options;
  client_options.max_attempts = 1;
  auto nowhere = KubernetesClient::Create(config, clock_, client_options);
  ASSERT_TRUE(nowhere.ok()) << nowhere.error().message;
  puller_kube_ = std::move(*nowhere);
  StartPuller(Options(), 4, puller_kube_.get());
  ASSERT_TRUE(PollUntil([&] { return !pods_->Health().reachable; }, seconds(20))) << logger_.Text();
  auto [agenda_id, progress_id] = Submit(R"([{"name":"a","type":"noop","payload":{}}])");
  std::this_thread::sleep_for(milliseconds(1500));  // a poll would have claimed it by now
  EXPECT_EQ(Field(Progress(progress_id), "processingState"), "WAITING");
  EXPECT_THAT(pods_->Health().problem, ::testing::Not(::testing::IsEmpty()));
  EXPECT_THAT(logger_.Text(), HasSubstr("no Agendas are claimed until it can"));
}

}  // namespace
}  // namespace pop::kubetest
