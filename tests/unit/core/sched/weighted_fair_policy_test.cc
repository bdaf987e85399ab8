#include "core/sched/weighted_fair_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using testing::AddMany;
using ::testing::ElementsAre;
using testing::IdsOf;
using testing::MakeCandidate;

std::map<std::string, int> CountByCustomer(const std::vector<Candidate>& popped) {
  std::map<std::string, int> counts;
  for (const Candidate& candidate : popped) ++counts[candidate.customer_id];
  return counts;
}

TEST(WeightedFairPolicyTest, EqualWeightsAlternateCustomers) {
  WeightedFairPolicy policy;
  uint64_t sequence = 0;
  AddMany(policy, "A", 3, 100, &sequence);
  AddMany(policy, "B", 3, 0, &sequence);

  EXPECT_THAT(IdsOf(policy.PopBatch(6)), ElementsAre("A1", "B1", "A2", "B2", "A3", "B3"));
}

TEST(WeightedFairPolicyTest, SharesFollowWeightsUnderSaturation) {
  WeightedFairPolicy policy;
  ASSERT_TRUE(policy.SetCustomerWeight("heavy", 3.0).ok());
  ASSERT_TRUE(policy.SetCustomerWeight("light", 0.5).ok());
  uint64_t sequence = 0;
  AddMany(policy, "heavy", 2000, 0, &sequence);
  AddMany(policy, "normal", 2000, 0, &sequence);
  AddMany(policy, "light", 2000, 0, &sequence);

  const std::map<std::string, int> counts = CountByCustomer(policy.PopBatch(900));

  EXPECT_NEAR(counts.at("heavy"), 600, 2);
  EXPECT_NEAR(counts.at("normal"), 200, 2);
  EXPECT_NEAR(counts.at("light"), 100, 2);
}

TEST(WeightedFairPolicyTest, NewCustomerIsServedBeforeBackloggedCustomersGetAnotherTurn) {
  WeightedFairPolicy policy;
  uint64_t sequence = 0;
  AddMany(policy, "A", 5000, 0, &sequence);
  AddMany(policy, "B", 5000, 0, &sequence);
  ASSERT_EQ(policy.PopBatch(100).size(), 100u);

  policy.Add(MakeCandidate("new1", "new", 999999, 0, 999999));

  EXPECT_THAT(IdsOf(policy.PopBatch(1)), ElementsAre("new1"));
}

TEST(WeightedFairPolicyTest, NewCustomerMidRoundWaitsOnlyForCustomersNotYetServedThisRound) {
  WeightedFairPolicy policy;
  uint64_t sequence = 0;
  AddMany(policy, "A", 50, 0, &sequence);
  AddMany(policy, "B", 50, 0, &sequence);
  AddMany(policy, "C", 50, 0, &sequence);
  ASSERT_THAT(IdsOf(policy.PopBatch(4)), ElementsAre("A1", "B1", "C1", "A2"));

  policy.Add(MakeCandidate("new1", "new", 999, 0, 999));

  EXPECT_THAT(IdsOf(policy.PopBatch(3)), ElementsAre("B2", "C2", "new1"));
}

TEST(WeightedFairPolicyTest, IdleCustomerEarnsNoCredit) {
  WeightedFairPolicy policy;
  uint64_t sequence = 0;
  AddMany(policy, "busy", 3000, 0, &sequence);
  policy.Add(MakeCandidate("early", "idle", 0, 0, sequence++));
  ASSERT_EQ(policy.PopBatch(1000).size(), 1000u);  // "idle" had one turn, then nothing
  AddMany(policy, "idle", 100, 5000, &sequence);

  const std::map<std::string, int> counts = CountByCustomer(policy.PopBatch(20));

  EXPECT_NEAR(counts.at("idle"), 10, 1);
  EXPECT_NEAR(counts.at("busy"), 10, 1);
}

TEST(WeightedFairPolicyTest, LowWeightNewCustomerIsStillServedPromptly) {
  WeightedFairPolicy policy;
  ASSERT_TRUE(policy.SetCustomerWeight("tiny", 0.001).ok());
  uint64_t sequence = 0;
  AddMany(policy, "A", 500, 0, &sequence);
  AddMany(policy, "B", 500, 0, &sequence);
  ASSERT_EQ(policy.PopBatch(11).size(), 11u);

  policy.Add(MakeCandidate("tiny1", "tiny", 0, 0, sequence++));
  policy.Add(MakeCandidate("tiny2", "tiny", 1, 0, sequence++));

  const std::vector<std::string> next = IdsOf(policy.PopBatch(2));
  EXPECT_THAT(next, ::testing::Contains("tiny1"));
  EXPECT_THAT(next, ::testing::Not(::testing::Contains("tiny2")));
}

