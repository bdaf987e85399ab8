#include "core/params/reference_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace pop {
namespace {

// Name and path of a match as plain strings, for compact expectations. No path → "<none>".
struct Groups {
  std::string name;
  std::string path;
  bool operator==(const Groups& other) const = default;
};

std::ostream& operator<<(std::ostream& os, const Groups& groups) {
  return os << "{name=\"" << groups.name << "\", path=\"" << groups.path << "\"}";
}

constexpr const char kNoPath[] = "<none>";

Groups GroupsOf(const ReferenceMatch& match) {
  return {std::string(match.name), match.path ? std::string(*match.path) : kNoPath};
}

std::vector<Groups> FindGroups(std::string_view s) {
  std::vector<Groups> out;
  for (const ReferenceMatch& match : FindReferences(s)) out.push_back(GroupsOf(match));
  return out;
}

std::optional<Groups> FullGroups(std::string_view s) {
  std::optional<ReferenceMatch> match = FullMatchReference(s);
  if (!match) return std::nullopt;
  return GroupsOf(*match);
}

// A direct transcription of how a backtracking engine runs
// (@<(?<reference>.+?)(::(?<path>.+?))?>) from `p`, with '\n' as the only line terminator.
// Slow (cubic) but obviously faithful; the scanner must agree with it.
std::optional<ReferenceMatch> OracleMatchAt(std::string_view s, size_t p, bool anchored) {
  const size_t n = s.size();
  if (s.substr(p, 2) != "@<") return std::nullopt;
  const size_t a = p + 2;
  for (size_t b = a + 1; b <= n; ++b) {  // NAME = [a, b), lazy
    if (s[b - 1] == '\n') break;
    if (s.substr(b, 2) == "::") {           // greedy optional group first
      for (size_t c = b + 3; c < n; ++c) {  // PATH = [b + 2, c), lazy
        if (s[c - 1] == '\n') break;
        if (s[c] == '>' && (!anchored || c + 1 == n)) {
          return ReferenceMatch{p, c + 1, s.substr(p, c + 1 - p), s.substr(a, b - a),
                                s.substr(b + 2, c - b - 2)};
        }
      }
    }
    if (b < n && s[b] == '>' && (!anchored || b + 1 == n)) {
      return ReferenceMatch{p, b + 1, s.substr(p, b + 1 - p), s.substr(a, b - a), std::nullopt};
    }
  }
  return std::nullopt;
}

std::vector<ReferenceMatch> OracleFind(std::string_view s) {
  std::vector<ReferenceMatch> out;
  size_t p = 0;
  while (p < s.size()) {
    std::optional<ReferenceMatch> match = OracleMatchAt(s, p, /*anchored=*/false);
    if (match) {
      out.push_back(*match);
      p = match->end;
    } else {
      ++p;
    }
  }
  return out;
}

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(ReferenceParserTest, FindsReferenceWithoutPath) {
  EXPECT_EQ(FindGroups("@<mediainfo.1>"), (std::vector<Groups>{{"mediainfo.1", kNoPath}}));
}

TEST(ReferenceParserTest, FindsReferenceWithRootPath) {
  EXPECT_EQ(FindGroups("@<mediainfo.1::/>"), (std::vector<Groups>{{"mediainfo.1", "/"}}));
}

TEST(ReferenceParserTest, FindsReferenceWithLongPath) {
  EXPECT_EQ(FindGroups("@<mediainfo.1::/test/sub/path>"),
            (std::vector<Groups>{{"mediainfo.1", "/test/sub/path"}}));
}

TEST(ReferenceParserTest, FullMatchesTheSpecGroupCases) {
  EXPECT_EQ(FullGroups("@<mediainfo.1::/>"), (Groups{"mediainfo.1", "/"}));
  EXPECT_EQ(FullGroups("@<mediainfo.1::/test/sub/path>"),
            (Groups{"mediainfo.1", "/test/sub/path"}));
  EXPECT_EQ(FullGroups("@<mediainfo.1>"), (Groups{"mediainfo.1", kNoPath}));
}

TEST(ReferenceParserTest, FindsTwoReferencesInOneString) {
  std::vector<ReferenceMatch> matches = FindReferences("@<a>-@<b>");

  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].begin, 0u);
  EXPECT_EQ(matches[0].end, 4u);
  EXPECT_EQ(matches[0].text, "@<a>");
  EXPECT_EQ(matches[0].name, "a");
  EXPECT_FALSE(matches[0].path.has_value());
  EXPECT_EQ(matches[1].begin, 5u);
  EXPECT_EQ(matches[1].end, 9u);
  EXPECT_EQ(matches[1].text, "@<b>");
  EXPECT_EQ(matches[1].name, "b");
}

