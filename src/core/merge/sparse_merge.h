// Sparse merge of spec §4.7 (PUT, and POST onto an existing id): every top-level field present in
// the patch replaces the stored one wholesale (nested objects and arrays are not merged);
// fields absent from the patch keep their stored values. Pure.
#pragma once

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/data_object.h"

namespace pop {

// Both arguments are JSON objects (encoded data objects, where absent fields are omitted).
Json SparseMerge(const Json& stored, const Json& patch);

// Typed form: patch and stored must be the same kind (checked).
DataObject SparseMerge(const DataObject& stored, const DataObject& patch);

}  // namespace pop
