// Property tests over randomised, seeded workloads: every policy against its slow reference
// model (reference_policies.h), and the invariants every policy must keep.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/sched/scheduling_policy.h"
#include "unit/core/sched/reference_policies.h"

namespace pop::sched {
namespace {

using testing::ReferencePolicy;
using testing::ReferenceRoundRobin;
using testing::ReferenceWeightedFair;
using testing::SortedReference;

// Random arrivals: a skewed customer mix (c0 is a heavy submitter), ready times that mostly
// grow but sometimes lie in the past (a pool rebuilt from storage), priorities -1..2.
class Workload {
 public:
  explicit Workload(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }

  Candidate NewCandidate(size_t customers) {
    return Make("a" + std::to_string(next_id_++), customers);
  }

  Candidate Make(std::string agenda_id, size_t customers) {
    now_ += static_cast<int64_t>(Below(3));
    const int64_t added = Below(8) == 0 ? now_ - static_cast<int64_t>(Below(40)) : now_;
    const size_t customer = Below(3) == 0 ? 0 : Below(customers);
    return Candidate{std::move(agenda_id), "c" + std::to_string(customer),
                     Timestamp::FromMillis(added), static_cast<int64_t>(Below(4)) - 1,
                     next_sequence_++};
  }

  std::vector<std::string> RandomCustomerList(size_t customers) {
    std::vector<std::string> list;
    for (size_t i = 0; i < customers; ++i) {
      if (Below(4) != 0) list.push_back("c" + std::to_string(i));
    }
    std::shuffle(list.begin(), list.end(), rng_);
    return list;
  }

 private:
  std::mt19937 rng_;
  int64_t now_ = 1000;
  uint64_t next_id_ = 0;
  uint64_t next_sequence_ = 0;
};

std::unique_ptr<ReferencePolicy> MakeReference(SchedulingAlgorithm algorithm,
                                               const RoundRobinState& state) {
  switch (algorithm) {
    case SchedulingAlgorithm::kFirstInFirstOut:
      return std::make_unique<SortedReference>(false);
    case SchedulingAlgorithm::kPriority:
      return std::make_unique<SortedReference>(true);
    case SchedulingAlgorithm::kRoundRobin:
      return std::make_unique<ReferenceRoundRobin>(state);
    case SchedulingAlgorithm::kWeightedFair:
      return std::make_unique<ReferenceWeightedFair>();
  }
  return nullptr;
}

// The policy under test and its reference, driven in lockstep.
class Harness {
 public:
  Harness(SchedulingAlgorithm algorithm, uint32_t seed)
      : algorithm_(algorithm),
        workload_(seed),
        policy_(MakePolicy(algorithm)),
        reference_(MakeReference(algorithm, {})) {}

  Workload& workload() { return workload_; }
  SchedulingPolicy& policy() { return *policy_; }
  ReferencePolicy& reference() { return *reference_; }
  const std::vector<std::string>& waiting_ids() const { return waiting_; }

  void Add(const Candidate& candidate) {
    policy_->Add(candidate);
    reference_->Add(candidate);
    if (std::find(waiting_.begin(), waiting_.end(), candidate.agenda_id) == waiting_.end()) {
      waiting_.push_back(candidate.agenda_id);
    }
    all_added_.insert(candidate.agenda_id);
    latest_[candidate.agenda_id] = candidate;
  }

  void Remove(const std::string& agenda_id) {
    const bool known = std::find(waiting_.begin(), waiting_.end(), agenda_id) != waiting_.end();
    ASSERT_EQ(policy_->Remove(agenda_id), known) << agenda_id;
    ASSERT_EQ(reference_->Remove(agenda_id), known) << agenda_id;
    Forget(agenda_id);
  }

  void SetPoolCustomers(const std::vector<std::string>& customers) {
    pool_ = customers;
    policy_->SetPoolCustomers(customers);
    reference_->SetPoolCustomers(customers);
  }

  void SetCustomerWeight(const std::string& customer, double weight) {
    ASSERT_TRUE(policy_->SetCustomerWeight(customer, weight).ok());
    reference_->SetCustomerWeight(customer, weight);
    weights_.emplace_back(customer, weight);
  }

  // Pops from both; they must agree exactly, and nothing may come out twice or unannounced.
  void PopBatch(size_t count) {
    const std::vector<Candidate> popped = policy_->PopBatch(count);
    ASSERT_EQ(popped, reference_->PopBatch(count));
    ASSERT_LE(popped.size(), count);
    for (const Candidate& candidate : popped) {
      ASSERT_TRUE(popped_.insert(candidate.agenda_id).second) << "popped twice";
      ASSERT_EQ(candidate, latest_.at(candidate.agenda_id)) << "not the latest Add";
      Forget(candidate.agenda_id);
    }
  }

