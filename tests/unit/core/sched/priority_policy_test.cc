#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sched/scheduling_policy.h"
#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using ::testing::ElementsAre;
using testing::IdsOf;
using testing::MakeCandidate;

TEST(PriorityPolicyTest, PopsHigherPriorityFirst) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("low", "acme", 10, 0));
  policy->Add(MakeCandidate("high", "acme", 30, 5));
  policy->Add(MakeCandidate("middle", "acme", 20, 1));

  EXPECT_THAT(IdsOf(policy->PopBatch(3)), ElementsAre("high", "middle", "low"));
}

TEST(PriorityPolicyTest, IsFifoWithinAPriority) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("newer", "acme", 20, 1));
  policy->Add(MakeCandidate("older", "zeta", 10, 1));
  policy->Add(MakeCandidate("same-time-later", "acme", 10, 1, 99));

  EXPECT_THAT(IdsOf(policy->PopBatch(3)), ElementsAre("older", "same-time-later", "newer"));
}

TEST(PriorityPolicyTest, NegativePrioritiesRunAfterTheDefault) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("background", "acme", 10, -3));
  policy->Add(MakeCandidate("default", "acme", 20));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("default", "background"));
}

TEST(PriorityPolicyTest, LateHighPriorityArrivalOvertakesWaitingOnes) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("a", "acme", 10));
  policy->Add(MakeCandidate("b", "acme", 20));
  EXPECT_THAT(IdsOf(policy->PopBatch(1)), ElementsAre("a"));

  policy->Add(MakeCandidate("urgent", "zeta", 30, 10));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("urgent", "b"));
}

TEST(PriorityPolicyTest, ReaddingWithANewPriorityMovesTheCandidate) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("a", "acme", 10, 0));
  policy->Add(MakeCandidate("b", "acme", 20, 0));

  policy->Add(MakeCandidate("b", "acme", 20, 4));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("b", "a"));
}

TEST(PriorityPolicyTest, ExplainSeparatesHigherPriorityFromOlderSamePriority) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("h1", "acme", 50, 3));
  policy->Add(MakeCandidate("h2", "acme", 60, 2));
  policy->Add(MakeCandidate("s1", "acme", 10, 1));
  policy->Add(MakeCandidate("me", "acme", 20, 1));
  policy->Add(MakeCandidate("low", "acme", 5, 0));

  EXPECT_EQ(policy->Explain("me")->position, 3u);
  EXPECT_EQ(policy->Explain("me")->reason,
            "priority 1; 2 agendas with higher priority and 1 older agenda of the same priority "
            "are ahead (Priority)");
  EXPECT_EQ(policy->Explain("s1")->reason,
            "priority 1; 2 agendas with higher priority are ahead (Priority)");
  EXPECT_EQ(policy->Explain("h2")->reason,
            "priority 2; 1 agenda with higher priority is ahead (Priority)");
  EXPECT_EQ(policy->Explain("h1")->reason, "priority 3; next to be queued (Priority)");
  EXPECT_EQ(policy->Explain("low")->position, 4u);
}

TEST(PriorityPolicyTest, ExplainWithOnlyOlderSamePriorityAhead) {
  auto policy = MakePriorityPolicy();
  policy->Add(MakeCandidate("a", "acme", 10, 2));
  policy->Add(MakeCandidate("b", "acme", 20, 2));

  EXPECT_EQ(policy->Explain("b")->reason,
            "priority 2; 1 older agenda of the same priority is ahead (Priority)");
}

}  // namespace
}  // namespace pop::sched
