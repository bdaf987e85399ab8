// The reference grammar of spec §11.1, "@<NAME>" or "@<NAME::PATH>", parsed exactly as the
// original's Java regular expression `(@<(?<reference>.+?)(::(?<path>.+?))?>)` parses it, but by a
// hand-written scanner in linear time (no std::regex). Used by the reference replacer, the Agenda
// validator, rerun dependency analysis and the executor. Design: docs/design/param-resolution.md.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pop {

// One occurrence of a reference. All views point into the scanned string, which must outlive
// the match. `text` is s[begin, end): it always starts with "@<" and ends with ">".
struct ReferenceMatch {
  size_t begin = 0;
  size_t end = 0;
  std::string_view text;
  std::string_view name;                 // the regex group "reference": never empty
  std::optional<std::string_view> path;  // the regex group "path": never empty when present
};

// Java `Matcher.find()` repeated: the successive, non-overlapping, leftmost matches of the
// reference regex in `s`, in order. `@<a>-@<b>` yields "a" and "b". Strings are UTF-8; like Java's
// `.`, NAME and PATH never contain a line terminator (\n, \r, U+0085, U+2028, U+2029).
// O(|s|).
std::vector<ReferenceMatch> FindReferences(std::string_view s);

// Java `Matcher.matches()`: the regex anchored at both ends of `s`, or nullopt. Because the
// lazy groups must stretch to the end, `@<a>-@<b>` full-matches with NAME "a>-@<b", and
// `@<a.out::/x>-@<b.out::/y>` with NAME "a.out" and PATH "/x>-@<b.out::/y". Use it to take a
// recorded reference text apart (§11.6); the replacer itself uses FindReferences. O(|s|).
std::optional<ReferenceMatch> FullMatchReference(std::string_view s);

// The operation a reference NAME points at (§11.6): strips ONE trailing ".out".
// "item.out.out" → "item.out", "item.out" → "item", "item" → "item".
std::string OperationNameOfReference(std::string_view name);

}  // namespace pop