  // A server restart: a new policy from the persisted state and the stored weights and pool
  // list, with the waiting candidates re-added in arrival order.
  void Restart() {
    const RoundRobinState state = policy_->state();
    policy_ = MakePolicy(algorithm_, state);
    reference_ = MakeReference(algorithm_, state);
    for (const auto& [customer, weight] : weights_) {
      ASSERT_TRUE(policy_->SetCustomerWeight(customer, weight).ok());
      reference_->SetCustomerWeight(customer, weight);
    }
    policy_->SetPoolCustomers(pool_);
    reference_->SetPoolCustomers(pool_);
    std::vector<Candidate> waiting;
    for (const std::string& id : waiting_) waiting.push_back(latest_.at(id));
    std::sort(waiting.begin(), waiting.end(),
              [](const Candidate& a, const Candidate& b) { return a.sequence < b.sequence; });
    for (const Candidate& candidate : waiting) {
      policy_->Add(candidate);
      reference_->Add(candidate);
    }
  }

  size_t added_count() const { return all_added_.size(); }

 private:
  void Forget(const std::string& agenda_id) {
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), agenda_id), waiting_.end());
  }

  SchedulingAlgorithm algorithm_;
  Workload workload_;
  std::unique_ptr<SchedulingPolicy> policy_;
  std::unique_ptr<ReferencePolicy> reference_;
  std::vector<std::string> waiting_;
  std::set<std::string> all_added_;
  std::set<std::string> popped_;
  std::map<std::string, Candidate> latest_;
  std::vector<std::string> pool_;
  std::vector<std::pair<std::string, double>> weights_;
};

class SchedulingPolicyPropertyTest : public ::testing::TestWithParam<SchedulingAlgorithm> {};

// Random interleavings of Add (new and replacing), Remove (known and unknown), PopBatch (sizes
// 0-8), pool list and weight changes and restarts: the policy pops exactly what its reference
// pops, in the same order (FIFO order exactly; Priority without inversion; §12.4 RoundRobin;
// stride WeightedFair), and nothing is lost or duplicated.
TEST_P(SchedulingPolicyPropertyTest, MatchesReferenceModelUnderRandomInterleavings) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Harness h(GetParam(), seed);
    Workload& w = h.workload();
    const size_t customers = 2 + w.Below(9);
    for (int step = 0; step < 2500; ++step) {
      const size_t op = w.Below(100);
      if (op < 45) {
        h.Add(w.NewCandidate(customers));
      } else if (op < 50 && !h.waiting_ids().empty()) {
        h.Add(w.Make(h.waiting_ids()[w.Below(h.waiting_ids().size())], customers));
      } else if (op < 57 && !h.waiting_ids().empty()) {
        ASSERT_NO_FATAL_FAILURE(h.Remove(h.waiting_ids()[w.Below(h.waiting_ids().size())]));
      } else if (op < 58) {
        ASSERT_NO_FATAL_FAILURE(h.Remove("never-added"));
      } else if (op < 60) {
        h.SetPoolCustomers(w.RandomCustomerList(customers));
      } else if (op < 62) {
        ASSERT_NO_FATAL_FAILURE(h.SetCustomerWeight("c" + std::to_string(w.Below(customers)),
                                                    0.25 * static_cast<double>(1 + w.Below(16))));
      } else if (op < 63) {
        ASSERT_NO_FATAL_FAILURE(h.Restart());
      } else {
        ASSERT_NO_FATAL_FAILURE(h.PopBatch(w.Below(9)));
      }
      ASSERT_EQ(h.policy().size(), h.waiting_ids().size()) << "step " << step;
      ASSERT_EQ(h.reference().size(), h.waiting_ids().size()) << "step " << step;
    }
    // No starvation: once arrivals stop, every PopBatch(k >= 1) makes progress until empty.
    while (h.policy().size() > 0) {
      const size_t before = h.policy().size();
      ASSERT_NO_FATAL_FAILURE(h.PopBatch(1 + w.Below(8)));
      ASSERT_LT(h.policy().size(), before);
    }
    EXPECT_TRUE(h.waiting_ids().empty());
  }
}

