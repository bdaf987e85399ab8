#include "core/codec/json_text.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

namespace pop {
namespace {

// Builds a Json tree from SAX events. nlohmann's parser is iterative, so the only recursion
// is ours, bounded by max_depth.
class Builder {
 public:
  explicit Builder(const JsonParseLimits& limits) : limits_(limits) {}

  bool null() { return Add(Json()); }
  bool boolean(bool v) { return Add(Json(v)); }
  bool number_integer(int64_t v) { return Add(Json(v)); }
  bool number_unsigned(uint64_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return Add(Json(static_cast<int64_t>(v)));
    return Add(Json(static_cast<double>(v)));
  }
  bool number_float(double v, const std::string& /*text*/) { return Add(Json(v)); }
  bool string(std::string& v) { return Add(Json(std::move(v))); }
  bool binary(std::vector<uint8_t>& /*v*/) {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(size_t /*n*/) { return Open(Json::Object()); }
  bool key(std::string& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(size_t /*n*/) { return Open(Json::Array()); }
  bool end_array() { return Close(); }
  bool parse_error(size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    error_position_ = position;
    std::string what = ex.what();
    // nlohmann's messages look like "[json.exception.parse_error.101] parse error at line 1,
    // column 2: syntax error while parsing value - invalid literal; last read: 'x'".
    auto colon = what.find("] ");
    error_ = colon == std::string::npos ? what : what.substr(colon + 2);
    return false;
  }

  Json Take() { return std::move(root_); }
  const std::string& error() const { return error_; }
  size_t error_position() const { return error_position_; }

 private:
  // Stack entries point into the tree; a container's children are only appended while it is
  // the innermost open container, so no pointer is invalidated while it is on the stack.
  bool Add(Json value) {
    Inserted(std::move(value));
    return true;
  }

  Json* Inserted(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.AsArray().push_back(std::move(value));
      return &top.AsArray().back();
    }
    // Keys are made unique when the object closes, so a huge object costs O(n), not O(n^2).
    JsonObject& obj = top.AsObject();
    obj.AppendUnchecked(std::move(key_), std::move(value));
    return &(obj.end() - 1)->second;
  }

  bool Open(Json container) {
    if (stack_.size() >= limits_.max_depth) {
      error_ = "JSON nesting is deeper than " + std::to_string(limits_.max_depth) + " levels";
      return false;
    }
    stack_.push_back(Inserted(std::move(container)));
    return true;
  }

  bool Close() {
    if (stack_.back()->is_object()) stack_.back()->AsObject().RemoveDuplicateKeys();
    stack_.pop_back();
    return true;
  }

  const JsonParseLimits& limits_;
  Json root_;
  std::vector<Json*> stack_;
  std::string key_;
  std::string error_;
  size_t error_position_ = 0;
};

void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

// Length of a valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, min = 0x80, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, min = 0x800, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonParseLimits& limits) {
  Builder builder(limits);
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                      nlohmann::json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    std::string message = builder.error().empty() ? "malformed JSON" : builder.error();
    return Error(ErrorCode::kInvalidArgument, "Malformed JSON: " + message);
  }
  return builder.Take();
}

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not valid UTF-8
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out.push_back('"');
}

void AppendJsonText(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::Type::kNull:
      out += "null";
      return;
    case Json::Type::kBool:
      out += value.AsBool() ? "true" : "false";
      return;
    case Json::Type::kInteger: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value.AsInt());
      out.append(buf, end);
      return;
    }
    case Json::Type::kDouble:
      AppendDouble(value.AsDouble(), out);
      return;
    case Json::Type::kString:
      AppendJsonString(value.AsString(), out);
      return;
    case Json::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Json& element : value.AsArray()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonText(element, out);
      }
      out.push_back(']');
      return;
    }
    case Json::Type::kObject: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.AsObject()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(key, out);
        out.push_back(':');
        AppendJsonText(member, out);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string ToJsonText(const Json& value) {
  std::string out;
  AppendJsonText(value, out);
  return out;
}

}  // namespace pop
