// The store's part of the Resource Pools page (src/ports/store.h: ClaimReady recording when a
// claim was taken, and ListHeldReadyAgendas), run against every Store implementation like
// store_contract_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "contract/opened_store_support.h"
#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "ports/store.h"

namespace pop::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ReadyAgenda Ready(const std::string& id, const std::string& insight_id) {
  ReadyAgenda ready;
  ready.id = id;
  ready.insight_id = insight_id;
  ready.agenda_id = "agenda-" + id;
  ready.customer_id = "acme";
  ready.added = At(1);
  return ready;
}

class StoreHeldReadyContractTest : public OpenedStoreTest {
 protected:
  bool Claim(const std::string& ready_id, const std::string& claimer, Timestamp lease_until,
             Timestamp now) {
    bool won = false;
    Write([&](StoreWriter& w) -> Status {
      POP_ASSIGN_OR_RETURN(won, w.ClaimReady(ready_id, claimer, lease_until, now));
      return Status::Ok();
    });
    return won;
  }

  std::optional<Timestamp> ClaimedAt(const std::string& ready_id) {
    std::optional<Timestamp> claimed_at;
    Status read = store_->Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(auto entries, r.ReadyAgendasOf("agenda-" + ready_id));
      if (entries.size() != 1) return Status(ErrorCode::kInternal, "no single entry");
      claimed_at = entries.front().claimed_at;
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return claimed_at;
  }

  // "id@claimed_at by holder" of each held entry, in the order listed.
  std::vector<std::string> Held(const std::vector<std::string>& insight_ids, Timestamp now) {
    std::vector<ReadyAgenda> held;
    Status read = store_->Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(held, r.ListHeldReadyAgendas(insight_ids, now));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    std::vector<std::string> described;
    for (const ReadyAgenda& entry : held) {
      described.push_back(
          entry.id + "@" + (entry.claimed_at ? std::to_string(entry.claimed_at->millis()) : "-") +
          " by " + entry.claimed_by.value_or("nobody") + (entry.confirmed ? " confirmed" : ""));
    }
    return described;
  }
};

TEST_P(StoreHeldReadyContractTest, AClaimRecordsWhenItWasTakenARenewalKeepsItAReleaseClearsIt) {
  Write([](StoreWriter& w) { return w.AddReadyAgenda(Ready("r1", "I")); });
  EXPECT_EQ(ClaimedAt("r1"), std::nullopt);
  ASSERT_TRUE(Claim("r1", "p", At(1000), At(10)));
  EXPECT_EQ(ClaimedAt("r1"), At(10));
  ASSERT_TRUE(Claim("r1", "p", At(2000), At(500)));  // the holder renews: its first time stays
  EXPECT_EQ(ClaimedAt("r1"), At(10));
  EXPECT_FALSE(Claim("r1", "q", At(3000), At(600)));  // refused: nothing changes
  EXPECT_EQ(ClaimedAt("r1"), At(10));
  Write([](StoreWriter& w) -> Status {
    POP_ASSIGN_OR_RETURN(bool released, w.ReleaseReadyClaim("r1", "p", At(2000)));
    if (!released) return Status(ErrorCode::kInternal, "not released");
    return Status::Ok();
  });
  EXPECT_EQ(ClaimedAt("r1"), std::nullopt);
  ASSERT_TRUE(Claim("r1", "q", At(3000), At(700)));
  EXPECT_EQ(ClaimedAt("r1"), At(700));
  ASSERT_TRUE(Claim("r1", "p", At(9000), At(3000)));  // q's lease ended: p's claim is new
  EXPECT_EQ(ClaimedAt("r1"), At(3000));
  // Set up by hand: no claim time, until its holder claims through ClaimReady.
  Write([](StoreWriter& w) { return w.SetReadyClaim("r1", std::string("x"), At(9000)); });
  EXPECT_EQ(ClaimedAt("r1"), std::nullopt);
  ASSERT_TRUE(Claim("r1", "x", At(9500), At(100)));
  EXPECT_EQ(ClaimedAt("r1"), At(100));
}

TEST_P(StoreHeldReadyContractTest, HeldEntriesOfTheInsightsAskedForOldestClaimFirst) {
  Write([](StoreWriter& w) -> Status {
    for (const auto& [id, insight] : std::vector<std::pair<std::string, std::string>>{
             {"r1", "I"}, {"r2", "I"}, {"r3", "J"}, {"r4", "J"}, {"r5", "K"}}) {
      POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready(id, insight)));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(Claim("r4", "p2", At(1000), At(20)));
  ASSERT_TRUE(Claim("r1", "p1", At(1000), At(30)));
  ASSERT_TRUE(Claim("r3", "p1", At(50), At(5)));  // its lease ends at 50
  ASSERT_TRUE(Claim("r5", "p3", At(1000), At(10)));
  Write([](StoreWriter& w) -> Status {
    POP_ASSIGN_OR_RETURN(bool confirmed, w.ConfirmReadyClaim("r4", "p2", At(40)));
    if (!confirmed) return Status(ErrorCode::kInternal, "not confirmed");
    return Status::Ok();
  });
  // r2 is not claimed, r3's lease ended, r5 is of another insight.
  EXPECT_THAT(Held({"I", "J"}, At(100)), ElementsAre("r4@20 by p2 confirmed", "r1@30 by p1"));
  // Past the leases only the confirmed entry is held: its executor runs it.
  EXPECT_THAT(Held({"I", "J"}, At(5000)), ElementsAre("r4@20 by p2 confirmed"));
  EXPECT_THAT(Held({"K"}, At(100)), ElementsAre("r5@10 by p3"));
  EXPECT_THAT(Held({"nothing"}, At(100)), IsEmpty());
  EXPECT_THAT(Held({}, At(100)), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreHeldReadyContractTest,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
