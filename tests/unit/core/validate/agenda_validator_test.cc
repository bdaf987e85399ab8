#include "core/validate/agenda_validator.h"

#include <gtest/gtest.h>

#include "core/codec/object_codec.h"
#include "support/agenda_json.h"
#include "support/test_data.h"

namespace pop {
namespace {

std::string MessageOf(const std::string& json) {
  Status status = ValidateAgenda(testing::AgendaFrom(json));
  if (status.ok()) return "ok";
  EXPECT_EQ(status.code(), ErrorCode::kValidation);
  return status.message();
}

TEST(AgendaValidatorTest, AcceptsTheSpecExample) {
  EXPECT_EQ(MessageOf(R"({"operations":[
      {"name":"a","type":"sample","payload":{"resultPayload":{"v":"x"}}},
      {"name":"b","type":"sample","payload":{"actions":[{"action":"log","paramsMap":{"logMessage":"@<a.out::/v>"}}]}}]})"),
            "ok");
}

TEST(AgendaValidatorTest, RejectsMissingOrEmptyOperations) {
  EXPECT_EQ(MessageOf(R"({})"), "No operations specified in Agenda.");
  EXPECT_EQ(MessageOf(R"({"operations":[]})"), "No operations specified in Agenda.");
}

TEST(AgendaValidatorTest, RejectsUnnamedOperations) {
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a"},{"type":"x"}]})"),
            "Operations must have names.");
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":""}]})"), "Operations must have names.");
}

TEST(AgendaValidatorTest, RejectsNamesThatDifferOnlyInCase) {
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"foo"},{"name":"FOo"}]})"),
            "Operation names must be unique.");
}

TEST(AgendaValidatorTest, ReportsMissingReferencesIncludingPopTokens) {
  EXPECT_EQ(
      MessageOf(
          R"({"operations":[{"name":"a","payload":{"x":"@<b.out::/y>","z":"@<pop.agendaId>"}}]})"),
      "Validation Issues detected: Invalid references found in operation [a] payload: "
      "@<b.out::/y>,@<pop.agendaId>");
}

TEST(AgendaValidatorTest, IgnoresPopTokensAlone) {
  EXPECT_EQ(
      MessageOf(
          R"({"operations":[{"name":"a","payload":"@<pop.agendaId>/@<pop.operationName>"}]})"),
      "ok");
}

TEST(AgendaValidatorTest, InvalidPointersAreNotErrorsAtSubmitTime) {
  EXPECT_EQ(
      MessageOf(
          R"({"operations":[{"name":"a"},{"name":"b","payload":"@<a.out::/not/known/yet>"}]})"),
      "ok");
}

TEST(AgendaValidatorTest, SeveralReferencesInOneStringAreAccepted) {
  // The original full-matched this as one reference named "a.out>-@<b.out" and rejected it.
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a"},{"name":"b"},
      {"name":"c","payload":"@<a.out>-@<b.out::/x>"}]})"),
            "ok");
}

TEST(AgendaValidatorTest, DetectsSelfReference) {
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","payload":"@<a.out>"}]})"),
            "Validation Issues detected: There is a circular reference involving the operation: a");
}

TEST(AgendaValidatorTest, DetectsCycleThroughReferences) {
  EXPECT_EQ(
      MessageOf(
          R"({"operations":[{"name":"a","payload":"@<b.out>"},{"name":"b","payload":"@<a.out>"},
      {"name":"c","payload":"@<a.out>"}]})"),
      "Validation Issues detected: There is a circular reference involving the operation: "
      "a,There is a circular reference involving the operation: b");
}

TEST(AgendaValidatorTest, DependsOnEdgesCountInTheCycleCheck) {
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":"b"}},
      {"name":"b","payload":"@<a.out>"}]})"),
            "Validation Issues detected: There is a circular reference involving the operation: "
            "a,There is a circular reference involving the operation: b");
}

TEST(AgendaValidatorTest, DependsOnNamingNoOperationIsAnIssue) {
  EXPECT_EQ(
      MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":" b , c,"}},{"name":"b"}]})"),
      "Validation Issues detected: Invalid dependsOn found in operation [a]: c (no such "
      "operation)");
}

TEST(AgendaValidatorTest, TruncatesAfterTenIssues) {
  std::string ops;
  for (int i = 0; i < 12; ++i) {
    if (i > 0) ops += ",";
    ops += R"({"name":"op)" + std::to_string(i) + R"(","payload":"@<missing.out>"})";
  }
  std::string message = MessageOf(R"({"operations":[)" + ops + "]}");
  EXPECT_NE(message.find("[op9]"), std::string::npos);
  EXPECT_EQ(message.find("[op10]"), std::string::npos);
  EXPECT_EQ(message.substr(message.size() - 30), "[Truncating additional issues]");
}

TEST(AgendaValidatorTest, LongChainsValidateWithoutDeepRecursion) {
  std::string ops = R"({"name":"op0"})";
  for (int i = 1; i < 100000; ++i) {
    ops += R"(,{"name":"op)" + std::to_string(i) + R"(","payload":"@<op)" + std::to_string(i - 1) +
           R"(.out>"})";
  }
  EXPECT_EQ(MessageOf(R"({"operations":[)" + ops + "]}"), "ok");
}

TEST(AgendaValidatorTest, DependsOnNamesAreTrimmedAndEmptyEntriesDropped) {
  Operation op;
  op.params = testing::ParseOrDie(R"({"dependsOn":" a,,b ,"})");
  EXPECT_EQ(DependsOnNames(op), (std::vector<std::string>{"a", "b"}));
}

TEST(AgendaValidatorTest, DependsOnMayBeAJsonArrayOfNames) {
  Operation op;
  op.params = testing::ParseOrDie(R"({"dependsOn":["a"," b ",""]})");
  EXPECT_EQ(DependsOnNames(op), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":["b","c"]}},
      {"name":"b"}]})"),
            "Validation Issues detected: Invalid dependsOn found in operation [a]: c (no such "
            "operation)");
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":["b"]}},
      {"name":"b","payload":"@<a.out>"}]})"),
            "Validation Issues detected: There is a circular reference involving the operation: "
            "a,There is a circular reference involving the operation: b");
}

TEST(AgendaValidatorTest, DependsOnThatIsNeitherAStringNorAnArrayOfNamesIsAnIssue) {
  const std::string expected =
      "Validation Issues detected: Invalid dependsOn found in operation [a]: expected a "
      "comma-separated string or an array of operation names";
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":["b",1]}},
      {"name":"b"}]})"),
            expected);
  EXPECT_EQ(MessageOf(R"({"operations":[{"name":"a","params":{"dependsOn":{"b":1}}},
      {"name":"b"}]})"),
            expected);
}

}  // namespace
}  // namespace pop
