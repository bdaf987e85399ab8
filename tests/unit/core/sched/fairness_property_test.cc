// Fairness properties over randomised, seeded saturated workloads: WeightedFair shares within
// ±5% of the weight shares, bounded first-service waits for newly backlogged customers under
// WeightedFair and RoundRobin, whatever the other customers' backlogs.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/sched/scheduling_policy.h"

namespace pop::sched {
namespace {

// Keeps a fixed set of customers backlogged: each starts with `depth` candidates and gets one
// new candidate for each one popped, so no customer ever runs dry.
class SaturatedPool {
 public:
  SaturatedPool(SchedulingPolicy* policy, std::vector<std::string> customers, size_t depth)
      : policy_(policy), customers_(std::move(customers)) {
    for (const std::string& customer : customers_) {
      for (size_t i = 0; i < depth; ++i) AddFor(customer);
    }
  }

  void AddFor(const std::string& customer) {
    policy_->Add(Candidate{customer + "-" + std::to_string(next_id_), customer,
                           Timestamp::FromMillis(static_cast<int64_t>(next_id_)), 0, next_id_});
    ++next_id_;
  }

  // Pops `count`, refills, and returns what was popped.
  std::vector<Candidate> PopAndRefill(size_t count) {
    std::vector<Candidate> popped = policy_->PopBatch(count);
    for (const Candidate& candidate : popped) {
      if (candidate.agenda_id.rfind("probe", 0) != 0) AddFor(candidate.customer_id);
    }
    return popped;
  }

 private:
  SchedulingPolicy* policy_;
  std::vector<std::string> customers_;
  uint64_t next_id_ = 0;
};

std::vector<std::string> CustomerNames(size_t count, const std::string& prefix) {
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

TEST(WeightedFairPropertyTest, SharesStayWithinFivePercentOfWeightSharesUnderSaturation) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const size_t customer_count = 2 + rng() % 11;
    const std::vector<std::string> customers = CustomerNames(customer_count, "c");
    auto policy = MakeWeightedFairPolicy();
    std::map<std::string, double> weights;
    double total_weight = 0;
    for (const std::string& customer : customers) {
      const double weight = std::pow(10.0, static_cast<double>(rng() % 2001) / 1000.0 - 1.0);
      ASSERT_TRUE(policy->SetCustomerWeight(customer, weight).ok());
      weights[customer] = weight;
      total_weight += weight;
    }
    SaturatedPool pool(policy.get(), customers, 20);
    std::map<std::string, size_t> counts;
    size_t total = 0;
    while (total < 40000) {
      for (const Candidate& candidate : pool.PopAndRefill(1 + rng() % 16)) {
        ++counts[candidate.customer_id];
        ++total;
      }
    }
    for (const std::string& customer : customers) {
      const double expected = weights[customer] / total_weight;
      const double actual = static_cast<double>(counts[customer]) / static_cast<double>(total);
      EXPECT_NEAR(actual, expected, 0.05 * expected) << customer << " weight " << weights[customer];
    }
  }
}

// A brand-new customer starts at the virtual time, so it waits at most one pop per other
// backlogged customer (those tied with it at the virtual time), however deep their backlogs.
TEST(WeightedFairPropertyTest, NewCustomerIsServedWithinOnePopPerBackloggedCustomer) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed + 50);
    const size_t customer_count = 1 + rng() % 20;
    const std::vector<std::string> customers = CustomerNames(customer_count, "c");
    auto policy = MakeWeightedFairPolicy();
    for (const std::string& customer : customers) {
      const double weight = std::pow(10.0, static_cast<double>(rng() % 3001) / 1000.0 - 1.5);
      ASSERT_TRUE(policy->SetCustomerWeight(customer, weight).ok());
    }
    SaturatedPool pool(policy.get(), customers, 100 + rng() % 5000);
    for (int probe = 0; probe < 30; ++probe) {
      pool.PopAndRefill(rng() % 200);
      const std::string newcomer = "new" + std::to_string(probe);
      ASSERT_TRUE(policy->SetCustomerWeight(newcomer, 0.001 + (rng() % 100) / 10.0).ok());
      policy->Add(Candidate{"probe" + std::to_string(probe), newcomer, Timestamp::FromMillis(0), 0,
                            1'000'000'000U + static_cast<uint64_t>(probe)});
      size_t waited = 0;
      bool served = false;
      for (const Candidate& candidate : pool.PopAndRefill(customer_count + 1)) {
        if (candidate.customer_id == newcomer) {
          served = true;
          break;
        }
        ++waited;
      }
      ASSERT_TRUE(served) << "probe " << probe << " not served within one PopBatch";
      EXPECT_LE(waited, customer_count);
    }
  }
}

