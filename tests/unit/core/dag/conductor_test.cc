#include "core/dag/conductor.h"

#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "support/agenda_json.h"
#include "support/test_data.h"

namespace pop {
namespace {

std::vector<std::string> Names(const std::vector<ReadyOperation>& ready) {
  std::vector<std::string> names;
  for (const auto& op : ready) names.push_back(op.name);
  return names;
}

using V = std::vector<std::string>;

TEST(ConductorTest, ReferenceMakesADependencyAndResolvesFromTheOutput) {
  Conductor c(testing::AgendaFrom(R"({"id":"ag-1","operations":[
    {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
    {"name":"b","type":"sample","payload":{"msg":"@<a.out::/v>","me":"@<pop.operationName>@<pop.agendaId>"}}]})"),
              {});
  auto first = c.TakeReady(10);
  ASSERT_EQ(Names(first), V{"a"});
  EXPECT_TRUE(c.TakeReady(10).empty());
  c.Complete("a", true, testing::ParseOrDie(R"({"v":"x"})"));
  auto second = c.TakeReady(10);
  ASSERT_EQ(Names(second), V{"b"});
  EXPECT_EQ(ToJsonText(second[0].payload), R"({"msg":"x","me":"bag-1"})");
  c.Complete("b", true, std::nullopt);
  EXPECT_TRUE(c.Finished());
  EXPECT_FALSE(c.Failed());
  EXPECT_EQ(c.completed(), 2u);
}

TEST(ConductorTest, IndependentOperationsStartTogetherUpToTheLimit) {
  Conductor c(testing::AgendaFrom(R"({"operations":[{"name":"a"},{"name":"b"},{"name":"c"},
    {"name":"d","payload":["@<a.out>","@<b.out>","@<c.out>"]}]})"),
              {});
  EXPECT_EQ(Names(c.TakeReady(2)), (V{"a", "b"}));
  EXPECT_EQ(Names(c.TakeReady(5)), (V{"c"}));
  c.Complete("a", true, Json(1));
  c.Complete("b", true, Json(2));
  EXPECT_TRUE(c.TakeReady(5).empty());
  c.Complete("c", true, Json(3));
  auto join = c.TakeReady(5);
  ASSERT_EQ(Names(join), V{"d"});
  EXPECT_EQ(ToJsonText(join[0].payload), "[1,2,3]");
}

TEST(ConductorTest, DependsOnOrdersWithoutAReference) {
  Conductor c(testing::AgendaFrom(
                  R"({"operations":[{"name":"a","params":{"dependsOn":" b "}},{"name":"b"}]})"),
              {});
  EXPECT_EQ(Names(c.TakeReady(5)), V{"b"});
  c.Complete("b", true, std::nullopt);
  EXPECT_EQ(Names(c.TakeReady(5)), V{"a"});
}

TEST(ConductorTest, DependsOnAsAnArrayOrdersLikeTheCommaString) {
  Conductor c(testing::AgendaFrom(R"({"operations":[{"name":"a","params":{"dependsOn":["b","c"]}},
                                           {"name":"b"},{"name":"c"}]})"),
              {});
  EXPECT_EQ(Names(c.TakeReady(5)), (V{"b", "c"}));
  c.Complete("b", true, std::nullopt);
  EXPECT_TRUE(c.TakeReady(5).empty());
  c.Complete("c", true, std::nullopt);
  EXPECT_EQ(Names(c.TakeReady(5)), V{"a"});
}

TEST(ConductorTest, AFailureStopsNewStartsWhileRunningOperationsFinish) {
  Conductor c(
      testing::AgendaFrom(
          R"({"operations":[{"name":"a"},{"name":"b"},{"name":"c","payload":"@<a.out>"}]})"),
      {});
  EXPECT_EQ(Names(c.TakeReady(5)), (V{"a", "b"}));
  c.Complete("a", false, std::nullopt);
  EXPECT_TRUE(c.Failed());
  EXPECT_FALSE(c.Finished());  // b still runs
  EXPECT_TRUE(c.TakeReady(5).empty());
  c.Complete("b", true, std::nullopt);
  EXPECT_TRUE(c.Finished());
  EXPECT_EQ(c.completed(), 2u);
  EXPECT_EQ(c.total(), 3u);
}

