// ResourcePool (spec §3.7). `insightIds` is never stored: GET fills it from the insights whose
// resourcePoolId is this pool's id. `handlerTypes` is pop's addition (docs/handlers.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/common.h"

namespace pop {

struct ResourcePool : EndpointObject {
  std::optional<std::vector<std::string>> insight_ids;
  // The operation types the pool's handlers run (its pullers' registry), checked at submit
  // (core/validate/operation_types.h). Absent: not known, nothing is checked. A pop addition.
  std::optional<std::vector<std::string>> handler_types;
};

}  // namespace pop
