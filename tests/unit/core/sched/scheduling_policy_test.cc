#include "core/sched/scheduling_policy.h"

#include <gtest/gtest.h>

#include <limits>

namespace pop::sched {
namespace {

TEST(SchedulingPolicyTest, SetCustomerWeightRejectsWeightsThatAreNotPositiveNumbers) {
  auto policy = MakeFifoPolicy();

  EXPECT_EQ(policy->SetCustomerWeight("x", 0.0).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(policy->SetCustomerWeight("x", -1.0).code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(policy->SetCustomerWeight("x", std::numeric_limits<double>::quiet_NaN()).ok());
  EXPECT_FALSE(policy->SetCustomerWeight("x", std::numeric_limits<double>::infinity()).ok());
  EXPECT_TRUE(policy->SetCustomerWeight("x", 1e9).ok());
}

TEST(SchedulingPolicyTest, MakePolicyBuildsEachAlgorithm) {
  for (SchedulingAlgorithm algorithm :
       {SchedulingAlgorithm::kFirstInFirstOut, SchedulingAlgorithm::kRoundRobin,
        SchedulingAlgorithm::kPriority, SchedulingAlgorithm::kWeightedFair}) {
    EXPECT_EQ(MakePolicy(algorithm)->algorithm(), algorithm);
  }
}

}  // namespace
}  // namespace pop::sched
