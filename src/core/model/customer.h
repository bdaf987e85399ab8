// Customer (spec §3.5): an account served by one resource pool. Its `id` must equal its own
// `customerId` for insight selection to find it.
#pragma once

#include <optional>
#include <string>

#include "core/model/common.h"

namespace pop {

struct Customer : EndpointObject {
  std::optional<std::string> billing_code;
  std::optional<std::string> resource_pool_id;
  // Share of its pool under the WeightedFair algorithm (default 1.0; must be > 0).
  std::optional<double> weight;
};

}  // namespace pop
