#include "core/sched/candidate_store.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using testing::MakeCandidate;

TEST(SchedCandidateStoreTest, FindsInsertedCandidateAndReleasesIt) {
  CandidateStore store;

  const SlotId id = store.Insert(MakeCandidate("agenda-1", "acme", 5, 2, 7));

  EXPECT_EQ(store.Find("agenda-1"), id);
  EXPECT_EQ(store.Find("agenda-2"), kNoSlot);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Release(id), MakeCandidate("agenda-1", "acme", 5, 2, 7));
  EXPECT_EQ(store.Find("agenda-1"), kNoSlot);
  EXPECT_EQ(store.size(), 0u);
}

TEST(SchedCandidateStoreTest, InternsCustomersInFirstSeenOrder) {
  CandidateStore store;

  store.Insert(MakeCandidate("a1", "beta", 1));
  store.Insert(MakeCandidate("a2", "alpha", 2));
  store.Insert(MakeCandidate("a3", "beta", 3));

  EXPECT_EQ(store.customer_count(), 2u);
  EXPECT_EQ(store.FindCustomer("beta"), 0u);
  EXPECT_EQ(store.FindCustomer("alpha"), 1u);
  EXPECT_EQ(store.FindCustomer("gamma"), std::nullopt);
  EXPECT_EQ(store.CustomerName(1), "alpha");
}

// The open-addressing index against std::map under heavy churn, across growth and the reset
// that follows a full drain.
TEST(SchedCandidateStoreTest, IndexAgreesWithAMapUnderChurn) {
  std::mt19937 rng(7);
  CandidateStore store;
  std::map<std::string, SlotId> reference;
  for (int step = 0; step < 60000; ++step) {
    const std::string id = "agenda-" + std::to_string(rng() % 5000);
    const bool drain = step % 20000 == 19999;
    if (drain) {
      for (const auto& [agenda_id, slot] : reference) store.Release(slot);
      reference.clear();
    } else if (reference.count(id) != 0) {
      ASSERT_EQ(store.Find(id), reference[id]);
      EXPECT_EQ(store.Release(reference[id]).agenda_id, id);
      reference.erase(id);
    } else {
      ASSERT_EQ(store.Find(id), kNoSlot);
      reference[id] = store.Insert(MakeCandidate(id, "c" + std::to_string(step % 7), step));
    }
    ASSERT_EQ(store.size(), reference.size());
  }
  for (const auto& [agenda_id, slot] : reference) {
    EXPECT_EQ(store.Find(agenda_id), slot);
    EXPECT_EQ(store.at(slot).agenda_id, agenda_id);
  }
}

}  // namespace
}  // namespace pop::sched
