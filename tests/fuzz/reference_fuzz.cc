// Fuzzes the reference grammar (FindReferences, FullMatchReference) and ReplaceReferences over
// arbitrary bytes, checking structural invariants of the matches and of the replacement result.
// Any broken invariant aborts, which libFuzzer reports as a crash with the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/json/json.h"
#include "core/params/reference_parser.h"
#include "core/params/reference_replacer.h"

namespace pop {
namespace {

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

bool HasLineTerminator(std::string_view s) {
  return s.find_first_of("\n\r") != std::string_view::npos ||
         s.find("\xC2\x85") != std::string_view::npos ||
         s.find("\xE2\x80\xA8") != std::string_view::npos ||
         s.find("\xE2\x80\xA9") != std::string_view::npos;
}

std::string Reconstruct(const ReferenceMatch& match) {
  std::string text = "@<";
  text += match.name;
  if (match.path) {
    text += "::";
    text += *match.path;
  }
  return text + ">";
}

bool SameGroups(const ReferenceMatch& a, const ReferenceMatch& b) {
  return a.name == b.name && a.path == b.path;
}

void CheckMatch(std::string_view input, const ReferenceMatch& match) {
  Require(match.begin < match.end && match.end <= input.size(), "match inside the input");
  Require(match.text == input.substr(match.begin, match.end - match.begin), "text is s[b,e)");
  Require(match.text.size() >= 4 && match.text.substr(0, 2) == "@<" && match.text.back() == '>',
          "text is @<...>");
  Require(!match.name.empty(), "name not empty");
  Require(!match.path || !match.path->empty(), "path not empty when present");
  Require(Reconstruct(match) == match.text, "groups rebuild the text");
  Require(!HasLineTerminator(match.name), "name has no line terminator");
  Require(!match.path || !HasLineTerminator(*match.path), "path has no line terminator");
  // A found reference, on its own, full-matches to the same groups (spec §11.6 relies on it).
  std::optional<ReferenceMatch> full = FullMatchReference(match.text);
  Require(full.has_value() && SameGroups(*full, match), "match text full-matches to itself");
}

void CheckGrammar(std::string_view input, const std::vector<ReferenceMatch>& matches) {
  for (size_t i = 0; i < matches.size(); ++i) {
    CheckMatch(input, matches[i]);
    if (i > 0) Require(matches[i - 1].end <= matches[i].begin, "ordered, non-overlapping");
  }
  std::optional<ReferenceMatch> full = FullMatchReference(input);
  if (full) {
    Require(full->begin == 0 && full->end == input.size(), "full match spans the input");
    Require(Reconstruct(*full) == input, "full-match groups rebuild the input");
    Require(!matches.empty() && matches[0].begin == 0, "a full match implies a find at 0");
  }
  if (matches.size() == 1 && matches[0].begin == 0 && matches[0].end == input.size()) {
    Require(full && SameGroups(*full, matches[0]), "a spanning find is the full match");
  }
}

bool Unique(const std::vector<std::string>& items) {
  std::unordered_set<std::string> seen(items.begin(), items.end());
  return seen.size() == items.size();
}

void CheckReplacement(std::string_view input, const std::vector<ReferenceMatch>& matches) {
  ReferenceMap shared;
  shared.Set("a", "A");
  shared.Set("b.out", JsonObject{{"x", 1}, {"y", JsonArray{true, nullptr}}});
  shared.Set("t", true);
  ReferenceMap map(&shared);
  map.Set("n", nullptr);
  const Json document(JsonObject{{"s", Json(input)}});

  ReplacementResult result = ReplaceReferences(document, map);

  Require(result.document.is_object() && result.document.AsObject().size() == 1,
          "document keeps its shape");
  Require(result.document.Find("s") != nullptr, "document keeps its key");
  Require(Unique(result.missing) && Unique(result.invalid), "issues de-duplicated");
  if (matches.empty()) {
    Require(result.document == document, "no reference, no change");
    Require(result.missing.empty() && result.invalid.empty(), "no reference, no issue");
  }
  for (const std::string& missing : result.missing) {
    std::optional<ReferenceMatch> full = FullMatchReference(missing);
    Require(full && map.Find(full->name) == nullptr, "missing texts name absent entries");
  }
  std::vector<std::string> names = CollectReferenceNames(document);
  std::vector<std::string> expected;
  std::unordered_set<std::string_view> seen;
  for (const ReferenceMatch& match : matches) {
    if (seen.insert(match.name).second) expected.emplace_back(match.name);
  }
  Require(names == expected, "collected names are the de-duplicated find names");
}

}  // namespace
}  // namespace pop

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<pop::ReferenceMatch> matches = pop::FindReferences(input);
  pop::CheckGrammar(input, matches);
  pop::CheckReplacement(input, matches);
  return 0;
}
