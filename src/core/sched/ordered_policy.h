// The FirstInFirstOut (spec §12.3) and Priority algorithms: both are one total order over the
// insight's candidates, kept in one OrderTree, so every operation is O(log n) and Explain
// positions are exact. Priority never inverts: a candidate is popped only when no waiting
// candidate has a higher priority. See docs/design/fair-queue.md. Thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/sched/candidate_store.h"
#include "core/sched/order_tree.h"
#include "core/sched/scheduling_policy.h"

namespace pop::sched {

// Add/Remove/PopBatch over one OrderTree<Order>; subclasses name the algorithm and explain.
// Instantiated for FifoOrder and PriorityOrder only.
template <typename Order>
class OrderedPolicy : public SchedulingPolicy {
 public:
  OrderedPolicy() : tree_(&store_) {}

  void Add(Candidate candidate) override;
  bool Remove(std::string_view agenda_id) override;
  std::vector<Candidate> PopBatch(size_t count) override;
  size_t size() const override { return store_.size(); }
  std::optional<Timestamp> OldestAdded() const override { return store_.OldestAdded(); }

 protected:
  CandidateStore store_;
  OrderTree<Order> tree_;
};

// Oldest `added` first, ties by `sequence`.
class FifoPolicy final : public OrderedPolicy<FifoOrder> {
 public:
  SchedulingAlgorithm algorithm() const override { return SchedulingAlgorithm::kFirstInFirstOut; }
  std::optional<WaitReason> Explain(std::string_view agenda_id) const override;
};

// Highest `priority` first, FIFO within a priority.
class PriorityPolicy final : public OrderedPolicy<PriorityOrder> {
 public:
  SchedulingAlgorithm algorithm() const override { return SchedulingAlgorithm::kPriority; }
  std::optional<WaitReason> Explain(std::string_view agenda_id) const override;
};

}  // namespace pop::sched
