// ScanCursor and ScanSince: how the alerting rules read the finished records incrementally, so
// that none is skipped however many finish between two rounds. The cursor is the updatedTime
// the rule has read up to and the ids it has read at exactly that time (more may still come
// with the same time); it is stored with the alert state (Store::SetAlertCursor) in the round's
// transaction, so the server that leads the rules next carries on from it. Pure helpers.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/data_object.h"
#include "ports/store.h"

namespace pop::app {

// One event a rule keeps between rounds (operationTypeFailing: a failure of a type).
struct ScanEvent {
  Timestamp at;
  std::string insight_id;
  std::string agenda_id;
  std::string customer_id;
};

struct ScanCursor {
  Timestamp at;               // records updated before this are read
  std::set<std::string> ids;  // records updated exactly at `at` that are read
  std::map<std::string, std::vector<ScanEvent>> events;  // by key, oldest first
};

// The stored text (JSON) and back. Text that is missing or not a cursor gives a cursor at
// `start` (nothing read).
std::string EncodeScanCursor(const ScanCursor& cursor);
ScanCursor DecodeScanCursor(const std::optional<std::string>& text, Timestamp start);

// Calls `fn` for every object of `kind` matching `query` that was updated since the cursor and
// is not read yet, oldest updatedTime first, `page_size` at a time, and moves the cursor past
// each. After `max_pages` pages it stops; the rest is read by the next call.
[[nodiscard]] Status ScanSince(StoreReader& tx, ObjectKind kind, ObjectQuery query,
                               size_t page_size, size_t max_pages, ScanCursor& cursor,
                               const std::function<Status(DataObject&)>& fn);

}  // namespace pop::app
