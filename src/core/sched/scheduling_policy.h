// SchedulingPolicy: the in-memory order in which one Insight's ready Agendas enter its queue
// (spec §12), one implementation per scheduling algorithm. The scheduler keeps one policy per
// Insight, feeds it ready Agendas and asks it for the next batch; every operation is incremental
// (O(log n) or O(log customers)), never a re-sort of the pool.
// Algorithms, invariants, complexity and memory: docs/design/fair-queue.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"
#include "core/model/insight.h"

namespace pop::sched {

// One ready Agenda as the scheduler sees it.
struct Candidate {
  std::string agenda_id;
  std::string customer_id;
  Timestamp added;        // ready time (submission or rerun); FIFO order
  int64_t priority = 0;   // params.priority; higher runs first (Priority only)
  uint64_t sequence = 0;  // strictly increasing arrival order, the final tie-break

  bool operator==(const Candidate&) const = default;
};

// Why an Agenda is still waiting (GET /pop/agenda/{id}/why).
struct WaitReason {
  // 0-based rank among the insight's waiting candidates in the order the policy would pick them
  // next. Exact for FirstInFirstOut and Priority; for RoundRobin and WeightedFair see the policy.
  size_t position = 0;
  std::string reason;  // one human sentence ending with the algorithm name in parentheses
};

// RoundRobin's carry-over between scheduler runs (InsightScheduleInfo.pendingCustomerIds, §12.4):
// customers still owed a turn, in order. Empty means "start again from the full customer list".
struct RoundRobinState {
  std::vector<std::string> pending_customer_ids;

  bool operator==(const RoundRobinState&) const = default;
};

// Weights are clamped into this range, so that virtual-time strides stay integers with a
// rounding error below 0.05% (a ratio of a million between two customers is already "never").
inline constexpr double kMinCustomerWeight = 0.001;
inline constexpr double kMaxCustomerWeight = 1000.0;

// One Insight's waiting Agendas and the order they leave in. Thread-compatible.
//
// Agenda ids are unique: adding an id that is already waiting REPLACES the waiting candidate
// (its customer, ready time, priority and sequence become the new ones), as when a rerun makes an
// Agenda ready again. Customer ids are interned once per policy; a policy remembers every customer
// it has seen (customers are few) for as long as it lives.
class SchedulingPolicy {
 public:
  SchedulingPolicy() = default;
  SchedulingPolicy(const SchedulingPolicy&) = delete;
  SchedulingPolicy& operator=(const SchedulingPolicy&) = delete;
  virtual ~SchedulingPolicy() = default;

  virtual SchedulingAlgorithm algorithm() const = 0;

  // Starts waiting, or replaces the waiting candidate with the same agenda id. O(log n).
  virtual void Add(Candidate candidate) = 0;
  // Stops waiting (deleted or cancelled). False if the id is not waiting. O(log n).
  virtual bool Remove(std::string_view agenda_id) = 0;
  // Removes and returns up to `count` candidates in the order they enter the queue. One call is
  // one scheduler run for the insight (RoundRobin's passes are per call). O(count · log n), plus
  // O(customers) for RoundRobin.
  virtual std::vector<Candidate> PopBatch(size_t count) = 0;
  // Number of waiting candidates.
  virtual size_t size() const = 0;
  // The earliest `added` among the waiting candidates; nullopt when none waits. O(n): for
  // metrics read at scrape time, not for scheduling.
  virtual std::optional<Timestamp> OldestAdded() const = 0;
  // Where a waiting Agenda stands and why; nullopt if it is not waiting.
  virtual std::optional<WaitReason> Explain(std::string_view agenda_id) const = 0;

  // Context the caller keeps current for every insight, whatever its algorithm; a policy that
  // does not use a piece of context ignores it.
  //
  // The ids of the Customers of the insight's resource pool, in storage order (RoundRobin's
  // "all pool customers").
  virtual void SetPoolCustomers(const std::vector<std::string>& customer_ids);
  // The customer's share weight for WeightedFair (default 1.0), clamped into
  // [kMinCustomerWeight, kMaxCustomerWeight]. Errors: kInvalidArgument when `weight` is not a
  // finite number > 0 (nothing changes then).
  Status SetCustomerWeight(std::string_view customer_id, double weight);
  // State to persist after each PopBatch and pass back to MakePolicy at start; empty for every
  // algorithm but RoundRobin.
  virtual RoundRobinState state() const;
  // Continues from `state` as if it had been passed to MakePolicy (another scheduler sharing the
  // store saved it after its own runs); the waiting candidates stay. Ignored by every algorithm
  // but RoundRobin. O(|state|).
  virtual void RestoreState(const RoundRobinState& state);

 private:
  virtual void SetValidCustomerWeight(std::string_view customer_id, double weight);
};

// Oldest `added` first, ties by `sequence`.
std::unique_ptr<SchedulingPolicy> MakeFifoPolicy();
// Highest `priority` first, FIFO within a priority; never a priority inversion.
std::unique_ptr<SchedulingPolicy> MakePriorityPolicy();
// Spec §12.4 per PopBatch call, resuming from `initial` (see round_robin_policy.h).
std::unique_ptr<SchedulingPolicy> MakeRoundRobinPolicy(const RoundRobinState& initial = {});
// Customers share pops in proportion to their weights (see weighted_fair_policy.h).
std::unique_ptr<SchedulingPolicy> MakeWeightedFairPolicy();
// The policy for `algorithm`; `initial` is used by RoundRobin only.
std::unique_ptr<SchedulingPolicy> MakePolicy(SchedulingAlgorithm algorithm,
                                             const RoundRobinState& initial = {});

}  // namespace pop::sched
