// Reference replacement (spec §11.2–§11.4): every "@<NAME::PATH>" in the string values of a JSON
// document is replaced by the value it names in a ReferenceMap. One algorithm serves template
// instantiation, Agenda validation, rerun dependency analysis and the executor.
// Design and the Java emulation: docs/design/param-resolution.md.
//
// Two deliberate departures from the original (see the design note, "Deliberate fixes"):
//  (a) A string is replaced WHOLE only when FindReferences yields exactly one match spanning the
//      entire string. The original used an anchored full match first, so "@<a.out>-@<b.out::/x>"
//      parsed as one reference named "a.out>-@<b.out" (a spurious missing reference that made the
//      validator reject the Agenda and the executor deadlock). Here it is a composite string and
//      both references resolve independently.
//  (b) A whole-string reference whose value is a boolean is replaced by that boolean. The
//      original left such a string unchanged.
// Everything else (the §11.5 tables, lookup defaults, the composite rules) is as the original.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json/json.h"

namespace pop {

// NAME → JSON value, with an optional fallback map consulted for names not set locally, so a
// caller can layer per-operation entries (pop.agendaId, pop.operationName) over a shared context
// without copying it. The fallback is not owned and must outlive this map. Lookups are O(1)
// average. Thread-compatible.
class ReferenceMap {
 public:
  explicit ReferenceMap(const ReferenceMap* fallback = nullptr) : fallback_(fallback) {}

  // Sets or replaces the local entry; it hides an entry of the same name in the fallback.
  void Set(std::string name, Json value);
  // The local entry, else the fallback's; nullptr when neither has the name.
  const Json* Find(std::string_view name) const;

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };

  std::unordered_map<std::string, Json, NameHash, std::equal_to<>> values_;
  const ReferenceMap* fallback_;
};

struct ReplacementResult {
  Json document;
  // "@<NAME>" / "@<NAME::PATH>" for every reference whose NAME is not in the map.
  std::vector<std::string> missing;
  // "@<NAME::POINTER>" for a pointer that found nothing and had no default, and
  // "<NAME> cannot be used in composite string" for an object or array inside a longer string.
  std::vector<std::string> invalid;
};

// Walks `document` (object member values and array elements, depth first, in document order)
// and replaces references in every string value, in a single pass: inserted values are not
// scanned again; non-string scalars and object keys are untouched. A string that is exactly
// one reference becomes the referenced value (any type); otherwise each reference with a scalar
// value is replaced by its text form (strings raw, numbers as JSON, true/false, "null"), and
// references that are missing, invalid or containers stay as they are. `missing` and `invalid`
// are de-duplicated and listed in the order first seen.
ReplacementResult ReplaceReferences(const Json& document, const ReferenceMap& map);

// The NAME of every reference (FindReferences semantics) in every string value of `document`,
// de-duplicated, in the order first seen. Feeds the DAG, the validator's cycle check and rerun.
std::vector<std::string> CollectReferenceNames(const Json& document);

}  // namespace pop
