// RoundRobinPolicy: fairness by customer exactly as spec §12.4, one PopBatch call being one
// scheduler run: pass 1 gives one Agenda to each customer of the carried-over pending list,
// pass 2 goes round the pool's customers one Agenda each, and the customers not served become
// the next pending list. Candidates are kept per customer in FIFO order.
//
// Departures from the original (docs/design/fair-queue.md, "RoundRobin"):
//  * Customers that have waiting Agendas but are not in the pool's customer list are still
//    served: they follow the pool customers in the order this policy first saw them (the
//    original never looked at them, so they starved).
//  * After pass 2 the new pending list leaves out every customer served in this run, in pass 1
//    or pass 2, as the spec's worked examples show.
// Thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sched/candidate_store.h"
#include "core/sched/order_tree.h"
#include "core/sched/scheduling_policy.h"

namespace pop::sched {

class RoundRobinPolicy final : public SchedulingPolicy {
 public:
  explicit RoundRobinPolicy(const RoundRobinState& initial);

  SchedulingAlgorithm algorithm() const override { return SchedulingAlgorithm::kRoundRobin; }
  void Add(Candidate candidate) override;
  bool Remove(std::string_view agenda_id) override;
  // One §12.4 run with requested = `count`. O(customers + count · log n).
  std::vector<Candidate> PopBatch(size_t count) override;
  size_t size() const override { return store_.size(); }
  std::optional<Timestamp> OldestAdded() const override { return store_.OldestAdded(); }
  // The position in the order one PopBatch(size()) would pop everything; a later run with a
  // smaller batch restarts from the pending list, so for those it is a close estimate.
  // O(customers + log n).
  std::optional<WaitReason> Explain(std::string_view agenda_id) const override;

  // Duplicates after the first occurrence are ignored.
  void SetPoolCustomers(const std::vector<std::string>& customer_ids) override;
  // The pending list to persist (InsightScheduleInfo.pendingCustomerIds).
  RoundRobinState state() const override;
  // Replaces the pending list.
  void RestoreState(const RoundRobinState& state) override;

 private:
  struct CustomerQueue {
    explicit CustomerQueue(CandidateStore* store) : agendas(store) {}
    OrderTree<FifoOrder> agendas;
    bool in_pool = false;
  };
  // The list §12.4 calls "all pool customers": pool customers in storage order, then customers
  // outside the pool that have candidates, in first-seen order.
  std::vector<CustomerIndex> FullList() const;
  CustomerIndex Customer(std::string_view customer_id);
  Candidate PopOldest(CustomerIndex customer);
  size_t Waiting(CustomerIndex customer) const { return customers_[customer].agendas.size(); }

  CandidateStore store_;
  std::vector<CustomerQueue> customers_;  // by CustomerIndex
  std::vector<CustomerIndex> pool_;
  std::vector<CustomerIndex> pending_;
};

}  // namespace pop::sched
