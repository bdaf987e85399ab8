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

std::optional<ParamList> GetParamList(const std::optional<ParamsMap>& params,
                                      std::string_view key) {
  const Json* value = FindParam(params, key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  ParamList list;
  if (value->is_string()) {
    const std::string& text = value->AsString();
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      std::string part =
          text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) list.entries.push_back(std::move(part));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (value->is_array()) {
    for (const Json& element : value->AsArray()) {
      if (!element.is_string()) {
        list.ok = false;
        continue;
      }
      if (!element.AsString().empty()) list.entries.push_back(element.AsString());
    }
  } else {
    list.ok = false;
  }
  return list;
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
