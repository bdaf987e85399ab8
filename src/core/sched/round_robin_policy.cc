#include "core/sched/round_robin_policy.h"

#include <algorithm>
#include <utility>

#include "core/sched/wait_text.h"

namespace pop::sched {
namespace {

// `list` without the customers marked in `served`, order kept.
std::vector<CustomerIndex> Without(const std::vector<CustomerIndex>& list,
                                   const std::vector<bool>& served) {
  std::vector<CustomerIndex> rest;
  for (CustomerIndex customer : list) {
    if (!served[customer]) rest.push_back(customer);
  }
  return rest;
}

std::string RoundRobinReason(size_t own_ahead, size_t others_ahead, const std::string& customer) {
  if (own_ahead + others_ahead == 0) return "next to be queued (RoundRobin)";
  if (others_ahead == 0) {
    return CountOf(own_ahead, "older agenda", "older agendas") + " of customer " + customer + " " +
           std::string(IsAre(own_ahead)) + " ahead (RoundRobin)";
  }
  std::string reason = "waiting for customer " + customer +
                       "'s turn: " + CountOf(others_ahead, "agenda", "agendas") +
                       " of other customers";
  if (own_ahead == 0) {
    return reason + " " + std::string(IsAre(others_ahead)) + " ahead (RoundRobin)";
  }
  return reason + " and " + CountOf(own_ahead, "older agenda", "older agendas") + " of " +
         customer + " are ahead (RoundRobin)";
}

}  // namespace

RoundRobinPolicy::RoundRobinPolicy(const RoundRobinState& initial) { RestoreState(initial); }

void RoundRobinPolicy::RestoreState(const RoundRobinState& state) {
  pending_.clear();
  for (const std::string& customer_id : state.pending_customer_ids) {
    pending_.push_back(Customer(customer_id));
  }
}

CustomerIndex RoundRobinPolicy::Customer(std::string_view customer_id) {
  const CustomerIndex index = store_.InternCustomer(customer_id);
  while (customers_.size() <= index) customers_.emplace_back(&store_);
  return index;
}

void RoundRobinPolicy::SetPoolCustomers(const std::vector<std::string>& customer_ids) {
  for (CustomerIndex customer : pool_) customers_[customer].in_pool = false;
  pool_.clear();
  for (const std::string& customer_id : customer_ids) {
    const CustomerIndex customer = Customer(customer_id);
    if (customers_[customer].in_pool) continue;
    customers_[customer].in_pool = true;
    pool_.push_back(customer);
  }
}

RoundRobinState RoundRobinPolicy::state() const {
  RoundRobinState state;
  for (CustomerIndex customer : pending_) {
    state.pending_customer_ids.push_back(store_.CustomerName(customer));
  }
  return state;
}

std::vector<CustomerIndex> RoundRobinPolicy::FullList() const {
  std::vector<CustomerIndex> all = pool_;
  for (CustomerIndex customer = 0; customer < customers_.size(); ++customer) {
    if (!customers_[customer].in_pool && Waiting(customer) > 0) all.push_back(customer);
  }
  return all;
}

void RoundRobinPolicy::Add(Candidate candidate) {
  Remove(candidate.agenda_id);
  const CustomerIndex customer = Customer(candidate.customer_id);
  customers_[customer].agendas.Insert(store_.Insert(std::move(candidate)));
}

bool RoundRobinPolicy::Remove(std::string_view agenda_id) {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return false;
  customers_[store_.at(id).customer].agendas.Erase(id);
  store_.Release(id);
  return true;
}

Candidate RoundRobinPolicy::PopOldest(CustomerIndex customer) {
  return store_.Release(customers_[customer].agendas.PopFirst());
}

// Spec §12.4 steps 1-7 with requested = `count`.
std::vector<Candidate> RoundRobinPolicy::PopBatch(size_t count) {
  std::vector<Candidate> popped;
  if (count == 0) return popped;
  const bool full_set = pending_.empty();
  const std::vector<CustomerIndex> all = FullList();
  const std::vector<CustomerIndex> pending = full_set ? all : pending_;
  if (pending.empty()) return popped;
  std::vector<bool> served(customers_.size(), false);

  for (CustomerIndex customer : pending) {  // pass 1
    if (popped.size() == count) break;
    if (Waiting(customer) == 0) continue;
    popped.push_back(PopOldest(customer));
    served[customer] = true;
  }
  if (popped.size() == count) {
    pending_ = Without(pending, served);
    return popped;
  }

  // Pass 2: rounds over `all` (which is `pending` when it was the full set). Only customers that
  // still wait are visited, so a round costs O(customers served), not O(all customers).
  std::vector<CustomerIndex> round;
  for (CustomerIndex customer : all) {
    if (Waiting(customer) > 0) round.push_back(customer);
  }
  while (popped.size() < count && !round.empty()) {
    size_t kept = 0;
    for (CustomerIndex customer : round) {
      if (popped.size() < count) {
        popped.push_back(PopOldest(customer));
        served[customer] = true;
      }
      if (Waiting(customer) > 0) round[kept++] = customer;
    }
    round.resize(kept);
  }
  pending_ = Without(all, served);
  return popped;
}

// Replays the next run as if it were unbounded: pass 1 over the pending list, then rounds over
// the full list. The target's k-th own agenda (k = its FIFO rank) is taken in pass 1 or in
// round r = k - (taken in pass 1); every customer d contributes min(remaining_d, r) agendas to
// the earlier rounds, plus one in round r if it comes before the target in the list.
std::optional<WaitReason> RoundRobinPolicy::Explain(std::string_view agenda_id) const {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return std::nullopt;
  const CustomerIndex target = store_.at(id).customer;
  const size_t own_ahead = customers_[target].agendas.Rank(id);
  const std::string& name = store_.CustomerName(target);
  const std::vector<CustomerIndex> all = FullList();
  const std::vector<CustomerIndex>& pending = pending_.empty() ? all : pending_;

  std::vector<size_t> taken(customers_.size(), 0);
  size_t position = 0;
  for (CustomerIndex customer : pending) {
    if (taken[customer] == Waiting(customer)) continue;
    if (customer == target && taken[customer] == own_ahead) {
      return WaitReason{position, RoundRobinReason(own_ahead, position - own_ahead, name)};
    }
    ++taken[customer];
    ++position;
  }
  const size_t round = own_ahead - taken[target];
  bool before_target = true;
  for (CustomerIndex customer : all) {
    if (customer == target) before_target = false;
    const size_t remaining = Waiting(customer) - taken[customer];
    position += std::min(remaining, round);
    if (before_target && remaining > round) ++position;
  }
  return WaitReason{position, RoundRobinReason(own_ahead, position - own_ahead, name)};
}

}  // namespace pop::sched
