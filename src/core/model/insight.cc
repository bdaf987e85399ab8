#include "core/model/insight.h"

namespace pop {

const char* SchedulingAlgorithmName(SchedulingAlgorithm algorithm) {
  switch (algorithm) {
    case SchedulingAlgorithm::kFirstInFirstOut:
      return "FirstInFirstOut";
    case SchedulingAlgorithm::kRoundRobin:
      return "RoundRobin";
    case SchedulingAlgorithm::kPriority:
      return "Priority";
    case SchedulingAlgorithm::kWeightedFair:
      return "WeightedFair";
  }
  return "FirstInFirstOut";
}

std::optional<SchedulingAlgorithm> ParseSchedulingAlgorithm(std::string_view name) {
  for (auto a : {SchedulingAlgorithm::kFirstInFirstOut, SchedulingAlgorithm::kRoundRobin,
                 SchedulingAlgorithm::kPriority, SchedulingAlgorithm::kWeightedFair}) {
    if (name == SchedulingAlgorithmName(a)) return a;
  }
  return std::nullopt;
}

}  // namespace pop
