// The scenarios of the local tiers run through pods, the whole chain as deploy/ runs it: the
// puller's executor pod runs `pop executor --launch kubernetes` (with a service account limited to
// pods), which runs every `sample` operation in a pod of its own (the fixture's ChainOptions);
// the handlers report through their pods' annotations and outputs flow between the pods; resident
// types (`noop`) stay in the executor. Spec §21 (with its failure variant and automatic retry)
// and the 65-operation DAG of tests/e2e/execution_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "kubernetes/puller_pods_fixture.h"

namespace pop::kubetest {
namespace {

using ::testing::HasSubstr;

class PodScenariosTest : public PullerPodsTest {
 protected:
  // The agenda's pods by their operation (OPERATION_NAME), the executor pods under "executor".
  std::map<std::string, int> PodsByOperation(const std::string& agenda_id) {
    std::map<std::string, int> counts;
    for (const PodInfo& pod : AgendaPods(agenda_id)) {
      auto raw = admin_->Request("GET", "/api/v1/namespaces/" + ns_ + "/pods/" + pod.name);
      auto manifest = raw.ok() ? ParseJson(*raw) : Result<Json>(raw.error());
      if (!manifest.ok()) continue;
      std::string operation = "executor";
      for (const Json& var :
           manifest->Find("spec")->Find("containers")->AsArray()[0].Find("env")->AsArray()) {
        if (Field(var, "name") == "OPERATION_NAME") operation = Field(var, "value");
      }
      ++counts[operation];
    }
    return counts;
  }

  // Whether the agenda's executor pods were all gone within 20 s; `pods` holds its pods by
  // operation as last seen.
  bool WaitUntilTheExecutorPodIsGone(const std::string& agenda_id,
                                     std::map<std::string, int>& pods) {
    return PollUntil(
        [&] {
          pods = PodsByOperation(agenda_id);
          return pods.count("executor") == 0;
        },
        seconds(20));
  }

