// A lenient RFC 6901 JSON Pointer evaluator: a missing member, an index out of range or a
// non-container on the way yields nullptr instead of an error, as the spec's lookups require.
#pragma once

#include <string_view>

#include "core/json/json.h"

namespace pop {

// `pointer` is "" (the whole document) or starts with '/'. Escapes ~0 and ~1 are decoded.
// Array tokens must be canonical non-negative integers ("0", "12"; not "01" or "-").
const Json* EvaluatePointer(const Json& document, std::string_view pointer);

}  // namespace pop
