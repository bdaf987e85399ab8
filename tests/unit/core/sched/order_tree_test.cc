#include "core/sched/order_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>

#include "unit/core/sched/policy_test_support.h"

namespace pop::sched {
namespace {

using testing::MakeCandidate;

TEST(SchedOrderTreeTest, KeepsFifoOrderAndRanks) {
  CandidateStore store;
  OrderTree<FifoOrder> tree(&store);
  const SlotId late = store.Insert(MakeCandidate("late", "c", 30));
  const SlotId early = store.Insert(MakeCandidate("early", "c", 10));
  const SlotId middle = store.Insert(MakeCandidate("middle", "c", 20));

  tree.Insert(late);
  tree.Insert(early);
  tree.Insert(middle);

  EXPECT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.First(), early);
  EXPECT_EQ(tree.Rank(early), 0u);
  EXPECT_EQ(tree.Rank(middle), 1u);
  EXPECT_EQ(tree.Rank(late), 2u);
  EXPECT_EQ(tree.CountPrefix([](const Slot& s) { return s.added.millis() < 25; }), 2u);
}

TEST(SchedOrderTreeTest, OrdersEqualKeysBySlot) {
  CandidateStore store;
  OrderTree<FifoOrder> tree(&store);
  const SlotId first = store.Insert(MakeCandidate("a", "c", 5, 0, 1));
  const SlotId second = store.Insert(MakeCandidate("b", "c", 5, 0, 1));

  tree.Insert(second);
  tree.Insert(first);

  EXPECT_EQ(tree.PopFirst(), first);
  EXPECT_EQ(tree.PopFirst(), second);
  EXPECT_EQ(tree.PopFirst(), kNoSlot);
}

// Random inserts, erases and pops against std::set, checking order, rank and counts.
TEST(SchedOrderTreeTest, AgreesWithASortedSetUnderRandomOperations) {
  using Key = std::tuple<int64_t, int64_t, uint64_t, SlotId>;  // -priority, added, seq, slot
  std::mt19937 rng(11);
  CandidateStore store;
  OrderTree<PriorityOrder> tree(&store);
  std::set<Key> reference;
  std::map<SlotId, Key> key_of;
  uint64_t sequence = 0;
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 6 || reference.empty()) {
      const auto priority = static_cast<int64_t>(rng() % 4);
      const auto added = static_cast<int64_t>(rng() % 1000);
      const SlotId id = store.Insert(MakeCandidate("a" + std::to_string(step), "c", added, priority,
                                                   static_cast<int64_t>(sequence)));
      tree.Insert(id);
      key_of[id] = {-priority, added, sequence++, id};
      reference.insert(key_of[id]);
    } else if (op < 8) {
      auto it = std::next(key_of.begin(), static_cast<long>(rng() % key_of.size()));
      const auto [id, key] = *it;
      ASSERT_EQ(tree.Rank(id),
                static_cast<size_t>(std::distance(reference.begin(), reference.find(key))));
      tree.Erase(id);
      store.Release(id);
      reference.erase(key);
      key_of.erase(it);
    } else {
      const SlotId id = tree.PopFirst();
      ASSERT_EQ(id, std::get<3>(*reference.begin()));
      store.Release(id);
      reference.erase(reference.begin());
      key_of.erase(id);
    }
    ASSERT_EQ(tree.size(), reference.size());
    if (step % 50 != 0) continue;
    const auto higher = std::count_if(reference.begin(), reference.end(),
                                      [](const Key& k) { return std::get<0>(k) < -1; });
    ASSERT_EQ(tree.CountPrefix([](const Slot& s) { return s.priority > 1; }),
              static_cast<size_t>(higher));
  }
}

}  // namespace
}  // namespace pop::sched
