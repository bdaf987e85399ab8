#include "core/base/closest_name.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

TEST(ClosestNameTest, CountsInsertionsDeletionsReplacementsAndSwaps) {
  EXPECT_EQ(EditDistance("payload", "payload"), 0u);
  EXPECT_EQ(EditDistance("paylod", "payload"), 1u);
  EXPECT_EQ(EditDistance("sumbit", "submit"), 1u);  // a swap of neighbours is one edit
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestNameTest, PicksTheNearestWithinTheLimitOrNothing) {
  const std::vector<std::string> names = {"name", "type", "payload", "params"};
  EXPECT_EQ(ClosestName("tpye", names), "type");
  EXPECT_EQ(ClosestName("paylod", names), "payload");
  EXPECT_EQ(ClosestName("colour", names), "");
  EXPECT_EQ(ClosestName("param", names), "params");
  EXPECT_EQ(ClosestName("xyz", names), "");
  EXPECT_EQ(ClosestName("xyz", names, 3), "type");  // three edits: allowed only when asked
}

}  // namespace
}  // namespace pop
