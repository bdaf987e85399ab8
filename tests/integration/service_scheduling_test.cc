// The scheduling algorithms end to end over real HTTP (spec §12; Priority and WeightedFair are
// additions, docs/compat.md): the order in which getAgenda hands agendas out.
#include <gtest/gtest.h>

#include <map>

#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

class SchedulingServiceTest : public ServiceTest {
 protected:
  std::string SubmitWithPriority(const std::string& customer, int priority) {
    return StringAt(
        SubmitFor(customer, R"("params":{"priority":)" + std::to_string(priority) + "},"), "id");
  }

  // Claims one agenda at a time, `n` times; the customer of each.
  std::vector<std::string> ClaimCustomers(int n) {
    std::vector<std::string> customers;
    for (int i = 0; i < n; ++i) {
      auto agendas = ArrayIn(GetAgenda(owner_, 1));
      if (agendas.empty()) break;
      customers.push_back(StringAt(agendas[0], "customerId"));
    }
    return customers;
  }
};

TEST_F(SchedulingServiceTest, PriorityHandsOutHigherPriorityFirst) {
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"Priority","queueSize":0})");
  const std::string p1 = SubmitWithPriority("acme", 1);
  const std::string p5 = SubmitWithPriority("globex", 5);
  const std::string p3 = SubmitWithPriority("acme", 3);
  const std::string p0 = StringAt(SubmitFor("acme"), "id");  // no priority: 0
  const std::string p5b = SubmitWithPriority("acme", 5);
  AdminPut("/insight/insight-1", R"({"queueSize":10})");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 10)), (std::vector<std::string>{p5, p5b, p3, p1, p0}));
}

TEST_F(SchedulingServiceTest, PriorityLetsALaterUrgentAgendaOvertakeWaitingOnes) {
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"Priority","queueSize":1})");
  const std::string queued = SubmitWithPriority("acme", 1);  // enters the queue at once
  const std::string low = SubmitWithPriority("acme", 2);
  const std::string urgent = SubmitWithPriority("acme", 9);
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{queued});
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{urgent});
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_)), std::vector<std::string>{low});
}

TEST_F(SchedulingServiceTest, RoundRobinAlternatesCustomers) {
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"RoundRobin","queueSize":0})");
  std::vector<std::string> acme;
  std::vector<std::string> globex;
  for (int i = 0; i < 3; ++i) acme.push_back(StringAt(SubmitFor("acme"), "id"));
  for (int i = 0; i < 3; ++i) globex.push_back(StringAt(SubmitFor("globex"), "id"));
  AdminPut("/insight/insight-1", R"({"queueSize":1})");
  std::vector<std::string> got;
  for (int i = 0; i < 6; ++i) {
    auto ids = AgendaIdsIn(GetAgenda(owner_));
    ASSERT_EQ(ids.size(), 1u) << "claim " << i;
    got.push_back(ids[0]);
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{acme[0], globex[0], acme[1], globex[1], acme[2], globex[2]}));
}

TEST_F(SchedulingServiceTest, RoundRobinFillsAQueueInTurns) {
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"RoundRobin","queueSize":0})");
  for (int i = 0; i < 3; ++i) SubmitFor("acme");
  for (int i = 0; i < 3; ++i) SubmitFor("globex");
  AdminPut("/insight/insight-1", R"({"queueSize":6})");
  std::vector<std::string> customers;
  for (const Json& agenda : ArrayIn(GetAgenda(owner_, 6))) {
    customers.push_back(StringAt(agenda, "customerId"));
  }
  EXPECT_EQ(customers,
            (std::vector<std::string>{"acme", "globex", "acme", "globex", "acme", "globex"}));
}

TEST_F(SchedulingServiceTest, WeightedFairSharesClaimsByCustomerWeight) {
  AdminPut("/customer/acme", R"({"weight":3.0})");
  AdminPut("/customer/globex", R"({"weight":1.0})");
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"WeightedFair","queueSize":0})");
  for (int i = 0; i < 60; ++i) {
    SubmitFor("acme");
    SubmitFor("globex");
  }
  AdminPut("/insight/insight-1", R"({"queueSize":1})");
  std::map<std::string, int> share;
  for (const std::string& customer : ClaimCustomers(60)) ++share[customer];
  EXPECT_EQ(share["acme"] + share["globex"], 60);
  // 3:1 → 45 of 60 for acme; loosely.
  EXPECT_GE(share["acme"], 40) << share["acme"] << " for acme, " << share["globex"]
                               << " for globex";
  EXPECT_LE(share["acme"], 50) << share["acme"] << " for acme, " << share["globex"]
                               << " for globex";
}

TEST_F(SchedulingServiceTest, EqualWeightsShareEqually) {
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"WeightedFair","queueSize":0})");
  for (int i = 0; i < 30; ++i) SubmitFor("acme");
  for (int i = 0; i < 30; ++i) SubmitFor("globex");
  AdminPut("/insight/insight-1", R"({"queueSize":1})");
  std::map<std::string, int> share;
  for (const std::string& customer : ClaimCustomers(20)) ++share[customer];
  EXPECT_GE(share["acme"], 8);
  EXPECT_GE(share["globex"], 8);
}

TEST_F(SchedulingServiceTest, CustomerWeightOutsideTheRangeIs422) {
  const std::string before = server_.Snapshot();
  for (const char* weight : {"0.0005", "0", "-1", "1000.5", "1e9"}) {
    SCOPED_TRACE(weight);
    auto post = server_.Call("POST", "/customer",
                             std::string(R"({"id":"heavy","customerId":"heavy","title":"H",)") +
                                 R"("resourcePoolId":"rp-1","weight":)" + weight + "}",
                             admin_);
    EXPECT_EQ(post.status, 422);
    EXPECT_EQ(ErrorTitle(post), "ValidationException");
    EXPECT_EQ(post.ErrorDescription(),
              "Issues detected: The weight field must be between 0.001 and 1000.");
    auto put =
        server_.Call("PUT", "/customer/acme", std::string(R"({"weight":)") + weight + "}", admin_);
    EXPECT_EQ(put.status, 422);
    EXPECT_EQ(put.ErrorDescription(),
              "Issues detected: The weight field must be between 0.001 and 1000.");
  }
  EXPECT_EQ(server_.Snapshot(), before);
  for (const char* weight : {"0.001", "1000"}) {
    EXPECT_EQ(
        server_.Call("PUT", "/customer/acme", std::string(R"({"weight":)") + weight + "}", admin_)
            .status,
        200)
        << weight;
  }
}

TEST_F(SchedulingServiceTest, ChangingTheAlgorithmKeepsEveryWaitingAgenda) {
  AdminPut("/insight/insight-1", R"({"queueSize":0})");
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(SubmitWithPriority(i % 2 == 0 ? "acme" : "globex", i));
  AdminPut("/insight/insight-1", R"({"schedulingAlgorithm":"Priority","queueSize":10})");
  EXPECT_EQ(AgendaIdsIn(GetAgenda(owner_, 10)),
            (std::vector<std::string>{ids[3], ids[2], ids[1], ids[0]}));
}

}  // namespace
}  // namespace pop::testing
