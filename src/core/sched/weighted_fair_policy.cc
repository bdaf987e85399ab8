#include "core/sched/weighted_fair_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "core/sched/wait_text.h"

namespace pop::sched {
namespace {

std::string WeightText(double weight) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), weight);
  return std::string(buffer, result.ptr);
}

// Agendas of a customer with `waiting` Agendas, next start tag `pass` and `stride`, that are
// popped before a start tag `start`; `wins_ties` when this customer goes first on equal tags.
size_t AgendasBefore(size_t waiting, uint64_t pass, uint64_t stride, uint64_t start,
                     bool wins_ties) {
  if (start < pass) return 0;
  const uint64_t distance = start - pass;
  uint64_t before = distance / stride;
  if (distance % stride != 0 || wins_ties) ++before;
  return static_cast<size_t>(std::min<uint64_t>(before, waiting));
}

}  // namespace

CustomerIndex WeightedFairPolicy::Customer(std::string_view customer_id) {
  const CustomerIndex index = store_.InternCustomer(customer_id);
  while (customers_.size() <= index) customers_.emplace_back(&store_);
  return index;
}

void WeightedFairPolicy::SetValidCustomerWeight(std::string_view customer_id, double weight) {
  CustomerQueue& queue = customers_[Customer(customer_id)];
  queue.weight = weight;
  queue.stride = static_cast<uint64_t>(std::llround(static_cast<double>(kStrideUnit) / weight));
}

WeightedFairPolicy::BacklogKey WeightedFairPolicy::KeyOf(CustomerIndex customer) const {
  const CustomerQueue& queue = customers_[customer];
  return {queue.pass, queue.stamp, customer};
}

// A customer (re)entering the backlog starts no earlier than the virtual time: what it did not
// use while idle is lost, and what it used ahead of time is still owed.
void WeightedFairPolicy::EnterBacklog(CustomerIndex customer) {
  CustomerQueue& queue = customers_[customer];
  queue.pass = std::max(queue.pass, virtual_time_);
  queue.stamp = next_stamp_++;
  backlog_.insert(KeyOf(customer));
}

void WeightedFairPolicy::Add(Candidate candidate) {
  Remove(candidate.agenda_id);
  const CustomerIndex customer = Customer(candidate.customer_id);
  CustomerQueue& queue = customers_[customer];
  const bool was_idle = queue.agendas.empty();
  queue.agendas.Insert(store_.Insert(std::move(candidate)));
  if (was_idle) EnterBacklog(customer);
}

bool WeightedFairPolicy::Remove(std::string_view agenda_id) {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return false;
  const CustomerIndex customer = store_.at(id).customer;
  CustomerQueue& queue = customers_[customer];
  queue.agendas.Erase(id);
  if (queue.agendas.empty()) backlog_.erase(KeyOf(customer));
  store_.Release(id);
  return true;
}

std::vector<Candidate> WeightedFairPolicy::PopBatch(size_t count) {
  std::vector<Candidate> popped;
  popped.reserve(std::min(count, store_.size()));
  while (popped.size() < count && !backlog_.empty()) {
    const CustomerIndex customer = std::get<2>(*backlog_.begin());
    backlog_.erase(backlog_.begin());
    CustomerQueue& queue = customers_[customer];
    popped.push_back(store_.Release(queue.agendas.PopFirst()));
    virtual_time_ = queue.pass;
    queue.pass += queue.stride;
    if (!queue.agendas.empty()) {
      queue.stamp = next_stamp_++;
      backlog_.insert(KeyOf(customer));
    }
  }
  RebaseIfNeeded();
  return popped;
}

// Subtracting V from every pass keeps every comparison (backlogged passes are ≥ V; idle passes
// below V only ever matter through max(pass, V)), and keeps passes far from overflow: they stay
// below threshold + max stride.
void WeightedFairPolicy::RebaseIfNeeded() {
  if (virtual_time_ < rebase_threshold_) return;
  for (CustomerQueue& queue : customers_) {
    queue.pass = std::max(queue.pass, virtual_time_) - virtual_time_;
  }
  virtual_time_ = 0;
  std::set<BacklogKey> rebased;
  for (const BacklogKey& key : backlog_) rebased.insert(KeyOf(std::get<2>(key)));
  backlog_ = std::move(rebased);
}

std::optional<WaitReason> WeightedFairPolicy::Explain(std::string_view agenda_id) const {
  const SlotId id = store_.Find(agenda_id);
  if (id == kNoSlot) return std::nullopt;
  const CustomerIndex target = store_.at(id).customer;
  const CustomerQueue& own = customers_[target];
  const size_t own_ahead = own.agendas.Rank(id);
  const uint64_t start = own.pass + own_ahead * own.stride;
  size_t others_ahead = 0;
  for (const BacklogKey& key : backlog_) {
    const CustomerIndex customer = std::get<2>(key);
    if (customer == target) continue;
    const CustomerQueue& queue = customers_[customer];
    others_ahead += AgendasBefore(queue.agendas.size(), queue.pass, queue.stride, start,
                                  queue.stamp < own.stamp);
  }
  const std::string& name = store_.CustomerName(target);
  const size_t position = own_ahead + others_ahead;
  std::string reason;
  if (position == 0) {
    reason = "next to be queued";
  } else {
    reason = "customer " + name + " (weight " + WeightText(own.weight) + ") gets its share: ";
    if (others_ahead > 0) {
      reason += CountOf(others_ahead, "agenda", "agendas") + " of other customers";
    }
    if (others_ahead > 0 && own_ahead > 0) reason += " and ";
    if (own_ahead > 0) {
      reason += CountOf(own_ahead, "older agenda", "older agendas") + " of " + name;
    }
    reason += " " + std::string(position == 1 ? "is" : "are") + " ahead";
  }
  return WaitReason{position, reason + " (WeightedFair)"};
}

}  // namespace pop::sched