TEST(ConductorTest, PriorSuccessesAreSkippedAndFeedTheirDependants) {
  OperationProgress a;
  a.operation = "a";
  a.processing_state = ProcessingState::kComplete;
  a.processing_state_message = "SUCCEEDED";
  a.result_payload = R"({"v":"from-before"})";
  OperationProgress b;
  b.operation = "b";
  b.processing_state = ProcessingState::kComplete;
  b.processing_state_message = "failed";
  Conductor c(
      testing::AgendaFrom(R"({"operations":[{"name":"a"},{"name":"b","payload":"@<a.out::/v>"}]})"),
      {a, b});
  EXPECT_EQ(c.completed(), 1u);
  auto ready = c.TakeReady(5);
  ASSERT_EQ(Names(ready), V{"b"});
  EXPECT_EQ(ToJsonText(ready[0].payload), R"("from-before")");
  ASSERT_TRUE(ready[0].prior_progress.has_value());
  EXPECT_EQ(ready[0].prior_progress->processing_state_message, "failed");
}

TEST(ConductorTest, GeneratorAddsOperationsThatRunAfterIt) {
  Conductor c(testing::AgendaFrom(R"({"operations":[
    {"name":"g","type":"updateAgenda","params":{"agenda.operation.generator":{"operationsJsonPointer":"/operations"}}},
    {"name":"after","params":{"dependsOn":"g"}}]})"),
              {});
  EXPECT_EQ(Names(c.TakeReady(5)), V{"g"});
  auto generated = c.Complete(
      "g", true,
      testing::ParseOrDie(
          R"({"operations":[{"name":"x","type":"noop"},{"name":"y","type":"noop","payload":"@<x.out>"}]})"));
  ASSERT_EQ(generated.size(), 2u);
  EXPECT_EQ(ToJsonText(*generated[0].params), R"({"generatedOperationParent":"g"})");
  EXPECT_EQ(c.total(), 4u);
  EXPECT_EQ(Names(c.TakeReady(5)), (V{"after", "x"}));
  c.Complete("x", true, Json("ex"));
  EXPECT_EQ(Names(c.TakeReady(5)), V{"y"});
}

TEST(ConductorTest, GeneratorWithoutTheListFailsTheAgenda) {
  Conductor c(testing::AgendaFrom(R"({"operations":[
    {"name":"g","params":{"agenda.operation.generator":{"operationsJsonPointer":"/ops"}}},{"name":"z","payload":"@<g.out>"}]})"),
              {});
  c.TakeReady(5);
  c.Complete("g", true, Json::Object());
  EXPECT_TRUE(c.Failed());
  EXPECT_TRUE(c.TakeReady(5).empty());
  EXPECT_TRUE(c.Finished());
  ASSERT_EQ(c.errors().size(), 1u);
  EXPECT_EQ(
      c.errors()[0],
      "Failed to extract field operations for operation generator. /ops not found in output of g");
}

TEST(ConductorTest, InvalidReferenceAtStartFailsInsteadOfPassingTheRawText) {
  Conductor c(testing::AgendaFrom(
                  R"({"operations":[{"name":"a"},{"name":"b","payload":"@<a.out::/missing>"}]})"),
              {});
  c.TakeReady(5);
  c.Complete("a", true, Json::Object());
  EXPECT_TRUE(c.TakeReady(5).empty());
  EXPECT_TRUE(c.Failed());
  EXPECT_TRUE(c.Finished());
  EXPECT_EQ(c.errors()[0], "Operation b has invalid references: @<a.out::/missing>");
}

TEST(ConductorTest, GeneratedOperationWaitingForANonexistentOneIsADeadlock) {
  Conductor c(testing::AgendaFrom(R"({"operations":[
    {"name":"g","params":{"agenda.operation.generator":{}}}]})"),
              {});
  c.TakeReady(5);
  c.Complete(
      "g", true,
      testing::ParseOrDie(R"({"operations":[{"name":"x","params":{"dependsOn":"ghost"}}]})"));
  EXPECT_TRUE(c.TakeReady(5).empty());
  EXPECT_TRUE(c.Finished());
  ASSERT_EQ(c.errors().size(), 1u);
  EXPECT_NE(c.errors()[0].find("deadlock"), std::string::npos);
}

TEST(ConductorTest, TenThousandOperationChainRunsInOrder) {
  std::string ops = R"({"name":"op0"})";
  for (int i = 1; i < 10000; ++i) {
    ops += R"(,{"name":"op)" + std::to_string(i) + R"(","payload":"@<op)" + std::to_string(i - 1) +
           R"(.out>"})";
  }
  Conductor c(testing::AgendaFrom(R"({"operations":[)" + ops + "]}"), {});
  for (int i = 0; i < 10000; ++i) {
    auto ready = c.TakeReady(50);
    ASSERT_EQ(ready.size(), 1u);
    ASSERT_EQ(ready[0].name, "op" + std::to_string(i));
    c.Complete(ready[0].name, true, Json(i));
  }
  EXPECT_TRUE(c.Finished());
  EXPECT_EQ(c.completed(), 10000u);
}

}  // namespace
}  // namespace pop
