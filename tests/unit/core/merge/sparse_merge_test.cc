#include "core/merge/sparse_merge.h"

#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "support/test_data.h"

namespace pop {
namespace {

TEST(SparseMergeTest, PresentFieldsReplaceAbsentFieldsKeep) {
  Json stored = testing::ParseOrDie(R"({"id":"1","title":"old","linkId":"L"})");
  Json patch = testing::ParseOrDie(R"({"title":"new","jobId":"J"})");
  EXPECT_EQ(ToJsonText(SparseMerge(stored, patch)),
            R"({"id":"1","title":"new","linkId":"L","jobId":"J"})");
}

TEST(SparseMergeTest, NullInPatchKeepsStoredValue) {
  Json stored = testing::ParseOrDie(R"({"title":"old"})");
  Json patch = testing::ParseOrDie(R"({"title":null})");
  EXPECT_EQ(ToJsonText(SparseMerge(stored, patch)), R"({"title":"old"})");
}

TEST(SparseMergeTest, NestedObjectsAndArraysAreReplacedWholesale) {
  Json stored = testing::ParseOrDie(R"({"params":{"a":1,"b":2},"ops":[1,2,3]})");
  Json patch = testing::ParseOrDie(R"({"params":{"c":3},"ops":[]})");
  EXPECT_EQ(ToJsonText(SparseMerge(stored, patch)), R"({"params":{"c":3},"ops":[]})");
}

TEST(SparseMergeTest, TypedMergeOfAgendas) {
  Agenda stored;
  stored.id = "a";
  stored.link_id = "L";
  stored.operations = std::vector<Operation>{Operation{}, Operation{}};
  Agenda patch;
  patch.job_id = "J";
  DataObject merged = SparseMerge(DataObject(stored), DataObject(patch));
  const auto& agenda = std::get<Agenda>(merged);
  EXPECT_EQ(agenda.link_id, "L");
  EXPECT_EQ(agenda.job_id, "J");
  EXPECT_EQ(agenda.operations->size(), 2u);
}

}  // namespace
}  // namespace pop
