#include "core/params/reference_parser.h"

namespace pop {
namespace {

// How the Java regex `(@<(?<reference>.+?)(::(?<path>.+?))?>)` backtracks, and why the
// decisions below reproduce it in O(1) per start position (docs/design/param-resolution.md,
// "Emulating the Java regex"):
//
// From a start p with "@<" at p, NAME begins at a = p + 2. The lazy NAME tries the ends
// b = a+1, a+2, ... and for each b first tries the greedy optional group "::" PATH ">", then
// ">" alone. `.` stops at the first line terminator t >= a, so every b, and every PATH end, is
// < t (a line terminator is never ':' or '>'). Let g = the first '>' at or after a+1.
//   * If g >= t nothing can match from p.
//   * A "::" at b <= g-3 succeeds: its lazy PATH ends at g. The first such "::" wins because
//     no smaller b can succeed (a "::" needs a '>' at or after b+3; a bare ">" needs b == g).
//   * A "::" at exactly g-2 (text "::>") needs a PATH of one or more characters, so its PATH
//     runs from g to the NEXT '>' (if that one is before t); otherwise the engine moves on.
//   * Otherwise b == g matches with no PATH.
// The anchored form is simpler: the string must end in '>' (at L) with no line terminator in
// [a, L); the first "::" at b <= L-3 gives NAME [a,b), PATH [b+2,L); otherwise NAME is [a,L).
//
// Positions of the next '>', "::" and line terminator are found by memoised forward scans;
// FindReferences asks for them at non-decreasing positions, so each byte is scanned a bounded
// number of times and the whole scan is linear even for 200 KB of "@<::" without a '>'.

constexpr std::string_view kPrefix = "@<";
constexpr std::string_view kSeparator = "::";
constexpr char kSuffix = '>';
constexpr std::string_view kOutSuffix = ".out";

unsigned char Byte(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

// Length in bytes of the Java line terminator starting at s[i] (UTF-8), or 0. "\r\n" counts
// as "\r": only the start position matters to the scanner.
size_t LineTerminatorLength(std::string_view s, size_t i) {
  const unsigned char c = Byte(s, i);
  if (c == '\n' || c == '\r') return 1;
  if (c == 0xC2) return i + 1 < s.size() && Byte(s, i + 1) == 0x85 ? 2 : 0;  // U+0085
  if (c == 0xE2 && i + 2 < s.size() && Byte(s, i + 1) == 0x80 &&
      (Byte(s, i + 2) == 0xA8 || Byte(s, i + 2) == 0xA9)) {  // U+2028, U+2029
    return 3;
  }
  return 0;
}

// Each Scan* returns the first position >= from where the thing starts, or s.size().
size_t ScanLineTerminator(std::string_view s, size_t from) {
  constexpr std::string_view kFirstBytes = "\n\r\xC2\xE2";
  for (size_t i = s.find_first_of(kFirstBytes, from); i != std::string_view::npos;
       i = s.find_first_of(kFirstBytes, i + 1)) {
    if (LineTerminatorLength(s, i) > 0) return i;
  }
  return s.size();
}

size_t ScanSuffix(std::string_view s, size_t from) {
  const size_t i = s.find(kSuffix, from);
  return i == std::string_view::npos ? s.size() : i;
}

size_t ScanSeparator(std::string_view s, size_t from) {
  const size_t i = s.find(kSeparator, from);
  return i == std::string_view::npos ? s.size() : i;
}

// Memoised "next position >= from" for queries at non-decreasing positions. An answer r for a
// query q proves there is nothing in [q, r), so a later query in [q, r] is answered from memory.
class NextFinder {
 public:
  using Scan = size_t (*)(std::string_view, size_t);
  NextFinder(std::string_view s, Scan scan) : s_(s), scan_(scan) {}

  size_t Next(size_t from) {
    if (!has_answer_ || from < query_ || from > answer_) {
      query_ = from;
      answer_ = from >= s_.size() ? s_.size() : scan_(s_, from);
      has_answer_ = true;
    }
    return answer_;
  }

 private:
  std::string_view s_;
  Scan scan_;
  bool has_answer_ = false;
  size_t query_ = 0;
  size_t answer_ = 0;
};

ReferenceMatch MakeMatch(std::string_view s, size_t begin, size_t name_end,
                         std::optional<size_t> path_begin, size_t suffix) {
  ReferenceMatch match;
  match.begin = begin;
  match.end = suffix + 1;
  match.text = s.substr(begin, match.end - begin);
  const size_t name_begin = begin + kPrefix.size();
  match.name = s.substr(name_begin, name_end - name_begin);
  if (path_begin.has_value()) match.path = s.substr(*path_begin, suffix - *path_begin);
  return match;
}

class ReferenceScanner {
 public:
  explicit ReferenceScanner(std::string_view s)
      : s_(s),
        terminators_(s, ScanLineTerminator),
        suffixes_(s, ScanSuffix),
        suffixes_after_separator_(s, ScanSuffix),
        separators_(s, ScanSeparator) {}

  // The match the Java engine finds starting exactly at `p` ("@<" at p), if any. Successive
  // calls must use increasing p.
  std::optional<ReferenceMatch> MatchAt(size_t p) {
    const size_t n = s_.size();
    const size_t a = p + kPrefix.size();
    if (a >= n) return std::nullopt;
    const size_t terminator = terminators_.Next(a);
    if (terminator == a) return std::nullopt;
    const size_t suffix = suffixes_.Next(a + 1);
    if (suffix >= terminator) return std::nullopt;
    const size_t separator = separators_.Next(a + 1);
    if (separator + 3 <= suffix) return MakeMatch(s_, p, separator, separator + 2, suffix);
    if (separator + 2 == suffix) {  // "::>": PATH starts with this '>' and needs another one
      const size_t next_suffix = suffixes_after_separator_.Next(suffix + 1);
      if (next_suffix < terminator) {
        return MakeMatch(s_, p, separator, separator + 2, next_suffix);
      }
    }
    return MakeMatch(s_, p, suffix, std::nullopt, suffix);
  }

 private:
  std::string_view s_;
  NextFinder terminators_;
  NextFinder suffixes_;
  NextFinder suffixes_after_separator_;
  NextFinder separators_;
};

}  // namespace

std::vector<ReferenceMatch> FindReferences(std::string_view s) {
  std::vector<ReferenceMatch> matches;
  ReferenceScanner scanner(s);
  size_t from = 0;
  for (size_t p = s.find(kPrefix); p != std::string_view::npos; p = s.find(kPrefix, from)) {
    std::optional<ReferenceMatch> match = scanner.MatchAt(p);
    if (match.has_value()) {
      from = match->end;
      matches.push_back(*match);
    } else {
      from = p + 1;
    }
  }
  return matches;
}

std::optional<ReferenceMatch> FullMatchReference(std::string_view s) {
  if (s.size() < kPrefix.size() + 2 || s.substr(0, kPrefix.size()) != kPrefix ||
      s.back() != kSuffix) {
    return std::nullopt;
  }
  const size_t a = kPrefix.size();
  const size_t last = s.size() - 1;
  if (ScanLineTerminator(s, a) < last) return std::nullopt;
  const size_t separator = ScanSeparator(s, a + 1);
  if (separator + 3 <= last) return MakeMatch(s, 0, separator, separator + 2, last);
  return MakeMatch(s, 0, last, std::nullopt, last);
}

std::string OperationNameOfReference(std::string_view name) {
  if (name.size() >= kOutSuffix.size() &&
      name.substr(name.size() - kOutSuffix.size()) == kOutSuffix) {
    name.remove_suffix(kOutSuffix.size());
  }
  return std::string(name);
}

}  // namespace pop
