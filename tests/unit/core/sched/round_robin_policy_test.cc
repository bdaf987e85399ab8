#include "core/sched/round_robin_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using testing::AddMany;
using ::testing::ElementsAre;
using testing::IdsOf;
using ::testing::IsEmpty;
using testing::MakeCandidate;

RoundRobinState Pending(std::vector<std::string> customer_ids) {
  return RoundRobinState{std::move(customer_ids)};
}

// §12.4 example 1, first run: pending [A,B,C], each customer has exactly one ReadyAgenda;
// request 2 schedules A's and B's, and pending becomes [C].
TEST(RoundRobinPolicyTest, SpecExample1FirstRunServesPendingCustomersInOrder) {
  RoundRobinPolicy policy(Pending({"A", "B", "C"}));
  policy.SetPoolCustomers({"A", "B", "C"});
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));
  policy.Add(MakeCandidate("c1", "C", 3));

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("a1", "b1"));
  EXPECT_EQ(policy.state(), Pending({"C"}));
}

// §12.4 example 1: "customer list not queried" in the first run: pass 1 fills the request from
// the pending list alone, so the pool's customer list does not matter.
TEST(RoundRobinPolicyTest, SpecExample1FirstRunDoesNotDependOnThePoolList) {
  RoundRobinPolicy policy(Pending({"A", "B", "C"}));
  policy.SetPoolCustomers({"C", "B", "A"});
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));
  policy.Add(MakeCandidate("c1", "C", 3));

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("a1", "b1"));
  EXPECT_EQ(policy.state(), Pending({"C"}));
}

// §12.4 example 1, next run: request 2, pass 1 over [C] gives C's item (1 < 2), pass 2 over ALL
// pool customers [A,B,C] finds nothing left; result [C's item], pending [A,B] (all minus C).
TEST(RoundRobinPolicyTest, SpecExample1SecondRunFallsBackToAllPoolCustomers) {
  RoundRobinPolicy policy(Pending({"A", "B", "C"}));
  policy.SetPoolCustomers({"A", "B", "C"});
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));
  policy.Add(MakeCandidate("c1", "C", 3));
  ASSERT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("a1", "b1"));

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("c1"));
  EXPECT_EQ(policy.state(), Pending({"A", "B"}));
}

// §12.4 example 2: pending [D] where D has no items; A has 6, B 4, C 9; request 19: pass 1 yields
// nothing, pass 2 over [A,B,C,D] in rounds schedules all 19; pending becomes [D].
TEST(RoundRobinPolicyTest, SpecExample2SchedulesEverythingInRoundsWhenPendingCustomerIsIdle) {
  RoundRobinPolicy policy(Pending({"D"}));
  policy.SetPoolCustomers({"A", "B", "C", "D"});
  uint64_t sequence = 0;
  AddMany(policy, "A", 6, 100, &sequence);
  AddMany(policy, "B", 4, 200, &sequence);
  AddMany(policy, "C", 9, 300, &sequence);

  const std::vector<Candidate> popped = policy.PopBatch(19);

  EXPECT_THAT(IdsOf(popped), ElementsAre("A1", "B1", "C1", "A2", "B2", "C2", "A3", "B3", "C3", "A4",
                                         "B4", "C4", "A5", "C5", "A6", "C6", "C7", "C8", "C9"));
  EXPECT_EQ(policy.state(), Pending({"D"}));
  EXPECT_EQ(policy.size(), 0u);
}

// §12.4 example 3: a request larger than the total schedules every item; the rounds stop when a
// round yields nothing.
TEST(RoundRobinPolicyTest, SpecExample3RequestLargerThanTotalSchedulesEverything) {
  RoundRobinPolicy policy(Pending({}));
  policy.SetPoolCustomers({"A", "B"});
  uint64_t sequence = 0;
  AddMany(policy, "A", 3, 100, &sequence);
  AddMany(policy, "B", 1, 200, &sequence);

  EXPECT_THAT(IdsOf(policy.PopBatch(100)), ElementsAre("A1", "B1", "A2", "A3"));
  EXPECT_EQ(policy.size(), 0u);
  EXPECT_EQ(policy.state(), Pending({}));
}

