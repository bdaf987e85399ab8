// DataObject: any of the seven objects served by the data routes, and ObjectKind to name one.
#pragma once

#include <optional>
#include <string_view>
#include <variant>

#include "core/model/agenda.h"
#include "core/model/agenda_progress.h"
#include "core/model/agenda_template.h"
#include "core/model/customer.h"
#include "core/model/insight.h"
#include "core/model/operation_progress.h"
#include "core/model/resource_pool.h"

namespace pop {

enum class ObjectKind {
  kAgenda,
  kAgendaTemplate,
  kCustomer,
  kInsight,
  kResourcePool,
  kAgendaProgress,
  kOperationProgress,
};

inline constexpr ObjectKind kAllObjectKinds[] = {
    ObjectKind::kAgenda,           ObjectKind::kAgendaTemplate, ObjectKind::kCustomer,
    ObjectKind::kInsight,          ObjectKind::kResourcePool,   ObjectKind::kAgendaProgress,
    ObjectKind::kOperationProgress};

// The variant's index equals static_cast<size_t>(ObjectKind).
using DataObject = std::variant<Agenda, AgendaTemplate, Customer, Insight, ResourcePool,
                                AgendaProgress, OperationProgress>;

inline ObjectKind KindOf(const DataObject& object) {
  return static_cast<ObjectKind>(object.index());
}

// The spec's class name ("Agenda", "AgendaProgress"), for messages.
const char* ObjectKindName(ObjectKind kind);

template <typename T>
constexpr ObjectKind KindFor();
template <>
constexpr ObjectKind KindFor<Agenda>() {
  return ObjectKind::kAgenda;
}
template <>
constexpr ObjectKind KindFor<AgendaTemplate>() {
  return ObjectKind::kAgendaTemplate;
}
template <>
constexpr ObjectKind KindFor<Customer>() {
  return ObjectKind::kCustomer;
}
template <>
constexpr ObjectKind KindFor<Insight>() {
  return ObjectKind::kInsight;
}
template <>
constexpr ObjectKind KindFor<ResourcePool>() {
  return ObjectKind::kResourcePool;
}
template <>
constexpr ObjectKind KindFor<AgendaProgress>() {
  return ObjectKind::kAgendaProgress;
}
template <>
constexpr ObjectKind KindFor<OperationProgress>() {
  return ObjectKind::kOperationProgress;
}

// The base fields of any data object.
inline const EndpointObject& BaseOf(const DataObject& object) {
  return std::visit([](const auto& o) -> const EndpointObject& { return o; }, object);
}
inline EndpointObject& BaseOf(DataObject& object) {
  return std::visit([](auto& o) -> EndpointObject& { return o; }, object);
}

}  // namespace pop
