// Insight (spec §3.6): a work queue of a resource pool with its scheduling algorithm and the
// mapping rules that route agendas to it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/common.h"

namespace pop {

enum class SchedulingAlgorithm { kFirstInFirstOut, kRoundRobin, kPriority, kWeightedFair };

const char* SchedulingAlgorithmName(SchedulingAlgorithm algorithm);
std::optional<SchedulingAlgorithm> ParseSchedulingAlgorithm(std::string_view name);  // exact case

// `mappers`: rule kind ("operationName", "operationType", "paramMap") → values, in the order the
// client sent them (selection scans them in order).
struct InsightMappers {
  std::vector<std::pair<std::string, std::vector<std::string>>> entries;
};

struct Insight : EndpointObject {
  std::optional<AllowedCustomerIds> allowed_customer_ids;
  std::optional<bool> is_global;
  std::optional<std::string> resource_pool_id;
  std::optional<std::string> queue_name;
  std::optional<int64_t> queue_size;
  std::optional<SchedulingAlgorithm> scheduling_algorithm;
  std::optional<InsightMappers> mappers;
};

}  // namespace pop
