#include "core/params/reference_replacer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/json_text.h"

namespace pop {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Json ParseOrDie(std::string_view text) {
  Result<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

ReferenceMap MapOf(std::string_view json_object) {
  ReferenceMap map;
  const Json entries = ParseOrDie(json_object);
  for (const auto& [name, value] : entries.AsObject()) map.Set(name, value);
  return map;
}

// Replaces references in one string value and returns what it became.
Json ReplaceInString(std::string_view s, const ReferenceMap& map) {
  return ReplaceReferences(Json(s), map).document;
}

struct Row {
  const char* input;
  Json expected;
};

// Spec §11.5, first table.
const char kFlatMap[] = R"({"sampleValue": "85", "sampleValue2": "95"})";
// Spec §11.5, second table.
const char kNestedMap[] =
    R"({"sampleValue": {"subItem": {"item": "55", "item2": {"leaf": "node"}, "item3": "45"}}})";

TEST(ReferenceReplacerTest, ReplacesFlatValuesAsInTheSpecTable) {
  const ReferenceMap map = MapOf(kFlatMap);
  const std::vector<Row> rows = {
      {"85", "85"},
      {"@<sampleValue>", "85"},
      {"@<sampleValue><xmltag>45</xmltag>", "85<xmltag>45</xmltag>"},
      {"@<sampleValueX><xmltag>45</xmltag>", "@<sampleValueX><xmltag>45</xmltag>"},
      {"@<sampleValueX>", "@<sampleValueX>"},
      {"--@<sampleValueX>", "--@<sampleValueX>"},
      {"--@<sampleValueX>--", "--@<sampleValueX>--"},
      {"--@<sampleValueZ>----@<sampleValueB>--", "--@<sampleValueZ>----@<sampleValueB>--"},
      {"--@<sampleValue>--@<sampleValue2>", "--85--95"},
      {"@<sampleValue3>--@<sampleValue2>--", "@<sampleValue3>--95--"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.input);
    EXPECT_EQ(ReplaceInString(row.input, map), row.expected);
  }
}

TEST(ReferenceReplacerTest, ReplacesPointerValuesAsInTheSpecTable) {
  const ReferenceMap map = MapOf(kNestedMap);
  const std::vector<Row> rows = {
      {"@<sampleValue::subItem/item>-", "55-"},
      {"@<sampleValue::subItem/item2/leaf>-", "node-"},
      {"-@<sampleValue::subItem/item2/leaf>-", "-node-"},
      {"@<sampleValue::subItem/item3>", "45"},
      {"@<sampleValue::subItem/item3/nothere?95>", "95"},
      {"-@<sampleValue::subItem/item3/nothere?95>", "-95"},
      {"@<sampleValue::subItem/item3?95>", "45"},
      {"-@<sampleValue::/wrongitem?95>", "-95"},
      {"-@<sampleValue::/wrongitem?>", "-null"},
      {"@<sampleValue::/wrongitem?>", nullptr},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.input);
    ReplacementResult result = ReplaceReferences(Json(row.input), map);
    EXPECT_EQ(result.document, row.expected);
    EXPECT_EQ(result.document.type(), row.expected.type());
    EXPECT_THAT(result.missing, IsEmpty());
    EXPECT_THAT(result.invalid, IsEmpty());
  }
}

TEST(ReferenceReplacerTest, DefaultValueIsAlwaysAString) {
  const ReferenceMap map = MapOf(R"({"v": {}})");

  EXPECT_EQ(ReplaceInString("@<v::/a?95>", map), Json("95"));
  EXPECT_EQ(ReplaceInString("@<v::/a?true>", map), Json("true"));
  EXPECT_EQ(ReplaceInString("@<v::/a?null>", map), Json("null"));
}

TEST(ReferenceReplacerTest, ObjectInCompositeStringIsInvalid) {
  const ReferenceMap map = MapOf(R"({"sampleValue": {"testField": {"a": 1}}})");

  ReplacementResult result = ReplaceReferences(Json("-@<sampleValue::/testField>-"), map);

  EXPECT_EQ(result.document, Json("-@<sampleValue::/testField>-"));
  EXPECT_THAT(result.invalid, ElementsAre("sampleValue cannot be used in composite string"));
  EXPECT_THAT(result.missing, IsEmpty());
}

TEST(ReferenceReplacerTest, ArrayInCompositeStringIsInvalidWhileScalarsAreReplaced) {
  const ReferenceMap map = MapOf(R"({"list": [1, 2], "word": "w"})");

  ReplacementResult result = ReplaceReferences(Json("@<list>+@<word>"), map);

  EXPECT_EQ(result.document, Json("@<list>+w"));
  EXPECT_THAT(result.invalid, ElementsAre("list cannot be used in composite string"));
}

TEST(ReferenceReplacerTest, LooksUpArrayElementByPointer) {
  const ReferenceMap map = MapOf(R"({"sample": [{"test": "a"}, {"test": "b"}]})");

  ReplacementResult result = ReplaceReferences(Json("@<sample::/1/test>"), map);

  EXPECT_EQ(result.document, Json("b"));
  EXPECT_THAT(result.missing, IsEmpty());
  EXPECT_THAT(result.invalid, IsEmpty());
}

TEST(ReferenceReplacerTest, PointerOutOfRangeIsInvalid) {
  const ReferenceMap map = MapOf(R"({"sample": [{"test": "a"}, {"test": "b"}]})");

  ReplacementResult result = ReplaceReferences(Json("@<sample::/2/test>"), map);

  EXPECT_EQ(result.document, Json("@<sample::/2/test>"));
  EXPECT_THAT(result.invalid, ElementsAre("@<sample::/2/test>"));
  EXPECT_THAT(result.missing, IsEmpty());
}

TEST(ReferenceReplacerTest, RootPathAndNoPathYieldTheWholeValue) {
  const Json value = ParseOrDie(R"([{"test": "a"}, {"test": "b"}])");
  ReferenceMap map;
  map.Set("sample", value);

  EXPECT_EQ(ReplaceInString("@<sample::/>", map), value);
  EXPECT_EQ(ReplaceInString("@<sample>", map), value);
}

TEST(ReferenceReplacerTest, BlankPathYieldsTheWholeValue) {
  const ReferenceMap map = MapOf(R"({"v": {"k": 1}})");

  EXPECT_EQ(ReplaceInString("@<v:: >", map), ParseOrDie(R"({"k": 1})"));
  EXPECT_EQ(ReplaceInString("@<v::\t \xE3\x80\x80>", map), ParseOrDie(R"({"k": 1})"));
  // A no-break space is not Java whitespace: the path is the pointer "/\u00a0".
  EXPECT_EQ(ReplaceInString("@<v::\xC2\xA0>", map), Json("@<v::\xC2\xA0>"));
}

TEST(ReferenceReplacerTest, UnknownNameIsMissingAndNotInvalid) {
  const ReferenceMap map = MapOf(R"({"sample": [1]})");

  ReplacementResult result = ReplaceReferences(Json("@<badSample>"), map);

  EXPECT_EQ(result.document, Json("@<badSample>"));
  EXPECT_THAT(result.missing, ElementsAre("@<badSample>"));
  EXPECT_THAT(result.invalid, IsEmpty());
}

TEST(ReferenceReplacerTest, MissingReferenceTextKeepsThePath) {
  ReplacementResult result = ReplaceReferences(Json("x@<nope::/a?b>"), ReferenceMap());

  EXPECT_THAT(result.missing, ElementsAre("@<nope::/a?b>"));
}

TEST(ReferenceReplacerTest, InvalidReferenceTextShowsThePointerAsWritten) {
  const ReferenceMap map = MapOf(R"({"v": {}})");

  ReplacementResult result = ReplaceReferences(Json("@<v::a/b>"), map);

  EXPECT_THAT(result.invalid, ElementsAre("@<v::a/b>"));
}

TEST(ReferenceReplacerTest, PathSplitsAtTheFirstRunOfQuestionMarks) {
  const ReferenceMap map = MapOf(R"({"v": {}})");

  EXPECT_EQ(ReplaceInString("@<v::/a??b>", map), Json("b"));
  EXPECT_EQ(ReplaceInString("@<v::/a?b?c>", map), Json("b?c"));
  EXPECT_EQ(ReplaceInString("@<v::/a?b?>", map), Json("b?"));
  EXPECT_EQ(ReplaceInString("@<v::/a?\?>", map), Json(nullptr));
}

TEST(ReferenceReplacerTest, LeadingQuestionMarksAreDroppedFromThePointer) {
  const ReferenceMap map = MapOf(R"({"v": {"95": "found"}, "w": {}})");

  EXPECT_EQ(ReplaceInString("@<v::?95>", map), Json("found"));
  ReplacementResult result = ReplaceReferences(Json("@<w::??95>"), map);
  EXPECT_EQ(result.document, Json("@<w::??95>"));
  EXPECT_THAT(result.invalid, ElementsAre("@<w::95>"));
}

TEST(ReferenceReplacerTest, PathOfOnlyQuestionMarksYieldsNull) {
  const ReferenceMap map = MapOf(R"({"v": {"k": 1}})");

  EXPECT_EQ(ReplaceInString("@<v::?>", map), Json(nullptr));
  EXPECT_EQ(ReplaceInString("@<v::?\?\?>", map), Json(nullptr));
}

TEST(ReferenceReplacerTest, WholeStringReferenceTakesTheValueType) {
  const ReferenceMap map =
      MapOf(R"({"s": "text", "i": 42, "d": 1.5, "n": null, "o": {"k": [1]}, "a": [true]})");

  EXPECT_EQ(ReplaceInString("@<s>", map), Json("text"));
  EXPECT_EQ(ReplaceInString("@<i>", map), Json(42));
  EXPECT_EQ(ReplaceInString("@<d>", map), Json(1.5));
  EXPECT_EQ(ReplaceInString("@<n>", map), Json(nullptr));
  EXPECT_EQ(ReplaceInString("@<o>", map), ParseOrDie(R"({"k": [1]})"));
  EXPECT_EQ(ReplaceInString("@<a>", map), ParseOrDie("[true]"));
}

// Deliberate fix (b): the original left the string unchanged for a boolean value.
TEST(ReferenceReplacerTest, WholeStringReferenceToBooleanIsReplacedByTheBoolean) {
  const ReferenceMap map = MapOf(R"({"yes": true, "v": {"flag": false}})");

  EXPECT_EQ(ReplaceInString("@<yes>", map), Json(true));
  EXPECT_EQ(ReplaceInString("@<v::/flag>", map), Json(false));
}

TEST(ReferenceReplacerTest, CompositeStringUsesTextForms) {
  const ReferenceMap map = MapOf(R"({"s": "text", "i": 42, "d": 1.5, "n": null, "b": false})");

  EXPECT_EQ(ReplaceInString("[@<s>|@<i>|@<d>|@<n>|@<b>]", map), Json("[text|42|1.5|null|false]"));
}

// Deliberate fix (a): the original full-matched this as one reference named "a.out>-@<b.out".
TEST(ReferenceReplacerTest, ResolvesTwoReferencesWhenOnlyTheSecondHasAPath) {
  const ReferenceMap map = MapOf(R"({"a.out": "A", "b.out": {"x": 1}})");

  ReplacementResult result = ReplaceReferences(Json("@<a.out>-@<b.out::/x>"), map);

  EXPECT_EQ(result.document, Json("A-1"));
  EXPECT_THAT(result.missing, IsEmpty());
  EXPECT_THAT(result.invalid, IsEmpty());
}

// Deliberate fix (a): the original full-matched with PATH "/x>-@<b.out::/y" (invalid).
TEST(ReferenceReplacerTest, ResolvesTwoReferencesWithPaths) {
  const ReferenceMap map = MapOf(R"({"a.out": {"x": "X"}, "b.out": {"y": 2}})");

  ReplacementResult result = ReplaceReferences(Json("@<a.out::/x>-@<b.out::/y>"), map);

  EXPECT_EQ(result.document, Json("X-2"));
  EXPECT_THAT(result.missing, IsEmpty());
  EXPECT_THAT(result.invalid, IsEmpty());
}

TEST(ReferenceReplacerTest, ReportsOnlyTheReallyMissingReferenceOfACompositeString) {
  const ReferenceMap map = MapOf(R"({"a.out": "A"})");

  ReplacementResult result = ReplaceReferences(Json("@<a.out>-@<b.out::/x>"), map);

  EXPECT_EQ(result.document, Json("A-@<b.out::/x>"));
  EXPECT_THAT(result.missing, ElementsAre("@<b.out::/x>"));
}

TEST(ReferenceReplacerTest, ReplacesEveryOccurrenceOfTheSameReference) {
  const ReferenceMap map = MapOf(R"({"a": "A"})");

  EXPECT_EQ(ReplaceInString("@<a>@<a>", map), Json("AA"));
  EXPECT_EQ(ReplaceInString("@<a>@<a>@<b>", map), Json("AA@<b>"));
}

TEST(ReferenceReplacerTest, DoesNotScanInsertedTextAgain) {
  const ReferenceMap map = MapOf(R"({"a": "@<b>", "b": "B", "o": {"k": "@<b>"}})");

  EXPECT_EQ(ReplaceInString("@<a>", map), Json("@<b>"));
  EXPECT_EQ(ReplaceInString("x@<a>@<b>", map), Json("x@<b>B"));
  EXPECT_EQ(ReplaceInString("@<o>", map), ParseOrDie(R"({"k": "@<b>"})"));
}

TEST(ReferenceReplacerTest, WalksObjectsAndArraysButNotKeysOrOtherScalars) {
  const ReferenceMap map = MapOf(R"({"a": "A", "n": 7})");
  const Json document =
      ParseOrDie(R"({"@<a>": 1, "list": ["@<a>", ["x@<a>", {"deep": "@<n>"}], 3, true, null]})");

  ReplacementResult result = ReplaceReferences(document, map);

  EXPECT_EQ(ToJsonText(result.document),
            R"({"@<a>":1,"list":["A",["xA",{"deep":7}],3,true,null]})");
}

TEST(ReferenceReplacerTest, LeavesTheInputDocumentUntouched) {
  const ReferenceMap map = MapOf(R"({"a": "A"})");
  const Json document = ParseOrDie(R"({"k": "@<a>"})");

  ReplacementResult result = ReplaceReferences(document, map);

  EXPECT_EQ(ToJsonText(document), R"({"k":"@<a>"})");
  EXPECT_EQ(ToJsonText(result.document), R"({"k":"A"})");
}

TEST(ReferenceReplacerTest, ListsMissingAndInvalidOnceInDocumentOrder) {
  const ReferenceMap map = MapOf(R"({"v": {}})");
  const Json document = ParseOrDie(R"({
    "b": "@<z> @<v::/p>",
    "a": ["@<y>", "@<z>", {"c": "@<v::/p>@<v::/q>"}],
    "d": "@<y>"
  })");

