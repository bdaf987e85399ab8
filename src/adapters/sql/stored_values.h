// How both SQL stores turn what a row holds back into values: stored documents into objects (with
// a small per-thread cache of decoded Customers, Insights and Resource Pools) and JSON arrays of
// strings into vectors. Pure apart from that thread-local cache; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/data_object.h"

namespace pop::sql {

// The object whose encoded JSON text is `doc`. A document nesting deeper than
// kMaxStoredJsonDepth is kValidation (it can still be deleted); anything else that does not
// decode is kInternal.
Result<DataObject> DecodeStoredObject(ObjectKind kind, std::string_view doc);

// The JSON both stores write for `object` (Put): kInvalidArgument when it has no id, kValidation
// naming the field when it nests deeper than `max_depth` (nothing is stored then).
Result<Json> EncodeForStorage(const DataObject& object, size_t max_depth);

// ["a","b"] → {"a","b"}; kInternal when the text is not an array of strings. `what` names the
// column in the error message.
Result<std::vector<std::string>> DecodeStringArray(std::string_view text, std::string_view what);

}  // namespace pop::sql
