// The store's part of pause and resume (src/ports/store.h: SetPaused, PausedSince, ListPaused,
// and ClaimReady refusing a paused agenda or insight), run against every Store implementation
// like store_contract_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "ports/store.h"

namespace pop::testing {
namespace {

using ::testing::ElementsAre;

ReadyAgenda Ready(const std::string& id, const std::string& agenda_id,
                  const std::string& insight_id) {
  ReadyAgenda ready;
  ready.id = id;
  ready.insight_id = insight_id;
  ready.agenda_id = agenda_id;
  ready.customer_id = "acme";
  ready.added = At(1);
  return ready;
}

std::string Describe(const PausedTarget& paused) {
  return std::string(PauseTargetName(paused.target)) + ":" + paused.id + "@" +
         std::to_string(paused.since.millis());
}

class StorePauseContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<Store> Open() {
    Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  bool SetPaused(Store& store, PauseTarget target, const std::string& id,
                 std::optional<Timestamp> since) {
    bool changed = false;
    Status written = store.Write([&](StoreWriter& w) -> Status {
      POP_ASSIGN_OR_RETURN(changed, w.SetPaused(target, id, since));
      return Status::Ok();
    });
    EXPECT_TRUE(written.ok()) << written.message();
    return changed;
  }

  bool Claim(Store& store, const std::string& ready_id, const std::string& claimer) {
    bool won = false;
    Status written = store.Write([&](StoreWriter& w) -> Status {
      POP_ASSIGN_OR_RETURN(won, w.ClaimReady(ready_id, claimer, At(1000), At(10)));
      return Status::Ok();
    });
    EXPECT_TRUE(written.ok()) << written.message();
    return won;
  }

  std::vector<std::string> Paused(Store& store) {
    std::vector<PausedTarget> listed;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(listed, r.ListPaused());
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    std::vector<std::string> described;
    for (const PausedTarget& paused : listed) described.push_back(Describe(paused));
    return described;
  }

  std::optional<Timestamp> Since(Store& store, PauseTarget target, const std::string& id) {
    std::optional<Timestamp> since;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(since, r.PausedSince(target, id));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return since;
  }

  void AddReady(const ReadyAgenda& ready) {
    Status added = store_->Write([&](StoreWriter& w) { return w.AddReadyAgenda(ready); });
    ASSERT_TRUE(added.ok()) << added.message();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StorePauseContractTest, PauseKeepsItsFirstTimeResumeEndsItAndBothReportAChange) {
  EXPECT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(10)));
  EXPECT_FALSE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(20)));  // paused already
  EXPECT_TRUE(SetPaused(*store_, PauseTarget::kInsight, "A", At(30)));  // same id, other target
  EXPECT_EQ(Since(*store_, PauseTarget::kAgenda, "A"), At(10));
  EXPECT_EQ(Since(*store_, PauseTarget::kInsight, "A"), At(30));
  EXPECT_EQ(Since(*store_, PauseTarget::kAgenda, "B"), std::nullopt);
  EXPECT_THAT(Paused(*store_), ElementsAre("agenda:A@10", "insight:A@30"));

  EXPECT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", std::nullopt));
  EXPECT_FALSE(SetPaused(*store_, PauseTarget::kAgenda, "A", std::nullopt));  // not paused
  EXPECT_EQ(Since(*store_, PauseTarget::kAgenda, "A"), std::nullopt);
  EXPECT_THAT(Paused(*store_), ElementsAre("insight:A@30"));
}

TEST_P(StorePauseContractTest, PausesSurviveReopening) {
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(10)));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kInsight, "I", At(20)));
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_THAT(Paused(*store_), ElementsAre("agenda:A@10", "insight:I@20"));
}

TEST_P(StorePauseContractTest, ClaimReadyRefusesAPausedAgendaUntilItIsResumed) {
  AddReady(Ready("r1", "A", "I"));
  AddReady(Ready("r2", "B", "I"));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(5)));
  EXPECT_FALSE(Claim(*store_, "r1", "p"));
  EXPECT_TRUE(Claim(*store_, "r2", "p"));  // another agenda of the insight is claimed
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", std::nullopt));
  EXPECT_TRUE(Claim(*store_, "r1", "p"));
}

TEST_P(StorePauseContractTest, ClaimReadyRefusesEveryEntryOfAPausedInsight) {
  AddReady(Ready("r1", "A", "I"));
  AddReady(Ready("r2", "B", "I"));
  AddReady(Ready("r3", "C", "J"));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kInsight, "I", At(5)));
  EXPECT_FALSE(Claim(*store_, "r1", "p"));
  EXPECT_FALSE(Claim(*store_, "r2", "p"));
  EXPECT_TRUE(Claim(*store_, "r3", "p"));  // another insight is served
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kInsight, "I", std::nullopt));
  EXPECT_TRUE(Claim(*store_, "r1", "p"));
  EXPECT_TRUE(Claim(*store_, "r2", "p"));
}

// A pause leaves a claim that was taken before it (its executor learns of the pause from its
// reports); only new claims, and taking over after the lease, are refused.
TEST_P(StorePauseContractTest, PauseKeepsAnExistingClaimButRefusesTakingItOver) {
  AddReady(Ready("r1", "A", "I"));
  ASSERT_TRUE(Claim(*store_, "r1", "p"));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(5)));
  std::vector<ReadyAgenda> rows;
  bool taken_over = true;
  Status written = store_->Write([&](StoreWriter& w) -> Status {
    POP_ASSIGN_OR_RETURN(taken_over, w.ClaimReady("r1", "q", At(5000), At(2000)));
    POP_ASSIGN_OR_RETURN(rows, w.ReadyAgendasOf("A"));
    return Status::Ok();
  });
  ASSERT_TRUE(written.ok()) << written.message();
  EXPECT_FALSE(taken_over);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].claimed_by, "p");
}

// Several servers sharing one store (PostgreSQL): a pause written through one is honoured by the
// claims the other decides.
TEST_P(StorePauseContractTest, APauseThroughOneServerHoldsForTheClaimsOfAnother) {
  if (!GetParam().shared) GTEST_SKIP() << "one server per store";
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  AddReady(Ready("r1", "A", "I"));
  AddReady(Ready("r2", "B", "J"));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", At(5)));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kInsight, "J", At(5)));
  EXPECT_FALSE(Claim(*other, "r1", "p"));
  EXPECT_FALSE(Claim(*other, "r2", "p"));
  EXPECT_THAT(Paused(*other), ElementsAre("agenda:A@5", "insight:J@5"));
  ASSERT_TRUE(SetPaused(*store_, PauseTarget::kAgenda, "A", std::nullopt));
  EXPECT_TRUE(Claim(*other, "r1", "p"));
  EXPECT_FALSE(Claim(*other, "r2", "p"));
}

INSTANTIATE_TEST_SUITE_P(AllStores, StorePauseContractTest,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