  ReplacementResult result = ReplaceReferences(document, map);

  EXPECT_THAT(result.missing, ElementsAre("@<z>", "@<y>"));
  EXPECT_THAT(result.invalid, ElementsAre("@<v::/p>", "@<v::/q>"));
}

TEST(ReferenceReplacerTest, ReplacesAStringDocumentRoot) {
  const ReferenceMap map = MapOf(R"({"a": [1]})");

  EXPECT_EQ(ReplaceReferences(Json("@<a>"), map).document, ParseOrDie("[1]"));
}

TEST(ReferenceReplacerTest, LeavesLineTerminatedReferencesAlone) {
  const ReferenceMap map = MapOf(R"({"a": "A", "a\nb": "AB"})");

  ReplacementResult result = ReplaceReferences(Json("@<a\nb>"), map);

  EXPECT_EQ(result.document, Json("@<a\nb>"));
  EXPECT_THAT(result.missing, IsEmpty());
}

TEST(ReferenceReplacerTest, HandlesLargeAdversarialString) {
  std::string s;
  for (int i = 0; i < 50'000; ++i) s += "@<::";
  const ReferenceMap map = MapOf(R"({"a": "A"})");

  // Every "@<" before the line feed is unclosed; only the last reference matches.
  ReplacementResult result = ReplaceReferences(Json(s + "\n@<a>"), map);

  EXPECT_EQ(result.document, Json(s + "\nA"));
  EXPECT_THAT(result.missing, IsEmpty());
}

TEST(ReferenceMapTest, FindsLocalEntries) {
  ReferenceMap map;
  map.Set("a", 1);

  ASSERT_NE(map.Find("a"), nullptr);
  EXPECT_EQ(*map.Find("a"), Json(1));
  EXPECT_EQ(map.Find("b"), nullptr);
}

TEST(ReferenceMapTest, SetReplacesAnExistingEntry) {
  ReferenceMap map;
  map.Set("a", 1);
  map.Set("a", "two");

  EXPECT_EQ(*map.Find("a"), Json("two"));
}

TEST(ReferenceMapTest, ConsultsTheFallbackForUnknownNames) {
  ReferenceMap shared;
  shared.Set("op.out", "shared");
  shared.Set("pop.operationName", "shared-name");
  ReferenceMap extras(&shared);
  extras.Set("pop.operationName", "op");

  EXPECT_EQ(*extras.Find("op.out"), Json("shared"));
  EXPECT_EQ(*extras.Find("pop.operationName"), Json("op"));
  EXPECT_EQ(extras.Find("nothing"), nullptr);
}

TEST(ReferenceMapTest, FallbackChangesAreVisibleThroughTheLayer) {
  ReferenceMap shared;
  ReferenceMap extras(&shared);
  shared.Set("late.out", 5);

  EXPECT_EQ(*extras.Find("late.out"), Json(5));
  EXPECT_EQ(ReplaceReferences(Json("@<late.out>"), extras).document, Json(5));
}

TEST(ReferenceMapTest, HoldsThousandsOfEntries) {
  ReferenceMap map;
  for (int i = 0; i < 20'000; ++i) map.Set("op" + std::to_string(i) + ".out", i);

  for (int i = 0; i < 20'000; ++i) {
    const Json* value = map.Find("op" + std::to_string(i) + ".out");
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(*value, Json(i));
  }
}

TEST(CollectReferenceNamesTest, ListsNamesOnceInDocumentOrder) {
  const Json document = ParseOrDie(R"({
    "x": "@<b.out::/p>",
    "y": ["@<a.out>-@<b.out::/x>", {"z": "@<pop.agendaId>"}],
    "@<key>": 1,
    "n": 5
  })");

  EXPECT_THAT(CollectReferenceNames(document), ElementsAre("b.out", "a.out", "pop.agendaId"));
}

TEST(CollectReferenceNamesTest, ReturnsNothingForADocumentWithoutReferences) {
  EXPECT_THAT(CollectReferenceNames(ParseOrDie(R"({"a": ["b", 1, null]})")), IsEmpty());
}

}  // namespace
}  // namespace pop