TEST(RoundRobinPolicyTest, EmptyPendingListStartsFromAllPoolCustomersInStorageOrder) {
  RoundRobinPolicy policy(Pending({}));
  policy.SetPoolCustomers({"B", "A", "C"});
  uint64_t sequence = 0;
  AddMany(policy, "A", 2, 100, &sequence);
  AddMany(policy, "B", 2, 200, &sequence);
  AddMany(policy, "C", 2, 300, &sequence);

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("B1", "A1"));
  EXPECT_EQ(policy.state(), Pending({"C"}));
  // Pass 1 over [C] gives C1, pass 2 over [B,A,C] gives B2; C (pass 1) and B (pass 2) both
  // leave the pending list, as in example 1.
  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("C1", "B2"));
  EXPECT_EQ(policy.state(), Pending({"A"}));
}

TEST(RoundRobinPolicyTest, RequestOfZeroChangesNothing) {
  RoundRobinPolicy policy(Pending({"A"}));
  policy.SetPoolCustomers({"A"});
  policy.Add(MakeCandidate("a1", "A", 1));

  EXPECT_THAT(policy.PopBatch(0), IsEmpty());
  EXPECT_EQ(policy.state(), Pending({"A"}));
}

TEST(RoundRobinPolicyTest, EachCustomerIsFifo) {
  RoundRobinPolicy policy(Pending({}));
  policy.SetPoolCustomers({"A"});
  policy.Add(MakeCandidate("late", "A", 30));
  policy.Add(MakeCandidate("early", "A", 10));

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("early", "late"));
}

// Deviation: the original only ever visits the pool's customers, so a customer missing from
// the list (created in another pool, or the list is stale) would wait forever.
TEST(RoundRobinPolicyTest, ServesCustomersMissingFromThePoolListAfterThePoolCustomers) {
  RoundRobinPolicy policy(Pending({}));
  policy.SetPoolCustomers({"A"});
  policy.Add(MakeCandidate("x1", "X", 1));
  policy.Add(MakeCandidate("a1", "A", 2));
  policy.Add(MakeCandidate("a2", "A", 3));

  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("a1", "x1"));
  EXPECT_THAT(IdsOf(policy.PopBatch(2)), ElementsAre("a2"));
}

TEST(RoundRobinPolicyTest, WorksWithoutAPoolListInFirstSeenOrder) {
  RoundRobinPolicy policy(Pending({}));
  policy.Add(MakeCandidate("b1", "B", 1));
  policy.Add(MakeCandidate("a1", "A", 2));
  policy.Add(MakeCandidate("b2", "B", 3));

  EXPECT_THAT(IdsOf(policy.PopBatch(3)), ElementsAre("b1", "a1", "b2"));
}

TEST(RoundRobinPolicyTest, StateRestoredIntoANewPolicyContinuesTheRotation) {
  RoundRobinPolicy first(Pending({}));
  first.SetPoolCustomers({"A", "B", "C"});
  for (const char* customer : {"A", "B", "C"}) {
    first.Add(MakeCandidate(std::string(customer) + "1", customer, 1));
  }
  ASSERT_THAT(IdsOf(first.PopBatch(1)), ElementsAre("A1"));

  RoundRobinPolicy restarted(first.state());
  restarted.SetPoolCustomers({"A", "B", "C"});
  for (const char* customer : {"A", "B", "C"}) {
    restarted.Add(MakeCandidate(std::string(customer) + "2", customer, 2));
  }

  EXPECT_EQ(restarted.state(), Pending({"B", "C"}));
  EXPECT_THAT(IdsOf(restarted.PopBatch(3)), ElementsAre("B2", "C2", "A2"));
}

