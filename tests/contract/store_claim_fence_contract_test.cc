// The store's part of a progress report's claim fence (src/ports/store.h: ReadyStateOf, the ready
// entries and the pause of one agenda read together, and DeleteHeldReadyClaim, the fence of a
// report that ends the execution), run against every Store implementation like
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

ReadyAgenda FenceEntry(const std::string& id, const std::string& agenda_id, int64_t added) {
  ReadyAgenda ready;
  ready.id = id;
  ready.insight_id = "I";
  ready.agenda_id = agenda_id;
  ready.customer_id = "acme";
  ready.added = At(added);
  return ready;
}

class StoreClaimFenceContractTest : public OpenedStoreTest {
 protected:
  AgendaReadyState StateOf(const std::string& agenda_id) {
    AgendaReadyState state;
    Status read = store_->Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(state, r.ReadyStateOf(agenda_id));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return state;
  }

  // "id by holder" (and " confirmed") of each entry, in the order read.
  static std::vector<std::string> Described(const std::vector<ReadyAgenda>& entries) {
    std::vector<std::string> described;
    for (const ReadyAgenda& entry : entries) {
      described.push_back(entry.id + " by " + entry.claimed_by.value_or("nobody") +
                          (entry.confirmed ? " confirmed" : ""));
    }
    return described;
  }

  bool DeleteHeld(const std::string& ready_id, const std::string& claimer, Timestamp now) {
    bool deleted = false;
    Write([&](StoreWriter& w) -> Status {
      POP_ASSIGN_OR_RETURN(deleted, w.DeleteHeldReadyClaim(ready_id, claimer, now));
      return Status::Ok();
    });
    return deleted;
  }
};

TEST_P(StoreClaimFenceContractTest, ReadyStateOfReadsTheEntriesOldestFirstAndTheAgendasPause) {
  Write([](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r2", "A", 20)));
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r1", "A", 10)));
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r3", "B", 5)));
    POP_RETURN_IF_ERROR(w.ClaimReady("r1", "p", At(100), At(30)).status());
    POP_RETURN_IF_ERROR(w.ConfirmReadyClaim("r1", "p", At(40)).status());
    // An insight's pause is not the agenda's.
    POP_RETURN_IF_ERROR(w.SetPaused(PauseTarget::kInsight, "A", At(45)).status());
    return w.SetPaused(PauseTarget::kAgenda, "B", At(50)).status();
  });
  AgendaReadyState a = StateOf("A");
  EXPECT_THAT(Described(a.entries), ElementsAre("r1 by p confirmed", "r2 by nobody"));
  EXPECT_EQ(a.entries[0].lease_until, At(100));
  EXPECT_EQ(a.entries[0].agenda_id, "A");
  EXPECT_EQ(a.paused_since, std::nullopt);
  AgendaReadyState b = StateOf("B");
  EXPECT_THAT(Described(b.entries), ElementsAre("r3 by nobody"));
  EXPECT_EQ(b.paused_since, At(50));
  // The same as the two reads it replaces.
  Status read = store_->Read([&](StoreReader& r) -> Status {
    POP_ASSIGN_OR_RETURN(auto entries, r.ReadyAgendasOf("A"));
    EXPECT_THAT(Described(entries), ElementsAre("r1 by p confirmed", "r2 by nobody"));
    POP_ASSIGN_OR_RETURN(auto paused, r.PausedSince(PauseTarget::kAgenda, "B"));
    EXPECT_EQ(paused, At(50));
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreClaimFenceContractTest, ReadyStateOfAnAgendaWithoutEntriesStillReadsItsPause) {
  Write([](StoreWriter& w) { return w.SetPaused(PauseTarget::kAgenda, "C", At(70)).status(); });
  AgendaReadyState c = StateOf("C");
  EXPECT_THAT(c.entries, IsEmpty());
  EXPECT_EQ(c.paused_since, At(70));
  AgendaReadyState unknown = StateOf("unknown");
  EXPECT_THAT(unknown.entries, IsEmpty());
  EXPECT_EQ(unknown.paused_since, std::nullopt);
}

TEST_P(StoreClaimFenceContractTest, DeleteHeldReadyClaimDeletesOnlyWhatConfirmWouldAccept) {
  Write([](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r1", "A", 1)));
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r2", "B", 2)));
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r3", "C", 3)));
    POP_RETURN_IF_ERROR(w.AddReadyAgenda(FenceEntry("r4", "D", 4)));
    POP_RETURN_IF_ERROR(w.ClaimReady("r1", "p", At(100), At(10)).status());
    POP_RETURN_IF_ERROR(w.ClaimReady("r2", "p", At(100), At(10)).status());
    POP_RETURN_IF_ERROR(w.ClaimReady("r4", "p", At(100), At(10)).status());
    return w.ConfirmReadyClaim("r4", "p", At(20)).status();
  });
  EXPECT_FALSE(DeleteHeld("r1", "q", At(20)));    // not the holder
  EXPECT_FALSE(DeleteHeld("r2", "p", At(100)));   // the lease ended at 100, unconfirmed
  EXPECT_FALSE(DeleteHeld("r3", "p", At(20)));    // unclaimed
  EXPECT_FALSE(DeleteHeld("gone", "p", At(20)));  // no such entry
  EXPECT_THAT(Described(StateOf("A").entries), ElementsAre("r1 by p"));
  EXPECT_THAT(Described(StateOf("B").entries), ElementsAre("r2 by p"));
  EXPECT_THAT(Described(StateOf("C").entries), ElementsAre("r3 by nobody"));
  EXPECT_TRUE(DeleteHeld("r1", "p", At(99)));     // the holder, in time
  EXPECT_TRUE(DeleteHeld("r4", "p", At(5000)));   // confirmed: the lease no longer matters
  EXPECT_FALSE(DeleteHeld("r4", "p", At(5000)));  // gone now
  EXPECT_THAT(StateOf("A").entries, IsEmpty());
  EXPECT_THAT(StateOf("D").entries, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreClaimFenceContractTest,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
