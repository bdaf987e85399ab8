#include "core/json/json_pointer.h"

#include <charconv>
#include <string>

namespace pop {
namespace {

std::string Unescape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out.push_back(token[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      out.push_back(token[i]);
    }
  }
  return out;
}

const Json* Step(const Json& node, const std::string& token) {
  if (node.is_object()) return node.AsObject().Find(token);
  if (!node.is_array()) return nullptr;
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return nullptr;
  size_t index = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc() || end != token.data() + token.size()) return nullptr;
  const JsonArray& array = node.AsArray();
  return index < array.size() ? &array[index] : nullptr;
}

}  // namespace

const Json* EvaluatePointer(const Json& document, std::string_view pointer) {
  if (pointer.empty()) return &document;
  if (pointer.front() != '/') return nullptr;
  const Json* node = &document;
  size_t pos = 1;
  while (node != nullptr) {
    size_t slash = pointer.find('/', pos);
    std::string_view raw =
        pointer.substr(pos, slash == std::string_view::npos ? pointer.npos : slash - pos);
    node = Step(*node, Unescape(raw));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return node;
}

}  // namespace pop
