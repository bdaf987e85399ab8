#include "core/model/params.h"

#include <charconv>

#include "core/codec/json_text.h"

namespace pop {

bool HasParam(const std::optional<ParamsMap>& params, std::string_view key) {
  return FindParam(params, key) != nullptr;
}

const Json* FindParam(const std::optional<ParamsMap>& params, std::string_view key) {
  if (!params.has_value()) return nullptr;
  return params->Find(key);
}

std::string JsonAsText(const Json& value) {
  if (value.is_string()) return value.AsString();
  return ToJsonText(value);
}

std::optional<std::string> GetParamString(const std::optional<ParamsMap>& params,
                                          std::string_view key) {
  const Json* value = FindParam(params, key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  return JsonAsText(*value);
}

std::optional<int64_t> GetParamInt(const std::optional<ParamsMap>& params, std::string_view key) {
  const Json* value = FindParam(params, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_integer()) return value->AsInt();
  if (value->is_string()) {
    const std::string& s = value->AsString();
    int64_t parsed = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return parsed;
  }
  return std::nullopt;
}

}  // namespace pop
