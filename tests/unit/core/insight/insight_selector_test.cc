#include "core/insight/insight_selector.h"

#include <gtest/gtest.h>

#include "core/codec/object_codec.h"
#include "support/agenda_json.h"
#include "support/test_data.h"

namespace pop {
namespace {

Insight InsightFrom(const std::string& json) { return *Decode<Insight>(testing::ParseOrDie(json)); }

const char kSampleAgenda[] =
    R"({"params":{"MyParam":"MYVALUE","count":5},"operations":[{"name":"Encode.1","type":"Sample"}]})";

TEST(InsightSelectorTest, MatchesOperationTypeCaseInsensitively) {
  auto insights = {InsightFrom(R"({"id":"i1","mappers":{"operationType":["sample"]}})")};
  EXPECT_EQ(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights), 0u);
}

TEST(InsightSelectorTest, MatchesOperationName) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","mappers":{"operationName":["analysis"]}})"),
      InsightFrom(R"({"id":"i2","mappers":{"OPERATIONNAME":["encode.1"]}})")};
  EXPECT_EQ(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights), 1u);
}

TEST(InsightSelectorTest, ParamMapComparesLowerCasedKeysAndTextValues) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","mappers":{"paramMap":["myparam=mYvalue"]}})")};
  EXPECT_EQ(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights), 0u);
  insights = {InsightFrom(R"({"id":"i1","mappers":{"paramMap":[" count=5=ignored "]}})")};
  EXPECT_EQ(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights), 0u);
}

TEST(InsightSelectorTest, ParamMapMatchesOperationParamsToo) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","mappers":{"paramMap":["tier=gold"]}})")};
  EXPECT_EQ(SelectInsight(
                testing::AgendaFrom(R"({"operations":[{"name":"a","params":{"Tier":"Gold"}}]})"),
                insights),
            0u);
}

TEST(InsightSelectorTest, ParamMapRulesWithoutKeyAreIgnored) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","mappers":{"paramMap":["=x","noequals","k="]}})")};
  EXPECT_FALSE(SelectInsight(
      testing::AgendaFrom(R"({"params":{"k":""},"operations":[{"name":"a"}]})"), insights));
}

TEST(InsightSelectorTest, InsightWithoutMappersNeverMatches) {
  std::vector<Insight> insights = {InsightFrom(R"({"id":"i1"})"),
                                   InsightFrom(R"({"id":"i2","mappers":{}})")};
  EXPECT_FALSE(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights));
}

TEST(InsightSelectorTest, UnknownMapperKindsAreIgnored) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","mappers":{"operationColour":["Sample"]}})")};
  EXPECT_FALSE(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights));
}

TEST(InsightSelectorTest, FirstMatchWinsWithoutDefaultInsight) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","title":"one","mappers":{"operationType":["sample"]}})"),
      InsightFrom(R"({"id":"i2","title":"two","mappers":{"operationType":["sample"]}})")};
  EXPECT_EQ(SelectInsight(testing::AgendaFrom(kSampleAgenda), insights), 0u);
}

TEST(InsightSelectorTest, DefaultInsightByTitleOrIdWinsAmongMatches) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","title":"one","mappers":{"operationType":["sample"]}})"),
      InsightFrom(R"({"id":"i2","title":"Two","mappers":{"operationType":["sample"]}})")};
  auto agenda = testing::AgendaFrom(
      R"({"params":{"defaultInsight":"TWO"},"operations":[{"name":"a","type":"sample"}]})");
  EXPECT_EQ(SelectInsight(agenda, insights), 1u);
  agenda = testing::AgendaFrom(
      R"({"params":{"defaultInsight":"I2"},"operations":[{"name":"a","type":"sample"}]})");
  EXPECT_EQ(SelectInsight(agenda, insights), 1u);
}

TEST(InsightSelectorTest, UnmatchedDefaultInsightFallsBackToFirstMatch) {
  std::vector<Insight> insights = {
      InsightFrom(R"({"id":"i1","title":"one","mappers":{"operationType":["other"]}})"),
      InsightFrom(R"({"id":"i2","title":"two","mappers":{"operationType":["sample"]}})"),
      InsightFrom(R"({"id":"i3","title":"three","mappers":{"operationType":["sample"]}})")};
  auto agenda = testing::AgendaFrom(
      R"({"params":{"defaultInsight":"one"},"operations":[{"name":"a","type":"sample"}]})");
  EXPECT_EQ(SelectInsight(agenda, insights), 1u);
}

}  // namespace
}  // namespace pop
