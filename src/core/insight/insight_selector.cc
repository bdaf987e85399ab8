#include "core/insight/insight_selector.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "core/model/params.h"

namespace pop {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool AnyOperationField(const Agenda& agenda, const std::vector<std::string>& values,
                       const std::optional<std::string> Operation::*field) {
  if (!agenda.operations) return false;
  for (const Operation& op : *agenda.operations) {
    const auto& text = op.*field;
    if (!text) continue;
    std::string lowered = Lower(*text);
    for (const auto& value : values) {
      if (Lower(value) == lowered) return true;
    }
  }
  return false;
}

bool ParamsMatch(const std::optional<ParamsMap>& params, const std::string& key,
                 const std::string& value) {
  if (!params || !params->is_object()) return false;
  for (const auto& [param_key, param_value] : params->AsObject()) {
    if (Lower(param_key) == key && Lower(JsonAsText(param_value)) == value) return true;
  }
  return false;
}

// `key=value` rules; entries without '=' after the first character are ignored.
bool ParamMapMatches(const Agenda& agenda, const std::vector<std::string>& rules) {
  for (const auto& rule : rules) {
    std::string_view trimmed = Trim(rule);
    size_t eq = trimmed.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view rest = trimmed.substr(eq + 1);
    std::string_view value = rest.substr(0, rest.find('='));
    if (value.empty()) continue;
    std::string key = Lower(trimmed.substr(0, eq));
    std::string lowered_value = Lower(value);
    if (ParamsMatch(agenda.params, key, lowered_value)) return true;
    if (agenda.operations) {
      for (const Operation& op : *agenda.operations) {
        if (ParamsMatch(op.params, key, lowered_value)) return true;
      }
    }
  }
  return false;
}

bool MapperMatches(const Agenda& agenda, const std::string& kind,
                   const std::vector<std::string>& values) {
  std::string lowered = Lower(kind);
  if (lowered == "operationname") return AnyOperationField(agenda, values, &Operation::name);
  if (lowered == "operationtype") return AnyOperationField(agenda, values, &Operation::type);
  if (lowered == "parammap") return ParamMapMatches(agenda, values);
  return false;  // unknown mapper kinds are ignored
}

}  // namespace

std::optional<size_t> SelectInsight(const Agenda& agenda, const std::vector<Insight>& candidates) {
  std::optional<std::string> default_insight;
  if (HasParam(agenda.params, kParamDefaultInsight)) {
    default_insight = Lower(GetParamString(agenda.params, kParamDefaultInsight).value_or(""));
  }
  std::optional<size_t> fallback;
  for (size_t index = 0; index < candidates.size(); ++index) {
    const Insight& insight = candidates[index];
    if (!insight.mappers) continue;
    bool matched = false;
    for (const auto& [kind, values] : insight.mappers->entries) {
      if (MapperMatches(agenda, kind, values)) {
        matched = true;
        break;
      }
    }
    if (!matched) continue;
    if (!default_insight) return index;
    if ((insight.title && Lower(*insight.title) == *default_insight) ||
        (insight.id && Lower(*insight.id) == *default_insight)) {
      return index;
    }
    if (!fallback) fallback = index;
  }
  return fallback;
}

}  // namespace pop
