// Golden files under tests/data/codec: input JSON → struct → output JSON, one case per file.
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "support/test_data.h"

namespace pop {
namespace {

std::optional<ObjectKind> KindNamed(const std::string& name) {
  for (ObjectKind kind : kAllObjectKinds) {
    if (name == ObjectKindName(kind)) return kind;
  }
  return std::nullopt;
}

TEST(ObjectCodecGoldenTest, EveryCaseRoundTripsAsExpected) {
  auto files = testing::GoldenFiles("codec");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    Json golden = testing::ParseOrDie(testing::ReadFile(file));
    ASSERT_NE(golden.Find("description"), nullptr);
    auto kind = KindNamed(golden.Find("kind")->AsString());
    ASSERT_TRUE(kind.has_value());
    Result<DataObject> decoded = DecodeObject(*kind, *golden.Find("input"));
    if (const Json* expected_error = golden.Find("expect_error")) {
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(decoded.error().message, expected_error->AsString());
      continue;
    }
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    Json encoded = EncodeObject(*decoded);
    EXPECT_EQ(encoded, *golden.Find("expect"))
        << "got      " << ToJsonText(encoded) << "\nexpected "
        << ToJsonText(*golden.Find("expect"));
    // Encoding is stable: decoding the output gives the same output again.
    Result<DataObject> again = DecodeObject(*kind, encoded);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(ToJsonText(EncodeObject(*again)), ToJsonText(encoded));
  }
}

TEST(ObjectCodecTest, PercentCompleteKeepsItsDecimalPointOnOutput) {
  OperationProgress progress;
  progress.percent_complete = 100.0;
  EXPECT_EQ(ToJsonText(Encode(progress)), R"({"percentComplete":100.0})");
}

TEST(ObjectCodecTest, AbsentFieldsAreOmittedAndBaseFieldsComeFirst) {
  Customer customer;
  customer.resource_pool_id = "rp";
  customer.id = "acme";
  EXPECT_EQ(ToJsonText(Encode(customer)), R"({"id":"acme","resourcePoolId":"rp"})");
}

TEST(ObjectCodecTest, NullMeansAbsent) {
  auto decoded = Decode<Customer>(testing::ParseOrDie(R"({"id":null,"title":null})"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->id.has_value());
  EXPECT_FALSE(decoded->title.has_value());
}

}  // namespace
}  // namespace pop
