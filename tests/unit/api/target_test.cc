#include "api/target.h"

#include <gtest/gtest.h>

namespace pop::api {
namespace {

TEST(TargetTest, SplitsPathAndDecodesQuery) {
  auto target = ParseTarget("/pop/agenda/a%2Fb?bylinkId=job%20123&byfields=id,title&x=a+b");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->segments, (std::vector<std::string>{"pop", "agenda", "a/b"}));
  ASSERT_NE(target->QueryValue("bylinkId"), nullptr);
  EXPECT_EQ(*target->QueryValue("bylinkId"), "job 123");
  EXPECT_EQ(*target->QueryValue("x"), "a b");
  EXPECT_EQ(target->QueryValue("missing"), nullptr);
}

TEST(TargetTest, RejectsBrokenPercentEncoding) {
  EXPECT_FALSE(ParseTarget("/pop/agenda/%zz").has_value());
  EXPECT_FALSE(ParseTarget("/pop/agenda?x=%4").has_value());
}

TEST(TargetTest, IgnoresEmptySegments) {
  auto target = ParseTarget("//pop///customer/");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->segments, (std::vector<std::string>{"pop", "customer"}));
}

}  // namespace
}  // namespace pop::api