  // The log pop kept of an operation (GET /progress/operation/<id>/log), as sent.
  std::string OperationLog(const std::string& operation_progress_id) {
    HttpClientRequest request;
    request.method = "GET";
    request.url = url_ + "/pop/progress/operation/" + operation_progress_id + "/log";
    request.headers = {{"Authorization", "Bearer " + token_}};
    request.timeout = milliseconds(10'000);
    Result<HttpClientResponse> response = http_->Send(request);
    return response.ok() ? response->body : std::string();
  }

  static const Json* Op(const Json& progress, const std::string& name) {
    const Json* ops = progress.is_object() ? progress.Find("operationProgress") : nullptr;
    if (ops == nullptr || !ops->is_array()) return nullptr;
    for (const Json& op : ops->AsArray()) {
      if (Field(op, "operation") == name) return &op;
    }
    return nullptr;
  }
};

// Spec §21 with its failure variant: b's handler fails (an `exception` action) after it logged
// a's output; the Agenda is retried automatically (`continue`) in a new executor pod that skips
// a and runs b again; the second failure ends it (maximumAttempts 2).
TEST_F(PodScenariosTest, Spec21FailureVariantRetriesOnlyTheFailedOperationInANewPod) {
  StartPuller(ChainOptions());
  auto [status, body] = Call("POST", "/agenda", R"({"customerId":"acme","linkId":"L1",
    "params":{"maximumAttempts":2},"operations":[
    {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
    {"name":"b","type":"sample","payload":{"actions":[
      {"action":"log","paramsMap":{"logMessage":"@<a.out::/v>"}},
      {"action":"exception","paramsMap":{"exceptionMessage":"boom"}}],"resultPayload":{}}}]})");
  ASSERT_EQ(status, 200) << ToJsonText(body);
  const Json& agenda = body.Find("all")->AsArray()[0];
  const std::string agenda_id = Field(agenda, "id");
  const std::string progress_id = Field(agenda, "progressId");
  Json progress;
  ASSERT_TRUE(WaitForAttempts(progress_id, 2, seconds(90), progress)) << ToJsonText(progress);
  EXPECT_EQ(Field(progress, "processingStateMessage"), "failed");
  EXPECT_EQ(progress.Find("percentComplete")->AsDouble(), 100.0);
  // No agenda-level diagnostic: b's handler reported its own failure.
  const Json* agenda_diagnostics = progress.Find("diagnosticEvents");
  EXPECT_TRUE(agenda_diagnostics == nullptr || agenda_diagnostics->is_null() ||
              agenda_diagnostics->AsArray().empty())
      << ToJsonText(progress);
  const Json* a = Op(progress, "a");
  const Json* b = Op(progress, "b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(Field(*a, "processingStateMessage"), "succeeded");
  EXPECT_EQ(Field(*a, "resultPayload"), R"({"v":"x"})");
  EXPECT_EQ(Field(*b, "processingStateMessage"), "failed");
  EXPECT_THAT(ToJsonText(*b), HasSubstr("An unknown error has occurred with operation: b"));

  // a ran in one pod, b in one pod per attempt; each attempt ran in an executor pod of its own,
  // which deleted itself after its final report (executor.reap.self), and the puller took that
  // as the executor's end.
  std::map<std::string, int> pods;
  EXPECT_TRUE(WaitUntilTheExecutorPodIsGone(agenda_id, pods));
  EXPECT_EQ(pods, (std::map<std::string, int>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(ExecutorPodsCreated(), 2);
  EXPECT_THAT(logger_.Text(), ::testing::Not(HasSubstr("before its Agenda finished")));
  // pop kept b's log (both attempts) after its pods: the reference carried a's output.
  const std::string b_log = OperationLog(progress_id + "-b");
  EXPECT_THAT(b_log, HasSubstr("\nx\n"));
  EXPECT_THAT(OperationLog(progress_id + "-a"), HasSubstr("HandlerComplete"));
}

// The 65-operation DAG of the local tier (tests/e2e/execution_test.cc): root → 32 parallel
// fan-out operations → a chain of 31 → a join referencing all 32. Every 8th fan-out operation
// (4 pods at once) and the join run as pods; the rest is resident (`noop`, as in the local tier).
// (All 32 fan-out operations as pods took 12 s here: a scale case for bench/, not for `make
// test`.)
TEST_F(PodScenariosTest, SixtyFiveOperationDagWithFanOutRunsThroughPods) {
  StartPuller(ChainOptions());
  std::string ops = R"({"name":"root","type":"noop","payload":{"n":7}})";
  std::string join = "[";
  for (int i = 0; i < 32; ++i) {
    const std::string fields = R"({"i":)" + std::to_string(i) + R"(,"root":"@<root.out::/n>"})";
    ops += R"(,{"name":"fan-)" + std::to_string(i) + R"(","type":)" +
           (i % 8 == 0 ? R"("sample","payload":{"resultPayload":)" + fields + "}}"
                       : R"("noop","payload":)" + fields + "}");
    join += std::string(i != 0 ? "," : "") + R"("@<fan-)" + std::to_string(i) + R"(.out::/i>")";
  }
  join += "]";
  for (int j = 0; j < 31; ++j) {
    const std::string previous = j == 0 ? "fan-0" : "chain-" + std::to_string(j - 1);
    ops += R"(,{"name":"chain-)" + std::to_string(j) + R"(","type":"noop","payload":{"prev":"@<)" +
           previous + R"(.out>"}})";
  }
  ops += R"(,{"name":"join","type":"sample","payload":{"resultPayload":{"all":)" + join +
         R"(,"last":"@<chain-30.out>"}}})";
  const auto [agenda, progress_id] = Submit("[" + ops + "]");
  const std::string agenda_id = agenda;  // a lambda below uses it (clang 14: no bindings there)
  ASSERT_FALSE(progress_id.empty());
  const Json progress = WaitComplete(progress_id, seconds(120));
  ASSERT_EQ(Field(progress, "processingStateMessage"), "succeeded") << ToJsonText(progress);
  EXPECT_EQ(progress.Find("operationProgress")->AsArray().size(), 65U);
  std::string expected = "[";
  for (int i = 0; i < 32; ++i) expected += std::string(i != 0 ? "," : "") + std::to_string(i);
  expected += "]";
  const Json* join_op = Op(progress, "join");
  ASSERT_NE(join_op, nullptr);
  auto result = ParseJson(Field(*join_op, "resultPayload"));
  ASSERT_TRUE(result.ok()) << ToJsonText(*join_op);
  EXPECT_EQ(ToJsonText(*result->Find("all")), expected);
  EXPECT_THAT(ToJsonText(*result->Find("last")), HasSubstr(R"({"i":0,"root":7})"));
  EXPECT_EQ(Field(*Op(progress, "fan-3"), "resultPayload"), R"({"i":3,"root":7})");

  // One pod per non-resident operation, none twice, and one executor pod, which deleted itself
  // at the end (executor.reap.self).
  std::map<std::string, int> pods;
  EXPECT_TRUE(WaitUntilTheExecutorPodIsGone(agenda_id, pods));
  EXPECT_EQ(pods, (std::map<std::string, int>{
                      {"fan-0", 1}, {"fan-16", 1}, {"fan-24", 1}, {"fan-8", 1}, {"join", 1}}));
  EXPECT_EQ(ExecutorPodsCreated(), 1);
}

}  // namespace
}  // namespace pop::kubetest
