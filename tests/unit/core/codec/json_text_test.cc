#include "core/codec/json_text.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

TEST(JsonTextTest, RoundTripsScalarsAndContainers) {
  const char* text = R"({"a":1,"b":-2.5,"c":"x\ny\"z","d":[true,false,null],"e":{}})";
  auto parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ToJsonText(*parsed), text);
}

TEST(JsonTextTest, KeepsMemberOrder) {
  auto parsed = ParseJson(R"({"z":1,"a":2,"m":3})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ToJsonText(*parsed), R"({"z":1,"a":2,"m":3})");
}

TEST(JsonTextTest, RepeatedKeyKeepsFirstPositionAndLastValue) {
  auto parsed = ParseJson(R"({"a":1,"b":2,"a":3})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(ToJsonText(*parsed), R"({"a":3,"b":2})");
}

TEST(JsonTextTest, IntegralDoublesPrintWithDecimalPoint) {
  EXPECT_EQ(ToJsonText(Json(100.0)), "100.0");
  EXPECT_EQ(ToJsonText(Json(0.1)), "0.1");
  EXPECT_EQ(ToJsonText(Json(1e21)), "1e+21");
}

TEST(JsonTextTest, MalformedJsonIsAnInvalidArgumentNamingThePosition) {
  auto parsed = ParseJson(R"({"a": })");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message.find("column"), std::string::npos) << parsed.error().message;
}

TEST(JsonTextTest, RefusesNestingDeeperThanTheLimit) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  auto parsed = ParseJson(deep, {.max_depth = 128});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("deeper than 128"), std::string::npos);
  EXPECT_TRUE(ParseJson(deep, {.max_depth = 256}).ok());
}

TEST(JsonTextTest, HugeObjectsWithManyKeysParseInLinearTime) {
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) {
    if (i > 0) text += ",";
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  text += "}";
  auto parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->AsObject().size(), 200000u);
}

TEST(JsonTextTest, InvalidUtf8InStringsPrintsAsReplacementCharacter) {
  EXPECT_EQ(ToJsonText(Json(std::string("a\xff"
                                        "b"))),
            "\"a\xEF\xBF\xBD"
            "b\"");
}

TEST(JsonTextTest, RejectsInvalidUtf8Input) { EXPECT_FALSE(ParseJson("\"\xff\"").ok()); }

TEST(JsonTextTest, LargeUnsignedBecomesDouble) {
  auto parsed = ParseJson("18446744073709551615");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->is_double());
}

}  // namespace
}  // namespace pop
