// ResourcePool (spec §3.7). `insightIds` is never stored: GET fills it from the insights whose
// resourcePoolId is this pool's id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/common.h"

namespace pop {

struct ResourcePool : EndpointObject {
  std::optional<std::vector<std::string>> insight_ids;
};

}  // namespace pop
