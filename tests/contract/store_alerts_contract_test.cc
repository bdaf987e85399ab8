// The store's part of alerting (src/ports/store.h: alert conditions, resolved alerts, the rules'
// cursors and the insights' last polls), run against every Store implementation like
// store_contract_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "ports/store.h"

namespace pop::testing {
namespace {

using ::testing::ElementsAre;

AlertRecord Condition(const std::string& rule, const std::string& key, int64_t first_seen) {
  AlertRecord record;
  record.rule = rule;
  record.key = key;
  record.alerting = true;
  record.count = 2;
  record.first_seen = At(first_seen);
  record.last_seen = At(first_seen + 5);
  record.insight_id = "insight-1";
  record.agenda_id = "agenda-1";
  record.customer_id = "acme";
  record.operation_type = "sample";
  record.summary = "Agenda agenda-1 failed: \"quoted\" ünïcode";
  record.agenda_url = "https://pop.example.com/ui/agendas/agenda-1";
  return record;
}

std::string Describe(const AlertRecord& record) {
  return record.rule + "/" + record.key + (record.alerting ? " alerting" : " counting") + " x" +
         std::to_string(record.count) + " @" + std::to_string(record.first_seen.millis()) + "-" +
         std::to_string(record.last_seen.millis()) +
         (record.resolved_at ? " resolved@" + std::to_string(record.resolved_at->millis()) : "");
}

class StoreAlertsContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<Store> Open() {
    Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  void Write(Store& store, const std::function<Status(StoreWriter&)>& fn) {
    Status written = store.Write(fn);
    ASSERT_TRUE(written.ok()) << written.message();
  }
  std::vector<AlertRecord> Conditions(Store& store) {
    std::vector<AlertRecord> listed;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(listed, r.ListAlertConditions());
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return listed;
  }
  std::vector<std::string> Described(const std::vector<AlertRecord>& records) {
    std::vector<std::string> described;
    for (const AlertRecord& record : records) described.push_back(Describe(record));
    return described;
  }
  std::vector<AlertRecord> Resolved(Store& store, size_t limit) {
    std::vector<AlertRecord> listed;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(listed, r.ListResolvedAlerts(limit));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return listed;
  }
  std::optional<std::string> Cursor(Store& store, const std::string& name) {
    std::optional<std::string> value;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(value, r.GetAlertCursor(name));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return value;
  }
  std::vector<std::string> Polls(Store& store) {
    std::vector<InsightPoll> polls;
    Status read = store.Read([&](StoreReader& r) -> Status {
      POP_ASSIGN_OR_RETURN(polls, r.ListInsightPolls());
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    std::vector<std::string> described;
    for (const InsightPoll& poll : polls) {
      described.push_back(poll.insight_id + "@" + std::to_string(poll.last_poll.millis()));
    }
    return described;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreAlertsContractTest, ConditionsAreStoredReplacedAndDeletedByRuleAndKey) {
  AlertRecord counting = Condition("queueWait", "insight-1", 30);
  counting.alerting = false;
  counting.count = 1;
  Write(*store_, [&](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.PutAlertCondition(Condition("agendaFailed", "insight-1/acme", 20)));
    POP_RETURN_IF_ERROR(w.PutAlertCondition(counting));
    return w.PutAlertCondition(Condition("agendaFailed", "insight-0/acme", 10));
  });
  EXPECT_THAT(Described(Conditions(*store_)),
              ElementsAre("agendaFailed/insight-0/acme alerting x2 @10-15",
                          "agendaFailed/insight-1/acme alerting x2 @20-25",
                          "queueWait/insight-1 counting x1 @30-35"));
  const AlertRecord stored = Conditions(*store_)[0];
  EXPECT_EQ(stored.insight_id, "insight-1");
  EXPECT_EQ(stored.agenda_id, "agenda-1");
  EXPECT_EQ(stored.customer_id, "acme");
  EXPECT_EQ(stored.operation_type, "sample");
  EXPECT_EQ(stored.summary, "Agenda agenda-1 failed: \"quoted\" ünïcode");
  EXPECT_EQ(stored.agenda_url, "https://pop.example.com/ui/agendas/agenda-1");

  AlertRecord grown = Condition("agendaFailed", "insight-0/acme", 10);
  grown.count = 7;
  grown.last_seen = At(99);
  grown.agenda_id = "agenda-9";
  bool deleted = false;
  bool deleted_again = true;
  Write(*store_, [&](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.PutAlertCondition(grown));
    POP_ASSIGN_OR_RETURN(deleted, w.DeleteAlertCondition("queueWait", "insight-1"));
    POP_ASSIGN_OR_RETURN(deleted_again, w.DeleteAlertCondition("queueWait", "insight-1"));
    return Status::Ok();
  });
  EXPECT_TRUE(deleted);
  EXPECT_FALSE(deleted_again);
  EXPECT_THAT(Described(Conditions(*store_)),
              ElementsAre("agendaFailed/insight-0/acme alerting x7 @10-99",
                          "agendaFailed/insight-1/acme alerting x2 @20-25"));
  EXPECT_EQ(Conditions(*store_)[0].agenda_id, "agenda-9");
}

TEST_P(StoreAlertsContractTest, ResolvedAlertsAreListedNewestFirstAndTrimmedToKeep) {
  for (int i = 1; i <= 4; ++i) {
    AlertRecord resolved = Condition("reclaimed", "reclaimer", i * 10);
    resolved.resolved_at = At(i * 10 + 8);
    Write(*store_, [&](StoreWriter& w) { return w.AddResolvedAlert(resolved, 3); });
  }
  EXPECT_THAT(Described(Resolved(*store_, 10)),
              ElementsAre("reclaimed/reclaimer alerting x2 @40-45 resolved@48",
                          "reclaimed/reclaimer alerting x2 @30-35 resolved@38",
                          "reclaimed/reclaimer alerting x2 @20-25 resolved@28"));
  EXPECT_EQ(Resolved(*store_, 1).size(), 1u);
  EXPECT_EQ(Resolved(*store_, 10)[0].summary, "Agenda agenda-1 failed: \"quoted\" ünïcode");
}

TEST_P(StoreAlertsContractTest, AResolvedAlertWithoutItsTimeIsRefusedAndChangesNothing) {
  Status refused = store_->Write([&](StoreWriter& w) {
    return w.AddResolvedAlert(Condition("reclaimed", "reclaimer", 1), 10);
  });
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("resolvedAt"), std::string::npos) << refused.message();
  EXPECT_TRUE(Resolved(*store_, 10).empty());
}

TEST_P(StoreAlertsContractTest, CursorsAreSetAndReplacedByName) {
  EXPECT_EQ(Cursor(*store_, "agendaFailed"), std::nullopt);
  Write(*store_, [](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.SetAlertCursor("agendaFailed", "one"));
    return w.SetAlertCursor("operationTypeFailing", "other");
  });
  Write(*store_, [](StoreWriter& w) { return w.SetAlertCursor("agendaFailed", "two"); });
  EXPECT_EQ(Cursor(*store_, "agendaFailed"), "two");
  EXPECT_EQ(Cursor(*store_, "operationTypeFailing"), "other");
}

TEST_P(StoreAlertsContractTest, AnInsightPollKeepsTheLatestTime) {
  Write(*store_, [](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.RecordInsightPoll("insight-2", At(50)));
    POP_RETURN_IF_ERROR(w.RecordInsightPoll("insight-1", At(10)));
    POP_RETURN_IF_ERROR(w.RecordInsightPoll("insight-1", At(30)));
    return w.RecordInsightPoll("insight-2", At(40));  // earlier: ignored
  });
  EXPECT_THAT(Polls(*store_), ElementsAre("insight-1@30", "insight-2@50"));
}

