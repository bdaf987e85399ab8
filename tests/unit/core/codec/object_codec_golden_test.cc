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
    // Whatever the encoder writes may be sent back: no field of it is unknown.
    EXPECT_TRUE(UnknownObjectFields(*kind, encoded).empty()) << ToJsonText(encoded);
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

TEST(ObjectCodecTest, UnknownFieldsAreFoundAtEveryLevelWithTheirPathAndLikelyMeaning) {
  Json agenda = testing::ParseOrDie(R"({
    "customerId": "acme", "colour": 1,
    "agendaInsight": {"insightID": "i"},
    "params": {"anything": {"goes": true}},
    "operations": [
      {"name": "a", "type": "t", "payload": {"free": "form"}},
      {"name": "b", "paylod": {}}
    ]})");

  std::vector<UnknownField> unknown = UnknownObjectFields(ObjectKind::kAgenda, agenda);

  ASSERT_EQ(unknown.size(), 3u);
  EXPECT_EQ(unknown[0].path, "colour");
  EXPECT_EQ(unknown[0].closest, "");
  EXPECT_EQ(unknown[1].path, "agendaInsight.insightID");
  EXPECT_EQ(unknown[1].closest, "insightId");
  EXPECT_EQ(unknown[2].path, "operations[1].paylod");
  EXPECT_EQ(unknown[2].closest, "payload");
}

TEST(ObjectCodecTest, DecodeStillIgnoresUnknownFields) {
  Result<Customer> decoded =
      Decode<Customer>(testing::ParseOrDie(R"({"id":"c","wieght":2,"title":"T"})"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->title, "T");
  EXPECT_FALSE(decoded->weight.has_value());
  EXPECT_EQ(UnknownFields<Customer>(testing::ParseOrDie(R"({"wieght":2})"))[0].closest, "weight");
}

}  // namespace
}  // namespace pop
