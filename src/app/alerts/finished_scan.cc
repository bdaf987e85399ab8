#include "app/alerts/finished_scan.h"

#include <utility>

#include "core/codec/json_text.h"
#include "core/json/json.h"

namespace pop::app {
namespace {

const Json* Member(const Json& object, std::string_view key) {
  return object.is_object() ? object.Find(key) : nullptr;
}

std::string TextOf(const Json& object, std::string_view key) {
  const Json* value = Member(object, key);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

}  // namespace

std::string EncodeScanCursor(const ScanCursor& cursor) {
  JsonArray ids;
  for (const std::string& id : cursor.ids) ids.emplace_back(id);
  JsonObject events;
  for (const auto& [key, list] : cursor.events) {
    JsonArray items;
    for (const ScanEvent& event : list) {
      JsonObject item;
      item.Set("at", Json(event.at.millis()));
      item.Set("insightId", Json(event.insight_id));
      item.Set("agendaId", Json(event.agenda_id));
      item.Set("customerId", Json(event.customer_id));
      items.emplace_back(std::move(item));
    }
    events.Set(key, Json(std::move(items)));
  }
  JsonObject root;
  root.Set("at", Json(cursor.at.millis()));
  root.Set("ids", Json(std::move(ids)));
  root.Set("events", Json(std::move(events)));
  return ToJsonText(Json(std::move(root)));
}

ScanCursor DecodeScanCursor(const std::optional<std::string>& text, Timestamp start) {
  ScanCursor cursor;
  cursor.at = start;
  if (!text) return cursor;
  Result<Json> parsed = ParseJson(*text);
  if (!parsed.ok()) return cursor;
  const Json* at = Member(*parsed, "at");
  if (at == nullptr || !at->is_integer()) return cursor;
  cursor.at = Timestamp::FromMillis(at->AsInt());
  if (const Json* ids = Member(*parsed, "ids"); ids != nullptr && ids->is_array()) {
    for (const Json& id : ids->AsArray()) {
      if (id.is_string()) cursor.ids.insert(id.AsString());
    }
  }
  const Json* events = Member(*parsed, "events");
  if (events == nullptr || !events->is_object()) return cursor;
  for (const auto& [key, list] : events->AsObject()) {
    if (!list.is_array()) continue;
    for (const Json& item : list.AsArray()) {
      const Json* item_at = Member(item, "at");
      if (item_at == nullptr || !item_at->is_integer()) continue;
      cursor.events[key].push_back({Timestamp::FromMillis(item_at->AsInt()),
                                    TextOf(item, "insightId"), TextOf(item, "agendaId"),
                                    TextOf(item, "customerId")});
    }
  }
  return cursor;
}

Status ScanSince(StoreReader& tx, ObjectKind kind, ObjectQuery query, size_t page_size,
                 size_t max_pages, ScanCursor& cursor,
                 const std::function<Status(DataObject&)>& fn) {
  query.oldest_updated_first = true;
  for (size_t page = 0; page < max_pages; ++page) {
    query.updated_since = cursor.at;
    // The records already read at the cursor's time come first again: ask for that many more.
    query.limit = page_size + cursor.ids.size();
    POP_ASSIGN_OR_RETURN(std::vector<DataObject> objects, tx.Find(kind, query));
    size_t fresh = 0;
    for (DataObject& object : objects) {
      const EndpointObject& base = BaseOf(object);
      const Timestamp updated = base.updated_time.value_or(cursor.at);
      const std::string id = base.id.value_or("");
      if (updated == cursor.at && cursor.ids.count(id) > 0) continue;
      ++fresh;
      POP_RETURN_IF_ERROR(fn(object));
      if (updated > cursor.at) {
        cursor.at = updated;
        cursor.ids.clear();
      }
      cursor.ids.insert(id);
    }
    if (objects.size() < query.limit || fresh == 0) break;
  }
  return Status::Ok();
}

}  // namespace pop::app
