#include "core/model/data_object.h"

namespace pop {

const char* ObjectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kAgenda:
      return "Agenda";
    case ObjectKind::kAgendaTemplate:
      return "AgendaTemplate";
    case ObjectKind::kCustomer:
      return "Customer";
    case ObjectKind::kInsight:
      return "Insight";
    case ObjectKind::kResourcePool:
      return "ResourcePool";
    case ObjectKind::kAgendaProgress:
      return "AgendaProgress";
    case ObjectKind::kOperationProgress:
      return "OperationProgress";
  }
  return "Object";
}

}  // namespace pop