// Explain's position is the index at which the candidate is actually popped: exactly for FIFO
// and Priority (any batch sizes) and RoundRobin (the rest popped in one run); for WeightedFair
// within the number of customers (ties beyond each customer's next Agenda are estimated).
TEST_P(SchedulingPolicyPropertyTest, ExplainPositionAgreesWithActualPopOrder) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Harness h(GetParam(), seed + 100);
    Workload& w = h.workload();
    const size_t customers = 2 + w.Below(6);
    if (seed % 2 == 0) h.SetPoolCustomers(w.RandomCustomerList(customers));
    for (size_t c = 0; c < customers; ++c) {
      ASSERT_NO_FATAL_FAILURE(h.SetCustomerWeight("c" + std::to_string(c), 0.5 * (1 + w.Below(4))));
    }
    for (int step = 0; step < 400; ++step) {
      if (w.Below(4) == 0) {
        ASSERT_NO_FATAL_FAILURE(h.PopBatch(w.Below(4)));
      } else {
        h.Add(w.NewCandidate(customers));
      }
    }
    std::map<std::string, size_t> explained;
    for (const std::string& id : h.waiting_ids()) {
      const std::optional<WaitReason> why = h.policy().Explain(id);
      ASSERT_TRUE(why.has_value()) << id;
      EXPECT_FALSE(why->reason.empty());
      explained[id] = why->position;
    }
    const bool one_run = GetParam() == SchedulingAlgorithm::kRoundRobin ||
                         GetParam() == SchedulingAlgorithm::kWeightedFair;
    std::vector<Candidate> order;
    while (h.policy().size() > 0) {
      const std::vector<Candidate> batch =
          h.policy().PopBatch(one_run ? h.policy().size() : 1 + w.Below(5));
      order.insert(order.end(), batch.begin(), batch.end());
    }
    ASSERT_EQ(order.size(), explained.size());
    const size_t tolerance = GetParam() == SchedulingAlgorithm::kWeightedFair ? customers : 0;
    for (size_t i = 0; i < order.size(); ++i) {
      const size_t position = explained.at(order[i].agenda_id);
      EXPECT_LE(position, i + tolerance) << order[i].agenda_id;
      EXPECT_GE(position + tolerance, i) << order[i].agenda_id;
    }
  }
}

std::string AlgorithmName(const ::testing::TestParamInfo<SchedulingAlgorithm>& info) {
  return SchedulingAlgorithmName(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, SchedulingPolicyPropertyTest,
                         ::testing::Values(SchedulingAlgorithm::kFirstInFirstOut,
                                           SchedulingAlgorithm::kPriority,
                                           SchedulingAlgorithm::kRoundRobin,
                                           SchedulingAlgorithm::kWeightedFair),
                         AlgorithmName);

// Priority, stated directly: a popped candidate never has a lower priority than any candidate
// still waiting when it was popped, and within a priority the order is FIFO.
TEST(PriorityPolicyPropertyTest, NeverPopsBelowTheHighestWaitingPriority) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Workload w(seed + 200);
    auto policy = MakePriorityPolicy();
    SortedReference waiting(true);
    for (int step = 0; step < 3000; ++step) {
      if (w.Below(3) != 0) {
        const Candidate candidate = w.NewCandidate(5);
        policy->Add(candidate);
        waiting.Add(candidate);
        continue;
      }
      for (const Candidate& popped : policy->PopBatch(w.Below(6))) {
        const std::optional<int64_t> top = waiting.TopPriority();
        ASSERT_TRUE(top.has_value());
        ASSERT_EQ(popped.priority, *top) << "priority inversion at step " << step;
        ASSERT_EQ(waiting.Rank(popped.agenda_id), 0u) << "not FIFO within its priority";
        waiting.Remove(popped.agenda_id);
      }
    }
  }
}

// FIFO and Priority: Explain agrees with the reference rank at every point of a random run.
TEST(OrderedPolicyPropertyTest, ExplainMatchesReferenceRankThroughoutARandomRun) {
  for (bool by_priority : {false, true}) {
    Workload w(by_priority ? 301 : 300);
    auto policy = by_priority ? MakePriorityPolicy() : MakeFifoPolicy();
    SortedReference reference(by_priority);
    std::vector<std::string> ids;
    for (int step = 0; step < 3000; ++step) {
      if (w.Below(3) != 0) {
        const Candidate candidate = w.NewCandidate(4);
        policy->Add(candidate);
        reference.Add(candidate);
        ids.push_back(candidate.agenda_id);
      } else {
        const size_t count = w.Below(4);
        ASSERT_EQ(policy->PopBatch(count), reference.PopBatch(count));
      }
      if (step % 10 != 0) continue;
      for (int probe = 0; probe < 5 && !ids.empty(); ++probe) {
        const std::string& id = ids[w.Below(ids.size())];
        const std::optional<WaitReason> why = policy->Explain(id);
        if (!why) continue;  // already popped
        ASSERT_EQ(why->position, reference.Rank(id)) << id << " at step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace pop::sched
