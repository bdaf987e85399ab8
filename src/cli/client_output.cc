#include "cli/client_output.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

bool EqualsIgnoringCase(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i] != '\0'; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return i == a.size() && b[i] == '\0';
}

void AppendPretty(const Json& value, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  if (value.is_array() && !value.AsArray().empty()) {
    out += "[\n";
    bool first = true;
    for (const Json& item : value.AsArray()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      AppendPretty(item, indent + 2, out);
    }
    out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "]";
  } else if (value.is_object() && !value.AsObject().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : value.AsObject()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      AppendJsonString(key, out);
      out += ": ";
      AppendPretty(member, indent + 2, out);
    }
    out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "}";
  } else {
    AppendJsonText(value, out);
  }
}

// A mapping key written plain when it reads back as that same string, else double-quoted.
void AppendYamlKey(const std::string& key, std::string& out) {
  static const char* const kSpecial[] = {"true", "false", "null", "yes", "no",
                                         "on",   "off",   "y",    "n",   "~"};
  bool plain =
      !key.empty() && (std::isalpha(static_cast<unsigned char>(key[0])) != 0 || key[0] == '_');
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    plain = plain && (std::isalnum(u) != 0 || c == '_' || c == '-' || c == '.');
  }
  for (const char* special : kSpecial) plain = plain && !EqualsIgnoringCase(key, special);
  if (plain) {
    out += key;
  } else {
    AppendJsonString(key, out);
  }
}

void AppendYaml(const Json& value, size_t indent, std::string& out);

// The members of a non-empty object, keys at column `indent`; the first one on the current
// line when `inline_first` (an item of a sequence: "- key: value").
void AppendYamlMembers(const JsonObject& object, size_t indent, bool inline_first,
                       std::string& out) {
  bool first = true;
  for (const auto& [key, member] : object) {
    out += first && inline_first ? std::string(" ") : std::string(indent, ' ');
    first = false;
    AppendYamlKey(key, out);
    out += ":";
    AppendYaml(member, indent + 2, out);
  }
}

// `value` as what follows "key:" or "-" whose content sits at column `indent`: a scalar or an
// empty container on the same line, a non-empty container on the next lines (a mapping inside
// a sequence starts on the dash's line).
void AppendYaml(const Json& value, size_t indent, std::string& out) {
  if (value.is_object() && !value.AsObject().empty()) {
    out += "\n";
    AppendYamlMembers(value.AsObject(), indent, false, out);
  } else if (value.is_array() && !value.AsArray().empty()) {
    out += "\n";
    for (const Json& item : value.AsArray()) {
      out += std::string(indent, ' ') + "-";
      if (item.is_object() && !item.AsObject().empty()) {
        AppendYamlMembers(item.AsObject(), indent + 2, true, out);
      } else {
        AppendYaml(item, indent + 2, out);
      }
    }
  } else {
    out += " ";
    if (value.is_object()) {
      out += "{}";
    } else if (value.is_array()) {
      out += "[]";
    } else {
      AppendJsonText(value, out);  // null, true, 12, 1.5 and "quoted strings" are YAML too
    }
    out += "\n";
  }
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t col = 0; col < headers_.size(); ++col) widths[col] = headers_[col].size();
  for (const auto& row : rows_) {
    for (size_t col = 0; col < row.size() && col < widths.size(); ++col) {
      widths[col] = std::max(widths[col], row[col].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t col = 0; col < widths.size(); ++col) {
      const std::string cell = col < cells.size() ? cells[col] : "";
      text += cell;
      if (col + 1 < widths.size()) text += std::string(widths[col] - cell.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "\n";
  };
  std::string out = line(headers_);
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string PrettyJson(const Json& value) {
  std::string out;
  AppendPretty(value, 0, out);
  return out + "\n";
}

std::string Yaml(const Json& value) {
  std::string out;
  AppendYaml(value, 0, out);
  // The top level starts at column 0: drop the separator AppendYaml puts after "key:".
  return out.substr(1);
}

std::string Structured(OutputFormat format, const Json& value) {
  switch (format) {
    case OutputFormat::kJson:
      return PrettyJson(value);
    case OutputFormat::kYaml:
      return Yaml(value);
    case OutputFormat::kTable:
      break;
  }
  return "";
}

std::string ScalarText(const Json* value) {
  if (value == nullptr || value->is_null()) return "";
  if (value->is_string()) return value->AsString();
  return ToJsonText(*value);
}

std::string Describe(const Json& object) {
  if (!object.is_object()) return ScalarText(&object) + "\n";
  size_t width = 0;
  for (const auto& member : object.AsObject()) width = std::max(width, member.first.size());
  std::string out;
  for (const auto& [key, value] : object.AsObject()) {
    std::string text = ScalarText(&value);
    if (EndsWith(key, "Time") && value.is_integer()) text = FormatTime(value.AsInt());
    out += key + ":";
    out += std::string(width - key.size() + 2, ' ');
    out += text + "\n";
  }
  return out;
}

std::string FormatTime(int64_t epoch_millis) {
  std::time_t seconds = static_cast<std::time_t>(epoch_millis / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", &local);
  return buffer;
}

std::string FormatAge(int64_t epoch_millis) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  int64_t seconds = std::max<int64_t>(0, (now - epoch_millis) / 1000);
  constexpr int64_t kMinute = 60;
  constexpr int64_t kHour = 60 * kMinute;
  constexpr int64_t kDay = 24 * kHour;
  if (seconds < 2 * kMinute) return std::to_string(seconds) + "s";
  if (seconds < 2 * kHour) return std::to_string(seconds / kMinute) + "m";
  if (seconds < 2 * kDay) return std::to_string(seconds / kHour) + "h";
  return std::to_string(seconds / kDay) + "d";
}

std::string FormatPercent(const Json* value) {
  if (value == nullptr || !value->is_number()) return "-";
  return std::to_string(static_cast<int64_t>(std::lround(value->AsDouble()))) + "%";
}

std::string Plural(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string FormatElapsed(double seconds) {
  char buffer[32];
  if (seconds < 10) {
    std::snprintf(buffer, sizeof(buffer), "%.1fs", seconds);
  } else if (seconds < 60) {
    std::snprintf(buffer, sizeof(buffer), "%.0fs", seconds);
  } else {
    auto whole = static_cast<int64_t>(seconds);
    std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", static_cast<long long>(whole / 60),
                  static_cast<long long>(whole % 60));
  }
  return buffer;
}

std::string StateLabel(const Json& progress) {
  const Json* state = progress.Find("processingState");
  std::string name = state != nullptr && state->is_string() ? state->AsString() : "WAITING";
  if (name != "COMPLETE") return name;
  const Json* message = progress.Find("processingStateMessage");
  if (message != nullptr && message->is_string()) {
    if (EqualsIgnoringCase(message->AsString(), "succeeded")) return "SUCCEEDED";
    if (EqualsIgnoringCase(message->AsString(), "failed")) return "FAILED";
    if (message->AsString() == "cancelled") return "CANCELLED";
  }
  return name;
}

bool IsComplete(const Json& progress) {
  const Json* state = progress.Find("processingState");
  return state != nullptr && state->is_string() && state->AsString() == "COMPLETE";
}

std::optional<int64_t> IntField(const Json& object, const char* key) {
  const Json* value = object.Find(key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->is_integer() ? value->AsInt() : static_cast<int64_t>(value->AsDouble());
}

}  // namespace pop::cli
