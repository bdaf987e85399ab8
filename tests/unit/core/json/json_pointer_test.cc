#include "core/json/json_pointer.h"

#include <gtest/gtest.h>

#include "support/test_data.h"

namespace pop {
namespace {

TEST(JsonPointerTest, FollowsMembersAndIndexes) {
  Json doc = testing::ParseOrDie(R"({"a":[{"b":1},{"b":2}],"c~d":3,"e/f":4,"":5})");
  EXPECT_EQ(*EvaluatePointer(doc, "/a/1/b"), Json(2));
  EXPECT_EQ(*EvaluatePointer(doc, "/c~0d"), Json(3));
  EXPECT_EQ(*EvaluatePointer(doc, "/e~1f"), Json(4));
  EXPECT_EQ(*EvaluatePointer(doc, "/"), Json(5));
  EXPECT_EQ(EvaluatePointer(doc, ""), &doc);
}

TEST(JsonPointerTest, MissingIsNullptrNotAnError) {
  Json doc = testing::ParseOrDie(R"({"a":[1,2]})");
  EXPECT_EQ(EvaluatePointer(doc, "/a/2"), nullptr);
  EXPECT_EQ(EvaluatePointer(doc, "/a/01"), nullptr);
  EXPECT_EQ(EvaluatePointer(doc, "/a/-"), nullptr);
  EXPECT_EQ(EvaluatePointer(doc, "/x/y"), nullptr);
  EXPECT_EQ(EvaluatePointer(doc, "/a/0/deeper"), nullptr);
  EXPECT_EQ(EvaluatePointer(doc, "no-slash"), nullptr);
}

}  // namespace
}  // namespace pop
