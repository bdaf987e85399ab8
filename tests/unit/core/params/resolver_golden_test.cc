// Golden whole-document cases for ReplaceReferences: one case per file in tests/data/resolver/,
// each { "description", "map", "document", "expect": { "document", "missing", "invalid" } }.
// Adding a case means adding a file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/codec/json_text.h"
#include "core/params/reference_replacer.h"
#include "support/test_data.h"

namespace pop {
namespace {

std::vector<std::filesystem::path> CaseFiles() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(POP_TEST_DATA_DIR) / "resolver";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Strings(const Json* array) {
  std::vector<std::string> out;
  if (array == nullptr) return out;
  for (const Json& item : array->AsArray()) out.push_back(item.AsString());
  return out;
}

TEST(ResolverGoldenTest, EveryCaseFileProducesItsExpectedResult) {
  const std::vector<std::filesystem::path> files = CaseFiles();
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    Result<Json> parsed = ParseJson(testing::ReadFile(file));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const Json& test_case = *parsed;
    const Json* description = test_case.Find("description");
    const Json* map_json = test_case.Find("map");
    const Json* document = test_case.Find("document");
    const Json* expect = test_case.Find("expect");
    ASSERT_TRUE(description != nullptr && description->is_string());
    ASSERT_TRUE(map_json != nullptr && map_json->is_object());
    ASSERT_TRUE(document != nullptr);
    ASSERT_TRUE(expect != nullptr && expect->Find("document") != nullptr);
    SCOPED_TRACE(description->AsString());
    ReferenceMap map;
    for (const auto& [name, value] : map_json->AsObject()) map.Set(name, value);

    ReplacementResult result = ReplaceReferences(*document, map);

    EXPECT_EQ(ToJsonText(result.document), ToJsonText(*expect->Find("document")));
    EXPECT_EQ(result.missing, Strings(expect->Find("missing")));
    EXPECT_EQ(result.invalid, Strings(expect->Find("invalid")));
  }
}

}  // namespace
}  // namespace pop