TEST(WeightedFairPolicyTest, WeightChangeAppliesToLaterTurns) {
  WeightedFairPolicy policy;
  uint64_t sequence = 0;
  AddMany(policy, "A", 2000, 0, &sequence);
  AddMany(policy, "B", 2000, 0, &sequence);
  ASSERT_EQ(policy.PopBatch(10).size(), 10u);

  ASSERT_TRUE(policy.SetCustomerWeight("A", 4.0).ok());
  const std::map<std::string, int> counts = CountByCustomer(policy.PopBatch(500));

  EXPECT_NEAR(counts.at("A"), 400, 3);
  EXPECT_NEAR(counts.at("B"), 100, 3);
}

TEST(WeightedFairPolicyTest, RemovingACustomersLastCandidateTakesItOutOfTheBacklog) {
  WeightedFairPolicy policy;
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));
  policy.Add(MakeCandidate("b2", "B", 3));

  EXPECT_TRUE(policy.Remove("a1"));

  EXPECT_THAT(IdsOf(policy.PopBatch(5)), ElementsAre("b1", "b2"));
  EXPECT_EQ(policy.size(), 0u);
}

TEST(WeightedFairPolicyTest, ExplainCountsOtherCustomersAheadByFairShare) {
  WeightedFairPolicy policy;
  ASSERT_TRUE(policy.SetCustomerWeight("B", 2.0).ok());
  uint64_t sequence = 0;
  AddMany(policy, "A", 4, 0, &sequence);
  AddMany(policy, "B", 4, 0, &sequence);

  // Order: A1 B1 B2 A2 B3 B4 A3 A4 (B's stride is half of A's).
  EXPECT_EQ(policy.Explain("A1")->reason, "next to be queued (WeightedFair)");
  EXPECT_EQ(policy.Explain("B2")->position, 2u);
  EXPECT_EQ(policy.Explain("A2")->position, 3u);
  EXPECT_EQ(policy.Explain("A2")->reason,
            "customer A (weight 1) gets its share: 2 agendas of other customers and 1 older "
            "agenda of A are ahead (WeightedFair)");
  EXPECT_EQ(policy.Explain("B3")->reason,
            "customer B (weight 2) gets its share: 2 agendas of other customers and 2 older "
            "agendas of B are ahead (WeightedFair)");
  EXPECT_EQ(policy.Explain("A4")->position, 7u);
  EXPECT_THAT(IdsOf(policy.PopBatch(8)),
              ElementsAre("A1", "B1", "B2", "A2", "B3", "B4", "A3", "A4"));
}

TEST(WeightedFairPolicyTest, WeightsOutsideTheSupportedRangeAreClamped) {
  WeightedFairPolicy policy;
  ASSERT_TRUE(policy.SetCustomerWeight("huge", 1e9).ok());
  ASSERT_TRUE(policy.SetCustomerWeight("big", kMaxCustomerWeight).ok());
  uint64_t sequence = 0;
  AddMany(policy, "huge", 100, 0, &sequence);
  AddMany(policy, "big", 100, 0, &sequence);

  const std::map<std::string, int> counts = CountByCustomer(policy.PopBatch(100));

  EXPECT_NEAR(counts.at("huge"), 50, 1);
  EXPECT_NEAR(counts.at("big"), 50, 1);
}

TEST(WeightedFairPolicyTest, InvalidWeightLeavesTheWeightUnchanged) {
  WeightedFairPolicy policy;
  ASSERT_TRUE(policy.SetCustomerWeight("A", 3.0).ok());
  EXPECT_EQ(policy.SetCustomerWeight("A", -2.0).code(), ErrorCode::kInvalidArgument);
  uint64_t sequence = 0;
  AddMany(policy, "A", 100, 0, &sequence);
  AddMany(policy, "B", 100, 0, &sequence);

  const std::map<std::string, int> counts = CountByCustomer(policy.PopBatch(40));

  EXPECT_NEAR(counts.at("A"), 30, 1);
}

// Rebasing the virtual time must not change any decision: the same operations with a tiny
// rebase threshold pop exactly the same sequence.
TEST(WeightedFairPolicyTest, RebasingVirtualTimeChangesNoDecision) {
  WeightedFairPolicy plain;
  WeightedFairPolicy rebasing;
  rebasing.SetRebaseThresholdForTest(uint64_t{1} << 22);
  std::mt19937 rng(3);
  for (SchedulingPolicy* policy :
       {static_cast<SchedulingPolicy*>(&plain), static_cast<SchedulingPolicy*>(&rebasing)}) {
    ASSERT_TRUE(policy->SetCustomerWeight("c0", 0.25).ok());
    ASSERT_TRUE(policy->SetCustomerWeight("c1", 3.0).ok());
  }
  for (int step = 0; step < 3000; ++step) {
    if (rng() % 3 != 0) {
      const Candidate candidate =
          MakeCandidate("a" + std::to_string(step), "c" + std::to_string(rng() % 4), step);
      plain.Add(candidate);
      rebasing.Add(candidate);
    } else {
      const size_t count = rng() % 4;
      ASSERT_EQ(plain.PopBatch(count), rebasing.PopBatch(count)) << "step " << step;
    }
  }
  EXPECT_EQ(plain.PopBatch(100000), rebasing.PopBatch(100000));
}

}  // namespace
}  // namespace pop::sched
