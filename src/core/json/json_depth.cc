#include "core/json/json_depth.h"

#include <vector>

namespace pop {
namespace {

constexpr size_t kShownSegments = 4;

// True when a container under `value` (itself at `depth`) lies deeper than `limit`; `path` then
// holds the segments leading to the first such member. Recursion is bounded by `limit` + 1.
bool Exceeds(const Json& value, size_t depth, size_t limit, std::vector<std::string>& path) {
  if (!value.is_container()) return false;
  if (depth > limit) return true;
  if (value.is_array()) {
    const JsonArray& array = value.AsArray();
    for (size_t i = 0; i < array.size(); ++i) {
      path.push_back("[" + std::to_string(i) + "]");
      if (Exceeds(array[i], depth + 1, limit, path)) return true;
      path.pop_back();
    }
    return false;
  }
  for (const auto& [key, member] : value.AsObject()) {
    path.push_back(key);
    if (Exceeds(member, depth + 1, limit, path)) return true;
    path.pop_back();
  }
  return false;
}

std::string JoinPath(const std::vector<std::string>& segments) {
  std::string out;
  for (size_t i = 0; i < segments.size() && i < kShownSegments; ++i) {
    bool index = !segments[i].empty() && segments[i].front() == '[';
    if (i > 0 && !index) out += '.';
    out += segments[i];
  }
  if (segments.size() > kShownSegments) out += "...";
  return out;
}

}  // namespace

std::optional<std::string> PathDeeperThan(const Json& doc, size_t limit) {
  std::vector<std::string> path;
  if (!Exceeds(doc, 1, limit, path)) return std::nullopt;
  return path.empty() ? std::string("(the document itself)") : JoinPath(path);
}

Status CheckJsonDepth(const Json& doc, std::string_view what) {
  std::optional<std::string> path = PathDeeperThan(doc, kMaxJsonDepth);
  if (!path) return Status::Ok();
  return Status(ErrorCode::kValidation, std::string(what) + " field '" + *path +
                                            "' nests deeper than " + std::to_string(kMaxJsonDepth) +
                                            " levels (the limit)");
}

}  // namespace pop
