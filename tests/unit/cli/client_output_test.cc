// The --output formats of the read commands: YAML that yaml-cpp reads back to the same value as
// the JSON, and Structured choosing between them.
#include "cli/client_output.h"

#include <gtest/gtest.h>

#include "support/test_data.h"
#include "support/yaml_json.h"

namespace pop::cli {
namespace {

Json RoundTrip(const Json& value) { return testing::YamlToJson(Yaml(value)); }

TEST(ClientOutputYamlTest, ReadsBackAsTheSameValueWithTrickyStringsKeysAndNesting) {
  const Json value = testing::ParseOrDie(R"({
    "plain": "text", "yes": "no", "n": "12", "on": null, "": "empty key", "with space": true,
    "12": -7, "a:b": 1.5, "#hash": "- dash", "quote": "say \"hi\"\n\tand go", "utf": "héllo ✓",
    "empty": "", "obj": {}, "arr": [], "colon": "a: b", "false": false,
    "list": [1, "two", null, [], {}, [3, [4]], {"k": "v", "deep": {"x": [{"y": 1}]}}],
    "nested": {"agenda": {"operations": [{"name": "a", "payload": {"g": "null"}}]}}
  })");
  EXPECT_EQ(RoundTrip(value), value) << Yaml(value);
}

TEST(ClientOutputYamlTest, TopLevelArraysAndScalarsReadBack) {
  for (const char* text : {R"([{"a": 1, "b": [2]}, {"c": {}}])", R"([])", R"({})", R"("x")",
                           R"(42)", R"([[1, 2], ["3"]])"}) {
    const Json value = testing::ParseOrDie(text);
    EXPECT_EQ(RoundTrip(value), value) << text << "\n" << Yaml(value);
  }
}

TEST(ClientOutputYamlTest, ASequenceOfMappingsStartsEachMappingOnItsDashLine) {
  const Json value =
      testing::ParseOrDie(R"({"all": [{"type": "sample", "pools": ["p1"]}, {"type": "noop"}]})");
  EXPECT_EQ(Yaml(value),
            "all:\n"
            "  - type: \"sample\"\n"
            "    pools:\n"
            "      - \"p1\"\n"
            "  - type: \"noop\"\n");
}

TEST(ClientOutputYamlTest, StructuredIsJsonOrYamlAndNothingForTables) {
  const Json value = testing::ParseOrDie(R"({"id": "A"})");
  EXPECT_EQ(Structured(OutputFormat::kJson, value), "{\n  \"id\": \"A\"\n}\n");
  EXPECT_EQ(Structured(OutputFormat::kYaml, value), "id: \"A\"\n");
  EXPECT_EQ(Structured(OutputFormat::kTable, value), "");
  EXPECT_FALSE(IsStructured(OutputFormat::kTable));
  EXPECT_TRUE(IsStructured(OutputFormat::kYaml));
}

}  // namespace
}  // namespace pop::cli