// A customer back from a short idle keeps (but does not improve) its place: it waits at most
// ⌈w_d / w_c⌉ + 1 pops of each other backlogged customer d.
TEST(WeightedFairPropertyTest, ReturningCustomerWaitIsBoundedByWeightRatios) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed + 80);
    const std::vector<std::string> customers = CustomerNames(2 + rng() % 8, "c");
    auto policy = MakeWeightedFairPolicy();
    std::map<std::string, double> weights;
    for (const std::string& customer : customers) {
      weights[customer] = 0.25 * static_cast<double>(1 + rng() % 16);
      ASSERT_TRUE(policy->SetCustomerWeight(customer, weights[customer]).ok());
    }
    const double returning_weight = 0.25 * static_cast<double>(1 + rng() % 16);
    ASSERT_TRUE(policy->SetCustomerWeight("back", returning_weight).ok());
    double bound = 0;
    for (const std::string& customer : customers) {
      bound += std::ceil(weights[customer] / returning_weight) + 1;
    }
    SaturatedPool pool(policy.get(), customers, 50);
    for (int probe = 0; probe < 40; ++probe) {
      policy->Add(Candidate{"probe" + std::to_string(probe), "back", Timestamp::FromMillis(0), 0,
                            1'000'000'000U + static_cast<uint64_t>(probe)});
      size_t waited = 0;
      while (true) {
        const std::vector<Candidate> popped = pool.PopAndRefill(1);
        ASSERT_EQ(popped.size(), 1u);
        if (popped[0].customer_id == "back") break;
        ++waited;
      }
      EXPECT_LE(static_cast<double>(waited), bound) << "probe " << probe;
      pool.PopAndRefill(rng() % 3);  // a short idle: the others move on a little
    }
  }
}

// RoundRobin: a pool customer that becomes backlogged is served within two passes over the
// customer list (the rest of the pending list, then one turn of the full list).
TEST(RoundRobinPolicyPropertyTest, NewlyBackloggedCustomerIsServedWithinTwoRoundsOfCustomers) {
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed + 90);
    const size_t customer_count = 2 + rng() % 15;
    std::vector<std::string> customers = CustomerNames(customer_count, "c");
    auto policy = MakeRoundRobinPolicy();
    std::vector<std::string> pool_list = customers;
    pool_list.push_back("late");
    policy->SetPoolCustomers(pool_list);
    SaturatedPool pool(policy.get(), customers, 100 + rng() % 3000);
    for (int probe = 0; probe < 30; ++probe) {
      pool.PopAndRefill(rng() % 50);
      policy->Add(Candidate{"probe" + std::to_string(probe), "late", Timestamp::FromMillis(0), 0,
                            1'000'000'000U + static_cast<uint64_t>(probe)});
      size_t waited = 0;
      bool served = false;
      while (!served && waited <= 2 * (customer_count + 1)) {
        for (const Candidate& candidate : pool.PopAndRefill(1 + rng() % 4)) {
          if (candidate.customer_id == "late") served = true;
          if (!served) ++waited;
        }
      }
      ASSERT_TRUE(served) << "probe " << probe;
      EXPECT_LE(waited, 2 * (customer_count + 1)) << "probe " << probe;
    }
  }
}

}  // namespace
}  // namespace pop::sched
