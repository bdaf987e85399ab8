// Json: an immutable-by-convention JSON value (null, bool, integer, double, string, array, object)
// used for arbitrary payloads and params in the model. Objects keep member insertion order, as
// the original's Jackson maps did. Parsing and printing live in core/codec/json_text.h.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace pop {

class Json;

// An ordered list of members; keys are unique (Set replaces in place).
class JsonObject {
 public:
  using Member = std::pair<std::string, Json>;
  using const_iterator = std::vector<Member>::const_iterator;
  using iterator = std::vector<Member>::iterator;

  JsonObject() = default;
  JsonObject(std::initializer_list<Member> members);

  const Json* Find(std::string_view key) const;
  Json* Find(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Replaces the value of an existing key in place, or appends.
  void Set(std::string key, Json value);
  bool Erase(std::string_view key);
  size_t size() const;
  bool empty() const;
  const_iterator begin() const;
  const_iterator end() const;
  iterator begin();
  iterator end();
  void Reserve(size_t n);
  // Appends without checking for an existing key; the caller guarantees uniqueness.
  void AppendUnchecked(std::string key, Json value);
  // After AppendUnchecked: a repeated key keeps its first position and its last value (as a
  // LinkedHashMap put does).
  void RemoveDuplicateKeys();

  bool operator==(const JsonObject& other) const;

 private:
  std::vector<Member> members_;
};

using JsonArray = std::vector<Json>;

class Json {
 public:
  enum class Type { kNull, kBool, kInteger, kDouble, kString, kArray, kObject };

  Json() = default;
  Json(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  Json(bool b) : v_(b) {}  // NOLINT(google-explicit-constructor)
  template <typename I,
            std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Json(I i) : v_(static_cast<int64_t>(i)) {}        // NOLINT(google-explicit-constructor)
  Json(double d) : v_(d) {}                         // NOLINT(google-explicit-constructor)
  Json(std::string s) : v_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Json(std::string_view s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Json(const char* s) : v_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Json(JsonArray a) : v_(std::move(a)) {}           // NOLINT(google-explicit-constructor)
  Json(JsonObject o) : v_(std::move(o)) {}          // NOLINT(google-explicit-constructor)

  static Json Object() { return Json(JsonObject()); }
  static Json Array() { return Json(JsonArray()); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_integer() const { return type() == Type::kInteger; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_integer() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }
  bool is_container() const { return is_array() || is_object(); }

  // Accessors require the matching type (checked).
  bool AsBool() const;
  int64_t AsInt() const;
  double AsDouble() const;  // integers convert
  const std::string& AsString() const;
  const JsonArray& AsArray() const;
  JsonArray& AsArray();
  const JsonObject& AsObject() const;
  JsonObject& AsObject();

  // Object member lookup; nullptr when not an object or the key is absent.
  const Json* Find(std::string_view key) const;

  // Numbers compare by value (1 == 1.0); objects compare member sets regardless of order.
  bool operator==(const Json& other) const;

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, JsonArray, JsonObject> v_;
};

// JsonObject members that need Json to be complete.
inline size_t JsonObject::size() const { return members_.size(); }
inline bool JsonObject::empty() const { return members_.empty(); }
inline JsonObject::const_iterator JsonObject::begin() const { return members_.begin(); }
inline JsonObject::const_iterator JsonObject::end() const { return members_.end(); }
inline JsonObject::iterator JsonObject::begin() { return members_.begin(); }
inline JsonObject::iterator JsonObject::end() { return members_.end(); }
inline void JsonObject::Reserve(size_t n) { members_.reserve(n); }

// Short name of a type for error messages ("an object", "a string").
const char* JsonTypeDescription(Json::Type type);

}  // namespace pop
