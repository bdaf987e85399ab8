// Obviously-correct, slow models of the scheduling policies for the property tests: plain
// containers and linear scans, written from the contracts in scheduling_policy.h and
// docs/design/fair-queue.md rather than from the incremental implementations.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/sched/scheduling_policy.h"

namespace pop::sched::testing {

class ReferencePolicy {
 public:
  virtual ~ReferencePolicy() = default;
  virtual void Add(const Candidate& candidate) = 0;
  virtual bool Remove(const std::string& agenda_id) = 0;
  virtual std::vector<Candidate> PopBatch(size_t count) = 0;
  virtual size_t size() const = 0;
  virtual void SetPoolCustomers(const std::vector<std::string>& /*customer_ids*/) {}
  virtual void SetCustomerWeight(const std::string& /*customer_id*/, double /*weight*/) {}
  virtual RoundRobinState state() const { return {}; }
};

// FIFO and Priority: a std::set ordered by the documented key.
class SortedReference final : public ReferencePolicy {
 public:
  explicit SortedReference(bool by_priority) : by_priority_(by_priority) {}

  void Add(const Candidate& candidate) override {
    Remove(candidate.agenda_id);
    keys_[candidate.agenda_id] = KeyOf(candidate);
    order_.emplace(KeyOf(candidate), candidate);
  }
  bool Remove(const std::string& agenda_id) override {
    auto it = keys_.find(agenda_id);
    if (it == keys_.end()) return false;
    order_.erase(it->second);
    keys_.erase(it);
    return true;
  }
  std::vector<Candidate> PopBatch(size_t count) override {
    std::vector<Candidate> popped;
    while (popped.size() < count && !order_.empty()) {
      popped.push_back(order_.begin()->second);
      keys_.erase(popped.back().agenda_id);
      order_.erase(order_.begin());
    }
    return popped;
  }
  size_t size() const override { return order_.size(); }
  // Rank of a waiting id in pop order.
  size_t Rank(const std::string& agenda_id) const {
    return static_cast<size_t>(std::distance(order_.begin(), order_.find(keys_.at(agenda_id))));
  }
  // The highest priority waiting, if any.
  std::optional<int64_t> TopPriority() const {
    if (order_.empty()) return std::nullopt;
    int64_t top = order_.begin()->second.priority;
    for (const auto& [key, candidate] : order_) top = std::max(top, candidate.priority);
    return top;
  }

 private:
  using Key = std::tuple<int64_t, int64_t, uint64_t, std::string>;
  Key KeyOf(const Candidate& c) const {
    return {by_priority_ ? -c.priority : 0, c.added.millis(), c.sequence, c.agenda_id};
  }
  bool by_priority_;
  std::map<Key, Candidate> order_;
  std::map<std::string, Key> keys_;
};

// Customer bookkeeping shared by the per-customer models: FIFO lists and first-seen order.
class PerCustomerWaiting {
 public:
  void See(const std::string& customer) {
    if (std::find(seen_.begin(), seen_.end(), customer) == seen_.end()) seen_.push_back(customer);
  }
  void Add(const Candidate& candidate) {
    Remove(candidate.agenda_id);
    See(candidate.customer_id);
    lists_[candidate.customer_id].push_back(candidate);
  }
  bool Remove(const std::string& agenda_id) {
    for (auto& [customer, list] : lists_) {
      auto it = std::find_if(list.begin(), list.end(),
                             [&](const Candidate& c) { return c.agenda_id == agenda_id; });
      if (it != list.end()) {
        list.erase(it);
        return true;
      }
    }
    return false;
  }
  std::optional<Candidate> TakeOldest(const std::string& customer) {
    auto& list = lists_[customer];
    if (list.empty()) return std::nullopt;
    auto it =
        std::min_element(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
          const int64_t a_added = a.added.millis();
          const int64_t b_added = b.added.millis();
          return std::tie(a_added, a.sequence) < std::tie(b_added, b.sequence);
        });
    Candidate oldest = *it;
    list.erase(it);
    return oldest;
  }
  size_t Waiting(const std::string& customer) const {
    auto it = lists_.find(customer);
    return it == lists_.end() ? 0 : it->second.size();
  }
  size_t size() const {
    size_t total = 0;
    for (const auto& [customer, list] : lists_) total += list.size();
    return total;
  }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::map<std::string, std::vector<Candidate>> lists_;
  std::vector<std::string> seen_;
};

