#include "core/json/json_depth.h"

#include <gtest/gtest.h>

#include "core/codec/json_text.h"

namespace pop {
namespace {

Json NestedObjects(size_t depth) {
  Json value = Json::Object();
  for (size_t i = 1; i < depth; ++i) value = Json(JsonObject{{"a", std::move(value)}});
  return value;
}

TEST(JsonDepthTest, DocumentAtTheLimitPassesAndOneDeeperIsNamedByItsPath) {
  EXPECT_FALSE(PathDeeperThan(NestedObjects(kMaxJsonDepth)).has_value());
  Json doc(JsonObject{{"x", 1}, {"ops", Json(JsonArray{Json(), NestedObjects(kMaxJsonDepth)})}});
  std::optional<std::string> path = PathDeeperThan(doc);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, "ops[1].a.a...");
}

TEST(JsonDepthTest, ScalarsAndShallowDocumentsPass) {
  EXPECT_FALSE(PathDeeperThan(Json(1)).has_value());
  EXPECT_FALSE(PathDeeperThan(Json::Array(), 1).has_value());
  EXPECT_TRUE(PathDeeperThan(Json(JsonArray{Json::Array()}), 1).has_value());
}

TEST(JsonDepthTest, ParserDefaultIsTheSharedLimit) {
  std::string at_limit(kMaxJsonDepth, '[');
  at_limit += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(at_limit).ok());
  std::string over(kMaxJsonDepth + 1, '[');
  over += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(ParseJson(over).ok());
}

TEST(JsonDepthTest, CheckJsonDepthIsAValidationErrorNamingTheField) {
  Status status = CheckJsonDepth(Json(JsonObject{{"payload", NestedObjects(kMaxJsonDepth)}}),
                                 "Expanded Agenda");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kValidation);
  EXPECT_EQ(status.message().rfind("Expanded Agenda field 'payload.a", 0), 0u) << status.message();
}

}  // namespace
}  // namespace pop
