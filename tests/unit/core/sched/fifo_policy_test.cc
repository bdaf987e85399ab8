#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/sched/scheduling_policy.h"
#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using ::testing::ElementsAre;
using testing::IdsOf;
using testing::MakeCandidate;

TEST(FifoPolicyTest, PopsOldestReadyTimeFirst) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("c", "acme", 30));
  policy->Add(MakeCandidate("a", "zeta", 10));
  policy->Add(MakeCandidate("b", "acme", 20));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("a", "b"));
  EXPECT_THAT(IdsOf(policy->PopBatch(5)), ElementsAre("c"));
  EXPECT_EQ(policy->size(), 0u);
}

TEST(FifoPolicyTest, BreaksReadyTimeTiesBySequence) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("second", "acme", 10, 0, 2));
  policy->Add(MakeCandidate("first", "acme", 10, 0, 1));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("first", "second"));
}

TEST(FifoPolicyTest, IgnoresPriority) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("old-low", "acme", 10, 0));
  policy->Add(MakeCandidate("new-high", "acme", 20, 9));

  EXPECT_THAT(IdsOf(policy->PopBatch(2)), ElementsAre("old-low", "new-high"));
}

TEST(FifoPolicyTest, RemoveTakesACandidateOutAndReportsUnknownIds) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("a", "acme", 10));
  policy->Add(MakeCandidate("b", "acme", 20));

  EXPECT_TRUE(policy->Remove("a"));
  EXPECT_FALSE(policy->Remove("a"));
  EXPECT_FALSE(policy->Remove("unknown"));
  EXPECT_THAT(IdsOf(policy->PopBatch(5)), ElementsAre("b"));
}

TEST(FifoPolicyTest, AddingAWaitingIdReplacesIt) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("a", "acme", 10));
  policy->Add(MakeCandidate("b", "acme", 20));

  policy->Add(MakeCandidate("a", "other", 30));  // a rerun made it ready again, later

  EXPECT_EQ(policy->size(), 2u);
  const std::vector<Candidate> popped = policy->PopBatch(5);
  EXPECT_THAT(IdsOf(popped), ElementsAre("b", "a"));
  EXPECT_EQ(popped[1].customer_id, "other");
}

TEST(FifoPolicyTest, ReturnsCandidatesUnchanged) {
  auto policy = MakeFifoPolicy();
  const Candidate candidate = MakeCandidate("a", "acme", 10, 3, 42);
  policy->Add(candidate);

  EXPECT_THAT(policy->PopBatch(1), ElementsAre(candidate));
}

TEST(FifoPolicyTest, PopBatchOfZeroPopsNothing) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("a", "acme", 10));

  EXPECT_TRUE(policy->PopBatch(0).empty());
  EXPECT_EQ(policy->size(), 1u);
}

TEST(FifoPolicyTest, ExplainCountsOlderAgendas) {
  auto policy = MakeFifoPolicy();
  policy->Add(MakeCandidate("a", "acme", 10));
  policy->Add(MakeCandidate("b", "acme", 20));
  policy->Add(MakeCandidate("c", "acme", 30));

  EXPECT_EQ(policy->Explain("a")->position, 0u);
  EXPECT_EQ(policy->Explain("a")->reason, "next to be queued (FirstInFirstOut)");
  EXPECT_EQ(policy->Explain("b")->reason, "1 older agenda is ahead (FirstInFirstOut)");
  EXPECT_EQ(policy->Explain("c")->position, 2u);
  EXPECT_EQ(policy->Explain("c")->reason, "2 older agendas are ahead (FirstInFirstOut)");
  EXPECT_EQ(policy->Explain("zzz"), std::nullopt);
}

TEST(FifoPolicyTest, HasNoStateAndIgnoresCustomerContext) {
  auto policy = MakeFifoPolicy();
  policy->SetPoolCustomers({"x", "y"});

  EXPECT_TRUE(policy->SetCustomerWeight("x", 2.0).ok());
  EXPECT_EQ(policy->state(), RoundRobinState{});
  EXPECT_EQ(policy->algorithm(), SchedulingAlgorithm::kFirstInFirstOut);
}

}  // namespace
}  // namespace pop::sched
