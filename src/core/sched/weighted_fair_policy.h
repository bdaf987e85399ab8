// WeightedFairPolicy: customers share the insight's queue in proportion to their weights, by
// start-time fair queuing over customers (stride scheduling with a global virtual time).
// Each backlogged customer carries a virtual "pass" (the start tag of its next Agenda); a pop
// serves the smallest (pass, stamp), sets the virtual time V to that pass, and advances the
// customer's pass by its stride 2^20 / weight. A customer that becomes backlogged resumes at
// max(its pass, V): idling earns no credit, and a new or long-idle customer is served before
// any other customer gets a second turn. Candidates of one customer leave in FIFO order.
// Invariants and bounds: docs/design/fair-queue.md, "WeightedFair". Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/sched/candidate_store.h"
#include "core/sched/order_tree.h"
#include "core/sched/scheduling_policy.h"

namespace pop::sched {

class WeightedFairPolicy final : public SchedulingPolicy {
 public:
  WeightedFairPolicy() = default;

  SchedulingAlgorithm algorithm() const override { return SchedulingAlgorithm::kWeightedFair; }
  void Add(Candidate candidate) override;
  bool Remove(std::string_view agenda_id) override;
  // O(count · (log n + log customers)).
  std::vector<Candidate> PopBatch(size_t count) override;
  size_t size() const override { return store_.size(); }
  std::optional<Timestamp> OldestAdded() const override { return store_.OldestAdded(); }
  // The position in the pop order if nothing else arrives; exact except that ties between
  // equal virtual start tags beyond each customer's next Agenda are estimated. O(customers).
  std::optional<WaitReason> Explain(std::string_view agenda_id) const override;

  // Lowers the virtual time at which passes are rebased to 0 (normally 2^62), so a test can
  // reach a rebase in a few pops.
  void SetRebaseThresholdForTest(uint64_t threshold) { rebase_threshold_ = threshold; }

 private:
  // Virtual time per pop at weight 1.
  static constexpr uint64_t kStrideUnit = uint64_t{1} << 20;

  struct CustomerQueue {
    explicit CustomerQueue(CandidateStore* store) : agendas(store) {}
    OrderTree<FifoOrder> agendas;
    double weight = 1.0;
    uint64_t stride = kStrideUnit;
    uint64_t pass = 0;   // virtual start tag of the customer's next Agenda
    uint64_t stamp = 0;  // tie-break among equal passes: order of (re)entering the backlog
  };
  // Backlogged customers by (pass, stamp): the next one to serve first.
  using BacklogKey = std::tuple<uint64_t, uint64_t, CustomerIndex>;

  void SetValidCustomerWeight(std::string_view customer_id, double weight) override;
  CustomerIndex Customer(std::string_view customer_id);
  void EnterBacklog(CustomerIndex customer);
  BacklogKey KeyOf(CustomerIndex customer) const;
  void RebaseIfNeeded();

  CandidateStore store_;
  std::vector<CustomerQueue> customers_;  // by CustomerIndex
  std::set<BacklogKey> backlog_;
  uint64_t virtual_time_ = 0;
  uint64_t next_stamp_ = 0;
  uint64_t rebase_threshold_ = uint64_t{1} << 62;
};

}  // namespace pop::sched