TEST(ReferenceParserTest, FindsTwoReferencesWithPathsInOneString) {
  EXPECT_EQ(FindGroups("@<a.out::/x>-@<b.out::/y>"),
            (std::vector<Groups>{{"a.out", "/x"}, {"b.out", "/y"}}));
  EXPECT_EQ(FindGroups("@<a.out>-@<b.out::/x>"),
            (std::vector<Groups>{{"a.out", kNoPath}, {"b.out", "/x"}}));
}

TEST(ReferenceParserTest, FindsReferencesAmongOtherText) {
  EXPECT_EQ(FindGroups("--@<sampleValueZ>----@<sampleValueB>--"),
            (std::vector<Groups>{{"sampleValueZ", kNoPath}, {"sampleValueB", kNoPath}}));
  EXPECT_EQ(FindGroups("@<sampleValue><xmltag>45</xmltag>"),
            (std::vector<Groups>{{"sampleValue", kNoPath}}));
}

TEST(ReferenceParserTest, FindsNothingInPlainText) {
  EXPECT_TRUE(FindReferences("").empty());
  EXPECT_TRUE(FindReferences("85").empty());
  EXPECT_TRUE(FindReferences("<xml>@ </xml>").empty());
  EXPECT_TRUE(FindReferences("a>b::c@d<e").empty());
  EXPECT_TRUE(FindReferences("@<").empty());
  EXPECT_TRUE(FindReferences("@<a").empty());
  EXPECT_TRUE(FindReferences("@ <a>").empty());
}

TEST(ReferenceParserTest, FullMatchSwallowsTheMiddleOfTwoReferences) {
  EXPECT_EQ(FullGroups("@<a>-@<b>"), (Groups{"a>-@<b", kNoPath}));
  EXPECT_EQ(FullGroups("@<a.out>-@<b.out::/x>"), (Groups{"a.out>-@<b.out", "/x"}));
}

TEST(ReferenceParserTest, FullMatchPathRunsToTheEndOfTheString) {
  EXPECT_EQ(FullGroups("@<a.out::/x>-@<b.out::/y>"), (Groups{"a.out", "/x>-@<b.out::/y"}));
}

TEST(ReferenceParserTest, FullMatchReportsPositionsAndText) {
  std::optional<ReferenceMatch> match = FullMatchReference("@<a::/b>");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->begin, 0u);
  EXPECT_EQ(match->end, 8u);
  EXPECT_EQ(match->text, "@<a::/b>");
}

TEST(ReferenceParserTest, FullMatchRejectsStringsThatAreNotOneReference) {
  EXPECT_FALSE(FullMatchReference("").has_value());
  EXPECT_FALSE(FullMatchReference("@<>").has_value());
  EXPECT_FALSE(FullMatchReference("@<a").has_value());
  EXPECT_FALSE(FullMatchReference("x@<a>").has_value());
  EXPECT_FALSE(FullMatchReference("@<a>x").has_value());
  EXPECT_FALSE(FullMatchReference("--@<sampleValueX>--").has_value());
}

TEST(ReferenceParserTest, NameNeedsAtLeastOneCharacter) {
  EXPECT_TRUE(FindReferences("@<>").empty());
  EXPECT_EQ(FindGroups("@<>>"), (std::vector<Groups>{{">", kNoPath}}));
  EXPECT_EQ(FindGroups("@<>x>"), (std::vector<Groups>{{">x", kNoPath}}));
  EXPECT_EQ(FindGroups("@<::>"), (std::vector<Groups>{{"::", kNoPath}}));
}

