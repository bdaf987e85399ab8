// Translates the model structs to and from Json with the exact field names of the spec
// (camelCase, epoch-millisecond times). The only place that knows those names.
//
// Decoding ignores unknown fields, treats null as absent, lower-cases allowedCustomerIds and
// coerces scalars the way the original's Jackson configuration did (a number where a string is
// expected becomes its text, "5" where an integer is expected becomes 5). A value that cannot be
// coerced is a kInvalidArgument error naming the field path, e.g.
// "Invalid value for field 'operations[1].name': expected a string, got an object".
// Encoding omits absent fields. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/data_object.h"
#include "core/model/ready_agenda.h"

namespace pop {

template <typename T>
[[nodiscard]] Result<T> Decode(const Json& json);
template <typename T>
Json Encode(const T& value);

// Supported T: Agenda, Operation, AgendaTemplate, Customer, Insight, ResourcePool,
// AgendaProgress, OperationProgress, DiagnosticEvent, AgendaInsight, ReadyAgenda.
extern template Result<Agenda> Decode<Agenda>(const Json&);
extern template Result<Operation> Decode<Operation>(const Json&);
extern template Result<AgendaTemplate> Decode<AgendaTemplate>(const Json&);
extern template Result<Customer> Decode<Customer>(const Json&);
extern template Result<Insight> Decode<Insight>(const Json&);
extern template Result<ResourcePool> Decode<ResourcePool>(const Json&);
extern template Result<AgendaProgress> Decode<AgendaProgress>(const Json&);
extern template Result<OperationProgress> Decode<OperationProgress>(const Json&);
extern template Result<DiagnosticEvent> Decode<DiagnosticEvent>(const Json&);
extern template Result<AgendaInsight> Decode<AgendaInsight>(const Json&);
extern template Result<ReadyAgenda> Decode<ReadyAgenda>(const Json&);
extern template Json Encode<Agenda>(const Agenda&);
extern template Json Encode<Operation>(const Operation&);
extern template Json Encode<AgendaTemplate>(const AgendaTemplate&);
extern template Json Encode<Customer>(const Customer&);
extern template Json Encode<Insight>(const Insight&);
extern template Json Encode<ResourcePool>(const ResourcePool&);
extern template Json Encode<AgendaProgress>(const AgendaProgress&);
extern template Json Encode<OperationProgress>(const OperationProgress&);
extern template Json Encode<DiagnosticEvent>(const DiagnosticEvent&);
extern template Json Encode<AgendaInsight>(const AgendaInsight&);
extern template Json Encode<ReadyAgenda>(const ReadyAgenda&);

// A field of a decoded document that the model does not have: ignored by Decode (stored rows and
// lenient servers), refused at the API by default (docs/api.md, "Unknown fields").
struct UnknownField {
  std::string path;     // e.g. "operations[0].paylod"
  std::string closest;  // the known field a typo away at that level ("payload"), or ""
};
// Every unknown field of `json` read as a T (nested objects and arrays of objects included),
// in document order. Supported T: as Decode.
template <typename T>
[[nodiscard]] std::vector<UnknownField> UnknownFields(const Json& json);
[[nodiscard]] std::vector<UnknownField> UnknownObjectFields(ObjectKind kind, const Json& json);

[[nodiscard]] Result<DataObject> DecodeObject(ObjectKind kind, const Json& json);
// Element `index` of a JSON array body (a bulk submission), decoded as DecodeObject does; the
// field paths of its errors start with the element: "[17].operations[2].name".
[[nodiscard]] Result<DataObject> DecodeObjectAt(ObjectKind kind, const Json& json, size_t index);
Json EncodeObject(const DataObject& object);

}  // namespace pop