// Another scheduler sharing the store saved its pending list: this policy's next run starts from
// it, and the waiting candidates stay.
TEST(RoundRobinPolicyTest, RestoreStateReplacesThePendingListAndKeepsTheCandidates) {
  RoundRobinPolicy policy(Pending({"A"}));
  policy.SetPoolCustomers({"A", "B", "C"});
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));
  policy.Add(MakeCandidate("c1", "C", 3));
  policy.RestoreState(Pending({"C", "B"}));
  EXPECT_EQ(policy.state(), Pending({"C", "B"}));
  EXPECT_EQ(policy.size(), 3u);
  EXPECT_THAT(IdsOf(policy.PopBatch(1)), ElementsAre("c1"));
}

// The other algorithms have no carry-over: restoring one changes nothing.
TEST(RoundRobinPolicyTest, OtherAlgorithmsIgnoreARestoredState) {
  auto fifo = MakeFifoPolicy();
  fifo->Add(MakeCandidate("a1", "A", 1));
  fifo->Add(MakeCandidate("c1", "C", 2));
  fifo->RestoreState(Pending({"C"}));
  EXPECT_EQ(fifo->state(), RoundRobinState{});
  EXPECT_THAT(IdsOf(fifo->PopBatch(1)), ElementsAre("a1"));
}

TEST(RoundRobinPolicyTest, MakeRoundRobinPolicyStartsFromTheGivenState) {
  auto policy = MakeRoundRobinPolicy(Pending({"B"}));
  policy->SetPoolCustomers({"A", "B"});
  policy->Add(MakeCandidate("a1", "A", 1));
  policy->Add(MakeCandidate("b1", "B", 2));

  EXPECT_THAT(IdsOf(policy->PopBatch(1)), ElementsAre("b1"));
  EXPECT_EQ(policy->state(), Pending({}));
}

TEST(RoundRobinPolicyTest, RemovedCandidatesAreNotScheduled) {
  RoundRobinPolicy policy(Pending({}));
  policy.SetPoolCustomers({"A", "B"});
  policy.Add(MakeCandidate("a1", "A", 1));
  policy.Add(MakeCandidate("b1", "B", 2));

  EXPECT_TRUE(policy.Remove("a1"));

  EXPECT_THAT(IdsOf(policy.PopBatch(5)), ElementsAre("b1"));
}

TEST(RoundRobinPolicyTest, ExplainGivesTheUnboundedRunPosition) {
  RoundRobinPolicy policy(Pending({"C"}));
  policy.SetPoolCustomers({"A", "B", "C"});
  uint64_t sequence = 0;
  AddMany(policy, "A", 3, 100, &sequence);
  AddMany(policy, "B", 1, 200, &sequence);
  AddMany(policy, "C", 2, 300, &sequence);

  // Pass 1 over [C]: C1; pass 2 rounds over [A,B,C]: A1 B1 C2, A2, A3.
  EXPECT_EQ(policy.Explain("C1")->position, 0u);
  EXPECT_EQ(policy.Explain("C1")->reason, "next to be queued (RoundRobin)");
  EXPECT_EQ(policy.Explain("A1")->position, 1u);
  EXPECT_EQ(policy.Explain("A1")->reason,
            "waiting for customer A's turn: 1 agenda of other customers is ahead (RoundRobin)");
  EXPECT_EQ(policy.Explain("B1")->position, 2u);
  EXPECT_EQ(policy.Explain("C2")->position, 3u);
  EXPECT_EQ(policy.Explain("C2")->reason,
            "waiting for customer C's turn: 2 agendas of other customers and 1 older agenda of C "
            "are ahead (RoundRobin)");
  EXPECT_EQ(policy.Explain("A2")->position, 4u);
  EXPECT_EQ(policy.Explain("A3")->position, 5u);
  EXPECT_THAT(IdsOf(policy.PopBatch(6)), ElementsAre("C1", "A1", "B1", "C2", "A2", "A3"));
}

TEST(RoundRobinPolicyTest, ExplainWhenOnlyOwnAgendasAreAhead) {
  RoundRobinPolicy policy(Pending({}));
  uint64_t sequence = 0;
  AddMany(policy, "A", 2, 100, &sequence);

  EXPECT_EQ(policy.Explain("A2")->reason, "1 older agenda of customer A is ahead (RoundRobin)");
}

}  // namespace
}  // namespace pop::sched