TEST(ReferenceParserTest, SeparatorWithEmptyPathBecomesPartOfTheName) {
  EXPECT_EQ(FindGroups("@<x::>"), (std::vector<Groups>{{"x::", kNoPath}}));
  EXPECT_EQ(FullGroups("@<x::>"), (Groups{"x::", kNoPath}));
  EXPECT_EQ(FindGroups("@<:::>"), (std::vector<Groups>{{":::", kNoPath}}));
}

TEST(ReferenceParserTest, PathMayStartWithTheSuffixCharacter) {
  EXPECT_EQ(FindGroups("@<x::>>"), (std::vector<Groups>{{"x", ">"}}));
  EXPECT_EQ(FindGroups("@<x::>y>"), (std::vector<Groups>{{"x", ">y"}}));
  EXPECT_EQ(FullGroups("@<x::>y>"), (Groups{"x", ">y"}));
}

TEST(ReferenceParserTest, NameEndsAtTheFirstSeparator) {
  EXPECT_EQ(FindGroups("@<a:::b>"), (std::vector<Groups>{{"a", ":b"}}));
  EXPECT_EQ(FindGroups("@<a::b::c>"), (std::vector<Groups>{{"a", "b::c"}}));
  EXPECT_EQ(FindGroups("@<a:b>"), (std::vector<Groups>{{"a:b", kNoPath}}));
}

TEST(ReferenceParserTest, UnclosedPrefixBecomesPartOfTheName) {
  EXPECT_EQ(FindGroups("@<@<a>"), (std::vector<Groups>{{"@<a", kNoPath}}));
  EXPECT_EQ(FindGroups("@<a @<b>"), (std::vector<Groups>{{"a @<b", kNoPath}}));
}

TEST(ReferenceParserTest, FindContinuesAfterTheEndOfEachMatch) {
  EXPECT_EQ(FindGroups("@<a>@<b>@<c::/d>"),
            (std::vector<Groups>{{"a", kNoPath}, {"b", kNoPath}, {"c", "/d"}}));
  EXPECT_EQ(FindGroups("@<a::@<b>>"), (std::vector<Groups>{{"a", "@<b"}}));
}

TEST(ReferenceParserTest, NameDoesNotCrossALineFeed) {
  EXPECT_TRUE(FindReferences("@<a\nb>").empty());
  EXPECT_EQ(FindGroups("@<a\n@<b>"), (std::vector<Groups>{{"b", kNoPath}}));
  EXPECT_FALSE(FullMatchReference("@<a\nb>").has_value());
}

TEST(ReferenceParserTest, NameDoesNotCrossAnyJavaLineTerminator) {
  for (std::string_view terminator : {"\r", "\r\n", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    std::string s = "@<a" + std::string(terminator) + "b>";
    SCOPED_TRACE(s);
    EXPECT_TRUE(FindReferences(s).empty());
    EXPECT_FALSE(FullMatchReference(s).has_value());
  }
}

TEST(ReferenceParserTest, PathDoesNotCrossALineTerminator) {
  EXPECT_TRUE(FindReferences("@<a::/x\ny>").empty());
  EXPECT_FALSE(FullMatchReference("@<a::/x\xE2\x80\xA8y>").has_value());
  // The "::" cannot start a PATH here, so the engine goes on and finds the later reference.
  EXPECT_EQ(FindGroups("@<a::\n@<b>"), (std::vector<Groups>{{"b", kNoPath}}));
}

TEST(ReferenceParserTest, OtherMultiByteCharactersAreOrdinary) {
  // é (C3 A9), U+00A0 (C2 A0) and U+2027 (E2 80 A7) look like terminators' lead bytes only.
  EXPECT_EQ(FindGroups("@<caf\xC3\xA9::/\xC2\xA0\xE2\x80\xA7>"),
            (std::vector<Groups>{{"caf\xC3\xA9", "/\xC2\xA0\xE2\x80\xA7"}}));
  EXPECT_EQ(FindGroups("@<a\xC2>"), (std::vector<Groups>{{"a\xC2", kNoPath}}));
  EXPECT_EQ(FindGroups("@<a\xE2\x80>"), (std::vector<Groups>{{"a\xE2\x80", kNoPath}}));
}

TEST(ReferenceParserTest, AgreesWithABacktrackingOracleOnRandomStrings) {
  constexpr std::string_view kAlphabet = "@<:>a\n";
  std::mt19937 random(20240601);
  std::uniform_int_distribution<size_t> length(0, 14);
  std::uniform_int_distribution<size_t> letter(0, kAlphabet.size() - 1);
  for (int round = 0; round < 30000; ++round) {
    std::string s;
    const size_t n = length(random);
    for (size_t i = 0; i < n; ++i) s += kAlphabet[letter(random)];
    if (round % 2 == 0) s.insert(0, "@<");  // make matches common
    SCOPED_TRACE(s);

    std::vector<ReferenceMatch> expected = OracleFind(s);
    std::vector<ReferenceMatch> actual = FindReferences(s);
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].begin, expected[i].begin);
      EXPECT_EQ(actual[i].end, expected[i].end);
      EXPECT_EQ(GroupsOf(actual[i]), GroupsOf(expected[i]));
    }
    std::optional<ReferenceMatch> expected_full = OracleMatchAt(s, 0, /*anchored=*/true);
    std::optional<ReferenceMatch> actual_full = FullMatchReference(s);
    ASSERT_EQ(actual_full.has_value(), expected_full.has_value());
    if (actual_full) {
      EXPECT_EQ(GroupsOf(*actual_full), GroupsOf(*expected_full));
    }
  }
}

