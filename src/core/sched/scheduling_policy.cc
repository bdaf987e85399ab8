#include "core/sched/scheduling_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/sched/ordered_policy.h"
#include "core/sched/round_robin_policy.h"
#include "core/sched/weighted_fair_policy.h"

namespace pop::sched {

void SchedulingPolicy::SetPoolCustomers(const std::vector<std::string>& /*customer_ids*/) {}

Status SchedulingPolicy::SetCustomerWeight(std::string_view customer_id, double weight) {
  if (!std::isfinite(weight) || weight <= 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "customer weight must be a number greater than 0, got " + std::to_string(weight));
  }
  SetValidCustomerWeight(customer_id, std::clamp(weight, kMinCustomerWeight, kMaxCustomerWeight));
  return Status::Ok();
}

void SchedulingPolicy::SetValidCustomerWeight(std::string_view /*customer_id*/, double /*weight*/) {
}

RoundRobinState SchedulingPolicy::state() const { return {}; }

void SchedulingPolicy::RestoreState(const RoundRobinState& /*state*/) {}

std::unique_ptr<SchedulingPolicy> MakeFifoPolicy() { return std::make_unique<FifoPolicy>(); }

std::unique_ptr<SchedulingPolicy> MakePriorityPolicy() {
  return std::make_unique<PriorityPolicy>();
}

std::unique_ptr<SchedulingPolicy> MakeRoundRobinPolicy(const RoundRobinState& initial) {
  return std::make_unique<RoundRobinPolicy>(initial);
}

std::unique_ptr<SchedulingPolicy> MakeWeightedFairPolicy() {
  return std::make_unique<WeightedFairPolicy>();
}

std::unique_ptr<SchedulingPolicy> MakePolicy(SchedulingAlgorithm algorithm,
                                             const RoundRobinState& initial) {
  switch (algorithm) {
    case SchedulingAlgorithm::kFirstInFirstOut:
      return MakeFifoPolicy();
    case SchedulingAlgorithm::kRoundRobin:
      return MakeRoundRobinPolicy(initial);
    case SchedulingAlgorithm::kPriority:
      return MakePriorityPolicy();
    case SchedulingAlgorithm::kWeightedFair:
      return MakeWeightedFairPolicy();
  }
  return MakeFifoPolicy();  // Not reached: no `default:`, so -Wswitch flags a new algorithm.
}

}  // namespace pop::sched
