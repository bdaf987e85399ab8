#include "core/params/reference_replacer.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/json/json_pointer.h"
#include "core/model/params.h"
#include "core/params/reference_parser.h"

namespace pop {
namespace {

constexpr std::string_view kWholeValuePath = "/";
constexpr char kFallbackSeparator = '?';

// Java Character.isWhitespace for the code points that can occur in a PATH (`.` excludes the
// line terminators): ASCII whitespace, U+001C..U+001F and the Unicode space separators except
// the no-break spaces U+00A0, U+2007 and U+202F.
bool IsJavaWhitespace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x2006) || (c >= 0x2008 && c <= 0x200A) || c == 0x205F || c == 0x3000;
}

// Apache StringUtils.isBlank over UTF-8. Every non-ASCII Java whitespace character is a
// three-byte sequence, so only those are decoded.
bool IsBlank(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      if (!IsJavaWhitespace(lead)) return false;
      ++i;
      continue;
    }
    if ((lead & 0xF0) != 0xE0 || i + 2 >= s.size()) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    const auto third = static_cast<unsigned char>(s[i + 2]);
    const char32_t c = (static_cast<char32_t>(lead & 0x0F) << 12) |
                       (static_cast<char32_t>(second & 0x3F) << 6) | (third & 0x3F);
    if (!IsJavaWhitespace(c)) return false;
    i += 3;
  }
  return true;
}

// PATH split as Apache StringUtils.split(path, "?", 2): runs of '?' separate, empty pieces are
// dropped, the second piece is the rest of the string. A PATH of only '?' (the original threw
// on it) gives an empty POINTER, which the caller prefixes to "/".
struct SplitPath {
  std::string_view pointer;
  std::optional<std::string_view> fallback;
};

SplitPath SplitAtFallback(std::string_view path) {
  SplitPath split;
  const size_t first = path.find_first_not_of(kFallbackSeparator);
  if (first == std::string_view::npos) return split;
  const size_t separator = path.find(kFallbackSeparator, first);
  split.pointer = path.substr(
      first, separator == std::string_view::npos ? std::string_view::npos : separator - first);
  if (separator == std::string_view::npos) return split;
  const size_t rest = path.find_first_not_of(kFallbackSeparator, separator);
  if (rest != std::string_view::npos) split.fallback = path.substr(rest);
  return split;
}

std::string ReferenceText(std::string_view name, std::optional<std::string_view> path) {
  std::string text = "@<";
  text += name;
  if (path.has_value()) {
    text += "::";
    text += *path;
  }
  text += '>';
  return text;
}

// The value a reference names: a node inside a map value, or a value made up by the lookup
// (JSON null for "PATH?", the DEFAULT string for "PATH?DEFAULT").
struct LookedUp {
  const Json* node = nullptr;
  Json made;
  const Json& value() const { return node != nullptr ? *node : made; }
};

// Records missing and invalid references, each once, in the order first seen.
class IssueList {
 public:
  void Add(std::string text) {
    if (seen_.insert(text).second) items_.push_back(std::move(text));
  }
  std::vector<std::string> Take() { return std::move(items_); }

 private:
  std::unordered_set<std::string> seen_;
  std::vector<std::string> items_;
};

class Replacer {
 public:
  explicit Replacer(const ReferenceMap& map) : map_(map) {}

  // Spec §11.3.
  std::optional<LookedUp> Lookup(const ReferenceMatch& match) {
    LookedUp result;
    const Json* value = map_.Find(match.name);
    if (value == nullptr) {
      missing_.Add(ReferenceText(match.name, match.path));
      return std::nullopt;
    }
    if (!match.path.has_value() || IsBlank(*match.path) || *match.path == kWholeValuePath) {
      result.node = value;
      return result;
    }
    const SplitPath split = SplitAtFallback(*match.path);
    std::string pointer;
    if (split.pointer.empty() || split.pointer.front() != '/') pointer = "/";
    pointer += split.pointer;
    result.node = EvaluatePointer(*value, pointer);
    if (result.node != nullptr) return result;
    if (split.fallback.has_value()) {
      result.made = Json(*split.fallback);
      return result;
    }
    if (match.path->back() == kFallbackSeparator) return result;  // `made` is JSON null
    invalid_.Add(ReferenceText(match.name, split.pointer));
    return std::nullopt;
  }

  // Spec §11.4 for one string value, with the two deliberate fixes of the header.
  void ReplaceInString(Json& node) {
    const std::string& s = node.AsString();
    const std::vector<ReferenceMatch> matches = FindReferences(s);
    if (matches.empty()) return;
    if (matches.size() == 1 && matches[0].begin == 0 && matches[0].end == s.size()) {
      std::optional<LookedUp> found = Lookup(matches[0]);
      if (found.has_value()) node = Json(found->value());
      return;
    }
    std::string out;
    out.reserve(s.size());
    bool replaced = false;
    size_t copied_to = 0;
    for (const ReferenceMatch& match : matches) {
      out.append(s, copied_to, match.begin - copied_to);
      copied_to = match.end;
      std::optional<LookedUp> found = Lookup(match);
      if (!found.has_value()) {
        out += match.text;
      } else if (found->value().is_container()) {
        invalid_.Add(std::string(match.name) + " cannot be used in composite string");
        out += match.text;
      } else {
        out += JsonAsText(found->value());
        replaced = true;
      }
    }
    if (!replaced) return;
    out.append(s, copied_to);
    node = Json(std::move(out));
  }

  std::vector<std::string> TakeMissing() { return missing_.Take(); }
  std::vector<std::string> TakeInvalid() { return invalid_.Take(); }

 private:
  const ReferenceMap& map_;
  IssueList missing_;
  IssueList invalid_;
};

// Calls visit(string_node) for every string value under `root`, depth first in document order.
// Iterative, so deep documents cannot exhaust the stack. `visit` may replace the node it is
// given (the replacement is not visited); it must not touch other nodes.
template <typename JsonT, typename Visit>
void ForEachStringValue(JsonT& root, Visit&& visit) {
  std::vector<JsonT*> stack = {&root};
  while (!stack.empty()) {
    JsonT* node = stack.back();
    stack.pop_back();
    if (node->is_string()) {
      visit(*node);
    } else if (node->is_array()) {
      auto& array = node->AsArray();
      for (auto it = array.rbegin(); it != array.rend(); ++it) stack.push_back(&*it);
    } else if (node->is_object()) {
      auto& object = node->AsObject();
      for (auto it = object.end(); it != object.begin();) {
        --it;
        stack.push_back(&it->second);
      }
    }
  }
}

}  // namespace

void ReferenceMap::Set(std::string name, Json value) {
  values_.insert_or_assign(std::move(name), std::move(value));
}

const Json* ReferenceMap::Find(std::string_view name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return &it->second;
  return fallback_ != nullptr ? fallback_->Find(name) : nullptr;
}

ReplacementResult ReplaceReferences(const Json& document, const ReferenceMap& map) {
  ReplacementResult result;
  result.document = document;
  Replacer replacer(map);
  ForEachStringValue(result.document, [&](Json& node) { replacer.ReplaceInString(node); });
  result.missing = replacer.TakeMissing();
  result.invalid = replacer.TakeInvalid();
  return result;
}

std::vector<std::string> CollectReferenceNames(const Json& document) {
  std::vector<std::string> names;
  std::unordered_set<std::string_view> seen;
  ForEachStringValue(document, [&](const Json& node) {
    for (const ReferenceMatch& match : FindReferences(node.AsString())) {
      if (seen.insert(match.name).second) names.emplace_back(match.name);
    }
  });
  return names;
}

}  // namespace pop