TEST_P(StoreAlertsContractTest, AlertStateSurvivesReopening) {
  AlertRecord resolved = Condition("reclaimed", "reclaimer", 1);
  resolved.resolved_at = At(9);
  Write(*store_, [&](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.PutAlertCondition(Condition("agendaFailed", "i/acme", 5)));
    POP_RETURN_IF_ERROR(w.AddResolvedAlert(resolved, 10));
    POP_RETURN_IF_ERROR(w.SetAlertCursor("agendaFailed", "5"));
    return w.RecordInsightPoll("i", At(7));
  });
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_THAT(Described(Conditions(*store_)), ElementsAre("agendaFailed/i/acme alerting x2 @5-10"));
  EXPECT_EQ(Resolved(*store_, 10).size(), 1u);
  EXPECT_EQ(Cursor(*store_, "agendaFailed"), "5");
  EXPECT_THAT(Polls(*store_), ElementsAre("i@7"));
}

// How the alerting rules read finished records incrementally: by updatedTime, oldest first,
// whatever the order they were stored in.
TEST_P(StoreAlertsContractTest, FindCanListOldestUpdatedFirstSinceATime) {
  Write(*store_, [](StoreWriter& w) -> Status {
    for (const auto& [id, updated] : std::vector<std::pair<std::string, int64_t>>{
             {"p1", 30}, {"p2", 10}, {"p3", 20}, {"p4", 20}, {"p5", 5}}) {
      AgendaProgress progress = AgendaProgressWith(id, "agenda-" + id);
      progress.updated_time = At(updated);
      POP_RETURN_IF_ERROR(w.Put(progress));
    }
    return Status::Ok();
  });
  ObjectQuery query;
  query.scope = VisibilityScope::Everything();
  query.updated_since = At(10);
  query.oldest_updated_first = true;
  query.limit = 3;
  std::vector<DataObject> found;
  Status read = store_->Read([&](StoreReader& r) -> Status {
    POP_ASSIGN_OR_RETURN(found, r.Find(ObjectKind::kAgendaProgress, query));
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_THAT(IdsOf(found), ElementsAre("p2", "p3", "p4"));  // same time: insertion order
}

// Several servers sharing one store (PostgreSQL): what one stores, another lists.
TEST_P(StoreAlertsContractTest, WhatOneServerStoresAnotherLists) {
  if (!GetParam().shared) GTEST_SKIP() << "one server per store";
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  Write(*store_, [&](StoreWriter& w) -> Status {
    POP_RETURN_IF_ERROR(w.PutAlertCondition(Condition("agendaFailed", "i/acme", 5)));
    return w.RecordInsightPoll("i", At(7));
  });
  EXPECT_THAT(Described(Conditions(*other)), ElementsAre("agendaFailed/i/acme alerting x2 @5-10"));
  EXPECT_THAT(Polls(*other), ElementsAre("i@7"));
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreAlertsContractTest,
                         ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