TEST(ReferenceParserTest, HandlesLargeStringOfUnclosedPrefixes) {
  const std::string s = Repeat("@<", 100'000);  // 200 KB, no '>'

  EXPECT_TRUE(FindReferences(s).empty());
  EXPECT_FALSE(FullMatchReference(s).has_value());
}

TEST(ReferenceParserTest, HandlesLargeStringOfUnclosedPrefixesAndSeparators) {
  const std::string s = Repeat("@<::", 50'000);  // 200 KB, no '>'

  EXPECT_TRUE(FindReferences(s).empty());
  EXPECT_FALSE(FullMatchReference(s).has_value());
}

TEST(ReferenceParserTest, HandlesLargeStringClosedOnlyAtTheEnd) {
  const std::string body = Repeat("@<::", 50'000);
  const std::string s = body + ">";

  std::vector<ReferenceMatch> matches = FindReferences(s);

  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].begin, 0u);
  EXPECT_EQ(matches[0].end, s.size());
  EXPECT_EQ(matches[0].name, "::@<");
  ASSERT_TRUE(matches[0].path.has_value());
  EXPECT_EQ(*matches[0].path, std::string_view(body).substr(8));
  EXPECT_EQ(GroupsOf(*FullMatchReference(s)), GroupsOf(matches[0]));
}

TEST(ReferenceParserTest, HandlesLargeStringWithALineTerminatorBeforeTheOnlySuffix) {
  const std::string s = Repeat("@<::", 50'000) + "\n>";

  EXPECT_TRUE(FindReferences(s).empty());
  EXPECT_FALSE(FullMatchReference(s).has_value());
}

TEST(ReferenceParserTest, HandlesLargeStringOfManyReferences) {
  const std::string s = Repeat("@<a>::>", 30'000);

  std::vector<ReferenceMatch> matches = FindReferences(s);

  ASSERT_EQ(matches.size(), 30'000u);
  EXPECT_EQ(matches.back().begin, s.size() - 7);
  EXPECT_EQ(matches.back().name, "a");
}

TEST(ReferenceParserTest, OperationNameStripsOneTrailingOut) {
  EXPECT_EQ(OperationNameOfReference("item.out.out"), "item.out");
  EXPECT_EQ(OperationNameOfReference("item.out"), "item");
  EXPECT_EQ(OperationNameOfReference("item"), "item");
  EXPECT_EQ(OperationNameOfReference("item.outx"), "item.outx");
  EXPECT_EQ(OperationNameOfReference(".out"), "");
}

TEST(ReferenceParserTest, OperationNameOfRecordedReferenceTexts) {
  EXPECT_EQ(OperationNameOfReference(FullMatchReference("@<item.out.out>")->name), "item.out");
  EXPECT_EQ(OperationNameOfReference(FullMatchReference("@<item.out::/.out>")->name), "item");
  EXPECT_EQ(OperationNameOfReference(FullMatchReference("@<item>")->name), "item");
}

}  // namespace
}  // namespace pop