// Spec §12.4 written out literally, plus the two documented departures: customers outside the
// pool list follow it in first-seen order, and pending after pass 2 drops everyone served.
class ReferenceRoundRobin final : public ReferencePolicy {
 public:
  explicit ReferenceRoundRobin(const RoundRobinState& initial)
      : pending_(initial.pending_customer_ids) {
    for (const std::string& customer : pending_) waiting_.See(customer);
  }
  void Add(const Candidate& candidate) override { waiting_.Add(candidate); }
  bool Remove(const std::string& agenda_id) override { return waiting_.Remove(agenda_id); }
  size_t size() const override { return waiting_.size(); }
  void SetPoolCustomers(const std::vector<std::string>& customer_ids) override {
    pool_.clear();
    for (const std::string& customer : customer_ids) {
      waiting_.See(customer);
      if (std::find(pool_.begin(), pool_.end(), customer) == pool_.end()) pool_.push_back(customer);
    }
  }
  RoundRobinState state() const override { return RoundRobinState{pending_}; }

  std::vector<Candidate> PopBatch(size_t requested) override {
    std::vector<Candidate> out;
    if (requested == 0) return out;
    const bool full_set = pending_.empty();
    const std::vector<std::string> all = All();
    const std::vector<std::string> p = full_set ? all : pending_;
    if (p.empty()) return out;
    std::set<std::string> served;
    for (const std::string& customer : p) {
      if (out.size() == requested) break;
      if (auto c = waiting_.TakeOldest(customer)) {
        out.push_back(*c);
        served.insert(customer);
      }
    }
    if (out.size() == requested) {
      pending_ = Minus(p, served);
      return out;
    }
    const std::vector<std::string>& a = full_set ? p : all;
    const size_t need = requested - out.size();
    size_t taken = 0;
    while (taken < need) {
      size_t this_round = 0;
      for (const std::string& customer : a) {
        if (taken == need) break;
        if (auto c = waiting_.TakeOldest(customer)) {
          out.push_back(*c);
          served.insert(customer);
          ++taken;
          ++this_round;
        }
      }
      if (this_round == 0) break;
    }
    pending_ = Minus(a, served);
    return out;
  }

 private:
  std::vector<std::string> All() const {
    std::vector<std::string> all = pool_;
    for (const std::string& customer : waiting_.seen()) {
      const bool in_pool = std::find(pool_.begin(), pool_.end(), customer) != pool_.end();
      if (!in_pool && waiting_.Waiting(customer) > 0) all.push_back(customer);
    }
    return all;
  }
  static std::vector<std::string> Minus(const std::vector<std::string>& list,
                                        const std::set<std::string>& served) {
    std::vector<std::string> rest;
    for (const std::string& customer : list) {
      if (served.count(customer) == 0) rest.push_back(customer);
    }
    return rest;
  }

  PerCustomerWaiting waiting_;
  std::vector<std::string> pool_;
  std::vector<std::string> pending_;
};

// Start-time fair queuing by linear scan: serve the backlogged customer with the smallest
// (pass, stamp); V = its pass; pass += 2^20 / weight; re-entry at max(pass, V).
class ReferenceWeightedFair final : public ReferencePolicy {
 public:
  void Add(const Candidate& candidate) override {
    Remove(candidate.agenda_id);
    Customer& customer = customers_[candidate.customer_id];
    if (waiting_.Waiting(candidate.customer_id) == 0) {
      customer.pass = std::max(customer.pass, virtual_time_);
      customer.stamp = next_stamp_++;
    }
    waiting_.Add(candidate);
  }
  bool Remove(const std::string& agenda_id) override { return waiting_.Remove(agenda_id); }
  size_t size() const override { return waiting_.size(); }
  void SetCustomerWeight(const std::string& customer_id, double weight) override {
    customers_[customer_id].stride =
        static_cast<uint64_t>(std::llround(static_cast<double>(uint64_t{1} << 20) / weight));
  }

  std::vector<Candidate> PopBatch(size_t count) override {
    std::vector<Candidate> out;
    while (out.size() < count) {
      std::string best;
      for (const auto& [name, customer] : customers_) {
        if (waiting_.Waiting(name) == 0) continue;
        if (best.empty() || std::tie(customer.pass, customer.stamp) <
                                std::tie(customers_[best].pass, customers_[best].stamp)) {
          best = name;
        }
      }
      if (best.empty()) break;
      Customer& customer = customers_[best];
      out.push_back(*waiting_.TakeOldest(best));
      virtual_time_ = customer.pass;
      customer.pass += customer.stride;
      if (waiting_.Waiting(best) > 0) customer.stamp = next_stamp_++;
    }
    return out;
  }

 private:
  struct Customer {
    uint64_t stride = uint64_t{1} << 20;
    uint64_t pass = 0;
    uint64_t stamp = 0;
  };
  PerCustomerWaiting waiting_;
  std::map<std::string, Customer> customers_;
  uint64_t virtual_time_ = 0;
  uint64_t next_stamp_ = 0;
};

}  // namespace pop::sched::testing
