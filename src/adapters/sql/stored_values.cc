#include "adapters/sql/stored_values.h"

#include <string>
#include <unordered_map>
#include <utility>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/json/json_depth.h"

namespace pop::sql {
namespace {

Result<DataObject> DecodeText(ObjectKind kind, std::string_view doc) {
  // Rows that older versions stored deeper than kMaxJsonDepth are still read, up to
  // kMaxStoredJsonDepth; a deeper one is reported as such (kValidation, not a 500).
  Result<Json> json = ParseJson(doc, {kMaxStoredJsonDepth});
  if (!json.ok() && json.error().message.find("nesting is deeper") != std::string::npos) {
    return Error(ErrorCode::kValidation,
                 std::string("stored ") + ObjectKindName(kind) + " nests deeper than " +
                     std::to_string(kMaxStoredJsonDepth) +
                     " levels and cannot be read; a super user can still delete it");
  }
  if (!json.ok()) {
    return Error(ErrorCode::kInternal, std::string("stored ") + ObjectKindName(kind) +
                                           " is not valid JSON: " + json.error().message);
  }
  Result<DataObject> object = DecodeObject(kind, *json);
  if (!object.ok()) {
    return Error(ErrorCode::kInternal, std::string("stored ") + ObjectKindName(kind) +
                                           " cannot be decoded: " + object.error().message);
  }
  return object;
}

// Customers, Insights and Resource Pools are read on almost every request (which Insight an
// Agenda goes to, whether a caller may see an Insight) and change rarely. Each thread keeps the
// objects it decoded, keyed by the exact stored text: a row whose text is unchanged decodes to
// the same object, so no invalidation is needed, and a changed row simply misses. Bounded: a
// full cache is emptied. Per thread: connections are used by one thread at a time, and the
// cache needs no lock.
bool Cached(ObjectKind kind) {
  return kind == ObjectKind::kCustomer || kind == ObjectKind::kInsight ||
         kind == ObjectKind::kResourcePool;
}

constexpr size_t kDecodeCacheEntries = 64;

}  // namespace

Result<DataObject> DecodeStoredObject(ObjectKind kind, std::string_view doc) {
  if (!Cached(kind)) return DecodeText(kind, doc);
  thread_local std::unordered_map<std::string, DataObject> cache;
  // The text starts with the object's JSON, which names its kind's fields; a customer and an
  // insight with the same text would decode to different kinds, so the kind is part of the key.
  std::string key;
  key.reserve(doc.size() + 1);
  key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  key.append(doc);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  POP_ASSIGN_OR_RETURN(DataObject object, DecodeText(kind, doc));
  if (cache.size() >= kDecodeCacheEntries) cache.clear();
  cache.emplace(std::move(key), object);
  return object;
}

Result<Json> EncodeForStorage(const DataObject& object, size_t max_depth) {
  const EndpointObject& base = BaseOf(object);
  if (!base.id.has_value() || base.id->empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("cannot store ") + ObjectKindName(KindOf(object)) + " without an id");
  }
  Json encoded = EncodeObject(object);
  if (std::optional<std::string> path = PathDeeperThan(encoded, max_depth)) {
    return Error(ErrorCode::kValidation, std::string(ObjectKindName(KindOf(object))) + " field '" +
                                             *path + "' nests deeper than " +
                                             std::to_string(max_depth) +
                                             " levels (the limit); nothing was stored");
  }
  return encoded;
}

Result<std::vector<std::string>> DecodeStringArray(std::string_view text, std::string_view what) {
  POP_ASSIGN_OR_RETURN(Json json, ParseJson(text));
  std::vector<std::string> values;
  if (!json.is_array()) {
    return Error(ErrorCode::kInternal, "stored " + std::string(what) + " not an array");
  }
  for (const Json& value : json.AsArray()) {
    if (!value.is_string()) {
      return Error(ErrorCode::kInternal, "stored " + std::string(what) + " invalid");
    }
    values.push_back(value.AsString());
  }
  return values;
}

}  // namespace pop::sql
