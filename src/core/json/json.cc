#include "core/json/json.h"

#include <algorithm>
#include <unordered_map>

#include "core/base/check.h"

namespace pop {

JsonObject::JsonObject(std::initializer_list<Member> members) {
  for (const auto& m : members) Set(m.first, m.second);
}

const Json* JsonObject::Find(std::string_view key) const {
  for (const auto& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Json* JsonObject::Find(std::string_view key) {
  for (auto& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

void JsonObject::Set(std::string key, Json value) {
  if (Json* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  members_.emplace_back(std::move(key), std::move(value));
}

void JsonObject::AppendUnchecked(std::string key, Json value) {
  members_.emplace_back(std::move(key), std::move(value));
}

void JsonObject::RemoveDuplicateKeys() {
  if (members_.size() < 2) return;
  std::unordered_map<std::string_view, size_t> first_index;
  first_index.reserve(members_.size());
  bool has_duplicates = false;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!first_index.emplace(members_[i].first, i).second) has_duplicates = true;
  }
  if (!has_duplicates) return;
  std::vector<Member> unique;
  unique.reserve(first_index.size());
  std::unordered_map<std::string, size_t> position;
  for (auto& member : members_) {
    auto [it, inserted] = position.emplace(member.first, unique.size());
    if (inserted) {
      unique.push_back(std::move(member));
    } else {
      unique[it->second].second = std::move(member.second);
    }
  }
  members_ = std::move(unique);
}

bool JsonObject::Erase(std::string_view key) {
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const Member& m) { return m.first == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

bool JsonObject::operator==(const JsonObject& other) const {
  if (members_.size() != other.members_.size()) return false;
  for (const auto& m : members_) {
    const Json* o = other.Find(m.first);
    if (o == nullptr || !(*o == m.second)) return false;
  }
  return true;
}

bool Json::AsBool() const {
  POP_CHECK(is_bool());
  return std::get<bool>(v_);
}

int64_t Json::AsInt() const {
  POP_CHECK(is_integer());
  return std::get<int64_t>(v_);
}

double Json::AsDouble() const {
  if (is_integer()) return static_cast<double>(std::get<int64_t>(v_));
  POP_CHECK(is_double());
  return std::get<double>(v_);
}

const std::string& Json::AsString() const {
  POP_CHECK(is_string());
  return std::get<std::string>(v_);
}

const JsonArray& Json::AsArray() const {
  POP_CHECK(is_array());
  return std::get<JsonArray>(v_);
}

JsonArray& Json::AsArray() {
  POP_CHECK(is_array());
  return std::get<JsonArray>(v_);
}

const JsonObject& Json::AsObject() const {
  POP_CHECK(is_object());
  return std::get<JsonObject>(v_);
}

JsonObject& Json::AsObject() {
  POP_CHECK(is_object());
  return std::get<JsonObject>(v_);
}

const Json* Json::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  return AsObject().Find(key);
}

bool Json::operator==(const Json& other) const {
  if (is_number() && other.is_number()) {
    if (is_integer() && other.is_integer()) return AsInt() == other.AsInt();
    return AsDouble() == other.AsDouble();
  }
  return v_ == other.v_;
}

const char* JsonTypeDescription(Json::Type type) {
  switch (type) {
    case Json::Type::kNull:
      return "null";
    case Json::Type::kBool:
      return "a boolean";
    case Json::Type::kInteger:
    case Json::Type::kDouble:
      return "a number";
    case Json::Type::kString:
      return "a string";
    case Json::Type::kArray:
      return "an array";
    case Json::Type::kObject:
      return "an object";
  }
  return "a value";
}

}  // namespace pop
