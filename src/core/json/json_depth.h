// The one nesting limit of JSON documents, and the check that a document keeps to it. Every path
// in (request bodies, template expansions, resolved references, handler reports and outputs) and
// every stored document is held to kMaxJsonDepth, so that whatever is stored can be read back.
// Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/json/json.h"

namespace pop {

// Containers (objects and arrays) nested inside one another, the outermost counting as 1.
inline constexpr size_t kMaxJsonDepth = 128;

// Rows written before the limit was enforced everywhere (a template run could store a deeper
// document) are still read up to this depth; deeper ones are reported, never a 500, and can be
// deleted.
inline constexpr size_t kMaxStoredJsonDepth = 8 * kMaxJsonDepth;

// nullopt when `doc` nests at most `limit` containers; otherwise the path of the first member,
// in document order, under which it nests deeper, e.g. "operations[0].payload" (at most four
// segments, then "...").
std::optional<std::string> PathDeeperThan(const Json& doc, size_t limit = kMaxJsonDepth);

// kValidation "<what> field '<path>' nests deeper than 128 levels (the limit)" when `doc` is
// deeper than kMaxJsonDepth.
Status CheckJsonDepth(const Json& doc, std::string_view what);

}  // namespace pop
