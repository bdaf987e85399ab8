// The behaviour every Store implementation must have (src/ports/store.h), checked only through
// the port. Instantiated once per factory in store_factories_support.cc; a new adapter passes
// this suite unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "core/access/visibility.h"
#include "ports/store.h"

namespace pop::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// How long a test waits for something that must not be blocked before calling it a failure.
constexpr auto kNotBlocked = std::chrono::seconds(10);

VisibilityScope AccountsScope(std::vector<std::string> accounts) {
  VisibilityScope scope;
  scope.accounts = std::move(accounts);
  return scope;
}

ObjectQuery QueryWith(VisibilityScope scope, size_t limit = 100) {
  ObjectQuery query;
  query.scope = std::move(scope);
  query.limit = limit;
  return query;
}

ObjectQuery Everything(size_t limit = 100) {
  return QueryWith(VisibilityScope::Everything(), limit);
}

ObjectQuery FieldQuery(std::vector<FieldEquals> equals) {
  ObjectQuery query = Everything();
  query.equals = std::move(equals);
  return query;
}

ReadyAgenda Ready(const std::string& id, const std::string& agenda_id, int64_t added) {
  ReadyAgenda ready;
  ready.id = id;
  ready.insight_id = "insight-1";
  ready.agenda_id = agenda_id;
  ready.customer_id = "acme";
  ready.added = Timestamp::FromMillis(added);
  return ready;
}

ApiToken Token(const std::string& id, const std::string& hash) {
  ApiToken token;
  token.id = id;
  token.secret_hash = hash;
  token.accounts = {"acme", "Beta"};
  token.title = "token " + id;
  token.created = Timestamp::FromMillis(1'700'000'000'000);
  return token;
}

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  void Reopen() {
    store_.reset();
    Open();
  }

  Status Put(const DataObject& object) {
    return store_->Write([&](StoreWriter& writer) { return writer.Put(object); });
  }

  void PutAll(const std::vector<DataObject>& objects) {
    for (const DataObject& object : objects) {
      Status put = Put(object);
      ASSERT_TRUE(put.ok()) << put.message();
    }
  }

  std::optional<DataObject> Get(ObjectKind kind, const std::string& id) {
    std::optional<DataObject> found;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(found, reader.Get(kind, id));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return found;
  }

  std::vector<DataObject> Find(ObjectKind kind, const ObjectQuery& query) {
    std::vector<DataObject> found;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(found, reader.Find(kind, query));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return found;
  }

  std::vector<std::string> FindIds(ObjectKind kind, const ObjectQuery& query) {
    return IdsOf(Find(kind, query));
  }

  int64_t Count(ObjectKind kind, const ObjectQuery& query) {
    int64_t count = -1;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(count, reader.Count(kind, query));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return count;
  }

  std::vector<ReadyAgenda> ReadyOf(const std::string& agenda_id) {
    std::vector<ReadyAgenda> found;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(found, reader.ReadyAgendasOf(agenda_id));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    return found;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// --- Put, Get, Delete ---

TEST_P(StoreContractTest, PutThenGetReturnsEveryKindFieldForField) {
  for (ObjectKind kind : kAllObjectKinds) {
    SCOPED_TRACE(ObjectKindName(kind));
    DataObject sample = FullSample(kind, "sample-1", "acme");
    ASSERT_TRUE(Put(sample).ok());

    std::optional<DataObject> stored = Get(kind, "sample-1");

    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(KindOf(*stored), kind);
    EXPECT_EQ(TextOf(*stored), TextOf(sample));
  }
}

TEST_P(StoreContractTest, GetOfUnknownIdIsEmpty) {
  PutAll({AgendaWith("a1", "acme")});

  EXPECT_FALSE(Get(ObjectKind::kAgenda, "a2").has_value());
  EXPECT_FALSE(Get(ObjectKind::kAgendaProgress, "a1").has_value());
}

TEST_P(StoreContractTest, SameIdInTwoKindsNamesTwoObjects) {
  PutAll({AgendaWith("shared", "acme"), InsightWith("shared", "beta")});

  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) -> Status {
                    POP_ASSIGN_OR_RETURN(bool deleted,
                                         writer.Delete(ObjectKind::kAgenda, "shared"));
                    return deleted ? Status::Ok() : Status(ErrorCode::kNotFound, "shared");
                  })
                  .ok());

  EXPECT_FALSE(Get(ObjectKind::kAgenda, "shared").has_value());
  ASSERT_TRUE(Get(ObjectKind::kInsight, "shared").has_value());
}

TEST_P(StoreContractTest, PutWithoutIdIsRefused) {
  Agenda agenda;
  agenda.customer_id = "acme";

  Status put = Put(agenda);

  EXPECT_FALSE(put.ok());
  EXPECT_EQ(Count(ObjectKind::kAgenda, Everything()), 0);
}

TEST_P(StoreContractTest, PutOfExistingIdReplacesWholeObjectAndKeepsItsPosition) {
  Agenda first = AgendaWith("first", "acme");
  first.link_id = "old-link";
  first.job_id = "old-job";
  PutAll({first, AgendaWith("second", "acme"), AgendaWith("third", "acme")});
  Agenda replacement = AgendaWith("first", "beta");
  replacement.title = "new title";

  ASSERT_TRUE(Put(replacement).ok());

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()), ElementsAre("first", "second", "third"));
  std::optional<DataObject> stored = Get(ObjectKind::kAgenda, "first");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(TextOf(*stored), TextOf(replacement));
  // The replaced fields are gone from queries too, the new ones are found.
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "old-link"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"jobId", "old-job"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, QueryWith(AccountsScope({"beta"}))),
              ElementsAre("first"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"title", "new title"}})),
              ElementsAre("first"));
}

TEST_P(StoreContractTest, DeleteReportsWhetherAnObjectWasDeleted) {
  PutAll({AgendaWith("a1", "acme"), AgendaWith("a2", "acme")});
  std::vector<bool> deleted;

  Status write = store_->Write([&](StoreWriter& writer) -> Status {
    for (const char* id : {"a1", "a1", "unknown"}) {
      POP_ASSIGN_OR_RETURN(bool was_deleted, writer.Delete(ObjectKind::kAgenda, id));
      deleted.push_back(was_deleted);
    }
    return Status::Ok();
  });

  ASSERT_TRUE(write.ok()) << write.message();
  EXPECT_THAT(deleted, ElementsAre(true, false, false));
  EXPECT_FALSE(Get(ObjectKind::kAgenda, "a1").has_value());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()), ElementsAre("a2"));
}

// --- Find and Count: order, limit ---

TEST_P(StoreContractTest, FindReturnsInsertionOrderUpToLimitAndCountIgnoresLimit) {
  const std::vector<std::string> ids = {"z9", "a1", "m5", "b2", "y8", "c3"};
  for (const auto& id : ids) PutAll({AgendaWith(id, "acme")});

  EXPECT_EQ(FindIds(ObjectKind::kAgenda, Everything()), ids);
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything(/*limit=*/3)), ElementsAre("z9", "a1", "m5"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything(/*limit=*/0)), IsEmpty());
  EXPECT_EQ(Count(ObjectKind::kAgenda, Everything(/*limit=*/3)), 6);
  EXPECT_EQ(Count(ObjectKind::kAgenda, Everything(/*limit=*/0)), 6);
}

// one_of reads several objects in one statement: by id, by an indexed column, by a field of the
// document; ANDed with the other filters; no values match nothing.
TEST_P(StoreContractTest, FindOneOfMatchesAnyOfTheValuesInInsertionOrder) {
  Agenda z9 = AgendaWith("z9", "acme");
  z9.link_id = "L1";
  z9.job_id = "J1";
  Agenda a1 = AgendaWith("a1", "acme");
  a1.link_id = "L2";
  Agenda m5 = AgendaWith("m5", "acme");
  m5.link_id = "L1";
  Agenda b2 = AgendaWith("b2", "acme");
  b2.job_id = "J2";
  PutAll({z9, a1, m5, b2});
  auto one_of = [](const std::string& field, std::vector<std::string> values) {
    ObjectQuery query = Everything();
    query.one_of.push_back({field, std::move(values)});
    return query;
  };

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, one_of("id", {"m5", "z9", "missing"})),
              ElementsAre("z9", "m5"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, one_of("linkId", {"L1"})), ElementsAre("z9", "m5"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, one_of("jobId", {"J2", "J1"})), ElementsAre("z9", "b2"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, one_of("id", {})), IsEmpty());
  EXPECT_EQ(Count(ObjectKind::kAgenda, one_of("id", {"a1", "b2", "a1"})), 2);
  ObjectQuery both = one_of("id", {"z9", "a1", "b2"});
  both.equals.push_back({"linkId", "L1"});
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, both), ElementsAre("z9"));
}

TEST_P(StoreContractTest, InsertionOrderContinuesAfterDeletes) {
  PutAll({AgendaWith("a", "acme"), AgendaWith("b", "acme"), AgendaWith("c", "acme")});
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) {
                    return writer.Delete(ObjectKind::kAgenda, "c").status();
                  })
                  .ok());

  PutAll({AgendaWith("d", "acme"), AgendaWith("a", "beta")});

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()), ElementsAre("a", "b", "d"));
}

// --- Visibility ---

// Insights covering each visibility rule, stored in this order.
std::vector<DataObject> VisibilityInsights() {
  Insight own = InsightWith("own", "Acme");
  own.allowed_customer_ids = AllowedCustomerIds{{"other"}};
  Insight own_lower = InsightWith("own-lower", "acme");
  Insight global = InsightWith("global", "Zeta");
  global.is_global = true;
  Insight not_global = InsightWith("not-global", "Zeta");
  not_global.is_global = false;
  Insight allowed = InsightWith("allowed", "Zeta");
  allowed.allowed_customer_ids = AllowedCustomerIds{{"acme", "beta"}};
  Insight allowed_other = InsightWith("allowed-other", "Zeta");
  allowed_other.allowed_customer_ids = AllowedCustomerIds{{"gamma"}};
  Insight plain = InsightWith("plain", "Zeta");
  return {own, own_lower, global, not_global, allowed, allowed_other, plain};
}

TEST_P(StoreContractTest, EverythingScopeSeesAllObjects) {
  PutAll(VisibilityInsights());

  EXPECT_THAT(
      FindIds(ObjectKind::kInsight, Everything()),
      ElementsAre("own", "own-lower", "global", "not-global", "allowed", "allowed-other", "plain"));
}

TEST_P(StoreContractTest, EmptyScopeSeesNothing) {
  PutAll(VisibilityInsights());
  PutAll({AgendaWith("a1", "acme")});

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(VisibilityScope())), IsEmpty());
  EXPECT_EQ(Count(ObjectKind::kInsight, QueryWith(VisibilityScope())), 0);
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, QueryWith(VisibilityScope())), IsEmpty());
}

TEST_P(StoreContractTest, OwnerRuleMatchesCustomerIdInExactCase) {
  PutAll(VisibilityInsights());

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"Acme"}))),
              ElementsAre("own"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"acme"}))),
              ElementsAre("own-lower"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"ACME", "nobody"}))),
              IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"acme", "Acme"}))),
              ElementsAre("own", "own-lower"));
}

TEST_P(StoreContractTest, GlobalObjectsRuleMatchesOnlyObjectsMarkedGlobal) {
  PutAll(VisibilityInsights());
  VisibilityScope scope;
  scope.global_objects = true;

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(scope)), ElementsAre("global"));
}

TEST_P(StoreContractTest, GlobalObjectsRuleMatchesNothingOfKindsWithoutIsGlobal) {
  PutAll({AgendaWith("a1", "Zeta")});
  VisibilityScope scope;
  scope.global_objects = true;
  scope.allowed_customers = true;

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, QueryWith(scope)), IsEmpty());
}

TEST_P(StoreContractTest, AllowedCustomersRuleMatchesLowerCasedAccount) {
  PutAll(VisibilityInsights());
  VisibilityScope scope = AccountsScope({"ACME"});
  scope.allowed_customers = true;

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(scope)), ElementsAre("allowed"));
}

TEST_P(StoreContractTest, AllowedCustomersRuleIsOffUnlessEnabled) {
  PutAll(VisibilityInsights());

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"beta"}))), IsEmpty());
}

TEST_P(StoreContractTest, AllowedCustomersRuleWithoutAccountsMatchesNothing) {
  PutAll(VisibilityInsights());
  VisibilityScope scope;
  scope.allowed_customers = true;

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(scope)), IsEmpty());
}

TEST_P(StoreContractTest, RulesCombineWithOrAndLimitCountsVisibleObjectsOnly) {
  PutAll(VisibilityInsights());
  VisibilityScope scope = AccountsScope({"Acme", "Beta"});
  scope.global_objects = true;
  scope.allowed_customers = true;

  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(scope)),
              ElementsAre("own", "global", "allowed"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(scope, /*limit=*/2)),
              ElementsAre("own", "global"));
  EXPECT_EQ(Count(ObjectKind::kInsight, QueryWith(scope, /*limit=*/2)), 3);
}

TEST_P(StoreContractTest, VisibilityAppliesToAgendaTemplatesAsToInsights) {
  AgendaTemplate global;
  global.id = "global";
  global.customer_id = "Zeta";
  global.is_global = true;
  AgendaTemplate allowed;
  allowed.id = "allowed";
  allowed.customer_id = "Zeta";
  allowed.allowed_customer_ids = AllowedCustomerIds{{"acme"}};
  AgendaTemplate own;
  own.id = "own";
  own.customer_id = "Acme";
  PutAll({global, allowed, own});
  VisibilityScope scope = AccountsScope({"Acme"});
  scope.global_objects = true;
  scope.allowed_customers = true;

  EXPECT_THAT(FindIds(ObjectKind::kAgendaTemplate, QueryWith(scope)),
              ElementsAre("global", "allowed", "own"));
  EXPECT_THAT(FindIds(ObjectKind::kAgendaTemplate, QueryWith(AccountsScope({"Acme"}))),
              ElementsAre("own"));
}

TEST_P(StoreContractTest, ScopeIsAndedWithIdAndFields) {
  PutAll(VisibilityInsights());
  ObjectQuery query = QueryWith(AccountsScope({"Acme"}));
  query.id = "global";

  EXPECT_THAT(FindIds(ObjectKind::kInsight, query), IsEmpty());
  query.id = "own";
  EXPECT_THAT(FindIds(ObjectKind::kInsight, query), ElementsAre("own"));
}

// The scope pushed into the query agrees with ScopeAllows (core/access/visibility.h), the same
// rules checked on one object, for every combination of rules, accounts and objects.
TEST_P(StoreContractTest, FindAgreesWithScopeAllowsForEveryRuleCombination) {
  std::mt19937 random(20240601);
  const std::vector<std::string> owners = {"Acme", "acme", "beta", "Zeta"};
  const std::vector<std::vector<std::string>> allowed_lists = {
      {}, {"acme"}, {"beta", "gamma"}, {"acme", "zeta"}};
  std::vector<DataObject> objects;
  for (int i = 0; i < 90; ++i) {
    const std::string id = "o" + std::to_string(i);
    const std::string& owner = owners[random() % owners.size()];
    const size_t global_choice = random() % 3;                            // absent, false, true
    const size_t allowed_choice = random() % (allowed_lists.size() + 1);  // last: absent
    std::optional<bool> is_global;
    if (global_choice > 0) is_global = global_choice == 2;
    std::optional<AllowedCustomerIds> allowed;
    if (allowed_choice < allowed_lists.size()) {
      allowed = AllowedCustomerIds{allowed_lists[allowed_choice]};
    }
    if (i % 3 == 0) {
      Insight insight = InsightWith(id, owner);
      insight.is_global = is_global;
      insight.allowed_customer_ids = allowed;
      objects.push_back(insight);
    } else if (i % 3 == 1) {
      AgendaTemplate agenda_template;
      agenda_template.id = id;
      agenda_template.customer_id = owner;
      agenda_template.is_global = is_global;
      agenda_template.allowed_customer_ids = allowed;
      objects.push_back(agenda_template);
    } else {
      objects.push_back(AgendaWith(id, owner));
    }
  }
  PutAll(objects);
  const std::vector<std::vector<std::string>> account_sets = {
      {}, {"Acme"}, {"ACME"}, {"acme", "Zeta"}, {"Beta"}, {"gamma", "nobody"}};

  for (ObjectKind kind : {ObjectKind::kInsight, ObjectKind::kAgendaTemplate, ObjectKind::kAgenda}) {
    for (int rules = 0; rules < 8; ++rules) {
      for (const auto& accounts : account_sets) {
        VisibilityScope scope = AccountsScope(accounts);
        scope.everything = (rules & 1) != 0;
        scope.global_objects = (rules & 2) != 0;
        scope.allowed_customers = (rules & 4) != 0;
        std::vector<std::string> expected;
        for (const DataObject& object : objects) {
          if (KindOf(object) == kind && ScopeAllows(scope, object)) {
            expected.push_back(*BaseOf(object).id);
          }
        }
        SCOPED_TRACE(std::string(ObjectKindName(kind)) + " rules " + std::to_string(rules) +
                     " accounts " + std::to_string(accounts.size()));

        EXPECT_EQ(FindIds(kind, QueryWith(scope, /*limit=*/1000)), expected);
        EXPECT_EQ(Count(kind, QueryWith(scope)), static_cast<int64_t>(expected.size()));
      }
    }
  }
}

// --- Find and Count: id and field filters ---

std::vector<DataObject> FilterAgendas() {
  Agenda a1 = AgendaWith("a1", "acme");
  a1.link_id = "L1";
  a1.cid = "c1";
  a1.job_id = "it's \"quoted\" 100%_";
  Agenda a2 = AgendaWith("a2", "acme");
  a2.link_id = "L2";
  a2.cid = "c1";
  Agenda a3 = AgendaWith("a3", "beta");
  a3.link_id = "L1";
  a3.cid = "c2";
  a3.title = "Third";
  return {a1, a2, a3};
}

TEST_P(StoreContractTest, FieldFiltersMatchIndexedAndOtherStringFields) {
  PutAll(FilterAgendas());

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "L1"}})),
              ElementsAre("a1", "a3"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"cid", "c1"}})), ElementsAre("a1", "a2"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"customerId", "beta"}})),
              ElementsAre("a3"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"title", "Third"}})), ElementsAre("a3"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"id", "a2"}})), ElementsAre("a2"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"jobId", "it's \"quoted\" 100%_"}})),
              ElementsAre("a1"));
}

TEST_P(StoreContractTest, FieldFiltersCompareWholeValuesInExactCase) {
  PutAll(FilterAgendas());

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "l1"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "L"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "L%"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"jobId", "it's%"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkid", "L1"}})), IsEmpty());
}

TEST_P(StoreContractTest, FiltersAndIdAreAnded) {
  PutAll(FilterAgendas());

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "L1"}, {"cid", "c1"}})),
              ElementsAre("a1"));
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"linkId", "L2"}, {"cid", "c2"}})),
              IsEmpty());
  ObjectQuery by_id = FieldQuery({{"linkId", "L1"}});
  by_id.id = "a3";
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, by_id), ElementsAre("a3"));
  by_id.id = "a2";
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, by_id), IsEmpty());
  EXPECT_EQ(Count(ObjectKind::kAgenda, by_id), 0);
  ObjectQuery id_only = Everything();
  id_only.id = "a2";
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, id_only), ElementsAre("a2"));
}

TEST_P(StoreContractTest, FieldFilterOnAbsentFieldMatchesNothing) {
  PutAll(FilterAgendas());

  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"progressId", ""}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{"noSuchField", "L1"}})), IsEmpty());
}

TEST_P(StoreContractTest, FieldFiltersMatchNumbersAndBooleansByTheirJsonText) {
  Insight insight = InsightWith("i1", "acme");
  insight.queue_size = 10;
  insight.is_global = true;
  OperationProgress done = OperationProgressWith("op-done", "p1");
  done.percent_complete = 100.0;
  OperationProgress half = OperationProgressWith("op-half", "p1");
  half.percent_complete = 42.5;
  half.attempt_count = 3;
  AgendaTemplate agenda_template;
  agenda_template.id = "t1";
  agenda_template.customer_id = "acme";
  agenda_template.is_default_template = false;
  PutAll({insight, done, half, agenda_template});

  EXPECT_THAT(FindIds(ObjectKind::kInsight, FieldQuery({{"queueSize", "10"}})), ElementsAre("i1"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, FieldQuery({{"queueSize", "10.0"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kInsight, FieldQuery({{"isGlobal", "true"}})), ElementsAre("i1"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, FieldQuery({{"isGlobal", "1"}})), IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kOperationProgress, FieldQuery({{"percentComplete", "100.0"}})),
              ElementsAre("op-done"));
  EXPECT_THAT(FindIds(ObjectKind::kOperationProgress, FieldQuery({{"percentComplete", "100"}})),
              IsEmpty());
  EXPECT_THAT(FindIds(ObjectKind::kOperationProgress, FieldQuery({{"percentComplete", "42.5"}})),
              ElementsAre("op-half"));
  EXPECT_THAT(FindIds(ObjectKind::kOperationProgress, FieldQuery({{"attemptCount", "3"}})),
              ElementsAre("op-half"));
  EXPECT_THAT(FindIds(ObjectKind::kAgendaTemplate, FieldQuery({{"isDefaultTemplate", "false"}})),
              ElementsAre("t1"));
}

TEST_P(StoreContractTest, FieldNamesThatAreNotPlainIdentifiersMatchNothing) {
  Agenda agenda = AgendaWith("a1", "acme");
  agenda.link_id = "L1";
  AgendaInsight agenda_insight;
  agenda_insight.insight_id = "insight-1";
  agenda.agenda_insight = agenda_insight;
  PutAll({agenda});

  for (const char* field :
       {"agendaInsight.insightId", "agendaInsight/insightId", "$.linkId", "linkId\"", "link Id", "",
        "1linkId", "linkId) OR (1=1", "agendaInsight[0]", "*"}) {
    SCOPED_TRACE(field);
    for (const char* value : {"insight-1", "L1", "true"}) {
      EXPECT_THAT(FindIds(ObjectKind::kAgenda, FieldQuery({{field, value}})), IsEmpty());
      EXPECT_EQ(Count(ObjectKind::kAgenda, FieldQuery({{field, value}})), 0);
    }
  }
}

TEST_P(StoreContractTest, IndexedFieldsOfEveryKindCanBeFiltered) {
  Customer customer;
  customer.id = "c1";
  customer.customer_id = "acme";
  customer.resource_pool_id = "pool-1";
  Insight insight = InsightWith("i1", "acme");
  insight.resource_pool_id = "pool-1";
  AgendaTemplate agenda_template;
  agenda_template.id = "t1";
  agenda_template.customer_id = "acme";
  agenda_template.title = "Nightly";
  AgendaProgress progress = AgendaProgressWith("p1", "a1");
  progress.link_id = "L1";
  PutAll({customer, insight, agenda_template, progress, OperationProgressWith("p1-x", "p1"),
          OperationProgressWith("p2-x", "p2")});

  EXPECT_THAT(FindIds(ObjectKind::kCustomer, FieldQuery({{"resourcePoolId", "pool-1"}})),
              ElementsAre("c1"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, FieldQuery({{"resourcePoolId", "pool-1"}})),
              ElementsAre("i1"));
  EXPECT_THAT(FindIds(ObjectKind::kAgendaTemplate, FieldQuery({{"title", "Nightly"}})),
              ElementsAre("t1"));
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, FieldQuery({{"linkId", "L1"}})),
              ElementsAre("p1"));
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, FieldQuery({{"agendaId", "a1"}})),
              ElementsAre("p1"));
  EXPECT_THAT(FindIds(ObjectKind::kOperationProgress, FieldQuery({{"agendaProgressId", "p1"}})),
              ElementsAre("p1-x"));
  EXPECT_EQ(Count(ObjectKind::kOperationProgress, FieldQuery({{"agendaProgressId", "p2"}})), 1);
}

// --- Write transactions ---

TEST_P(StoreContractTest, FailedWriteReturnsItsErrorAndKeepsNothing) {
  Status write = store_->Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a1", "acme")));
    POP_RETURN_IF_ERROR(writer.AddReadyAgenda(Ready("r1", "a1", 1)));
    POP_RETURN_IF_ERROR(writer.AddToken(Token("t1", "hash-1")));
    POP_RETURN_IF_ERROR(writer.AddIdempotencyKey("acme", "k1", "a1", Timestamp::FromMillis(1)));
    return Status(ErrorCode::kValidation, "planned failure");
  });

  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.code(), ErrorCode::kValidation);
  EXPECT_EQ(write.message(), "planned failure");
  EXPECT_FALSE(Get(ObjectKind::kAgenda, "a1").has_value());
  EXPECT_THAT(ReadyOf("a1"), IsEmpty());
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(int64_t tokens, reader.CountTokens());
    EXPECT_EQ(tokens, 0);
    POP_ASSIGN_OR_RETURN(auto agenda, reader.FindIdempotentAgenda("acme", "k1"));
    EXPECT_FALSE(agenda.has_value());
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, WriteSeesItsOwnChangesBeforeItEnds) {
  Status write = store_->Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a1", "acme")));
    POP_ASSIGN_OR_RETURN(auto got, writer.Get(ObjectKind::kAgenda, "a1"));
    EXPECT_TRUE(got.has_value());
    POP_ASSIGN_OR_RETURN(int64_t count, writer.Count(ObjectKind::kAgenda, Everything()));
    EXPECT_EQ(count, 1);
    POP_ASSIGN_OR_RETURN(bool deleted, writer.Delete(ObjectKind::kAgenda, "a1"));
    EXPECT_TRUE(deleted);
    POP_ASSIGN_OR_RETURN(got, writer.Get(ObjectKind::kAgenda, "a1"));
    EXPECT_FALSE(got.has_value());
    return Status::Ok();
  });

  EXPECT_TRUE(write.ok()) << write.message();
}

TEST_P(StoreContractTest, ConflictInsideWriteDoesNotUndoTheRestOfIt) {
  PutAll({AgendaWith("existing", "acme")});
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) {
                    return writer.AddIdempotencyKey("acme", "k1", "existing",
                                                    Timestamp::FromMillis(1));
                  })
                  .ok());

  Status write = store_->Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("before", "acme")));
    Status duplicate = writer.AddIdempotencyKey("acme", "k1", "before", Timestamp::FromMillis(2));
    EXPECT_EQ(duplicate.ok() ? ErrorCode::kInternal : duplicate.code(), ErrorCode::kConflict);
    return writer.Put(AgendaWith("after", "acme"));
  });

  ASSERT_TRUE(write.ok()) << write.message();
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()),
              ElementsAre("existing", "before", "after"));
}

// Many writers at once, every other write failing halfway: afterwards exactly the successful
// writes exist, each one whole.
TEST_P(StoreContractTest, ConcurrentWritesAreAtomicEachAndFailuresLeaveNothing) {
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 12;
  constexpr int kOperations = 4;
  auto key_of = [](int thread, int write) {
    return "t" + std::to_string(thread) + "w" + std::to_string(write);
  };
  auto fails = [](int thread, int write) { return (thread + write) % 2 == 1; };

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int w = 0; w < kWritesPerThread; ++w) {
        const std::string key = key_of(t, w);
        const bool fail = fails(t, w);
        Status write = store_->Write([&](StoreWriter& writer) -> Status {
          POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a-" + key, "acme")));
          POP_RETURN_IF_ERROR(writer.Put(AgendaProgressWith("p-" + key, "a-" + key)));
          for (int op = 0; op < kOperations; ++op) {
            if (fail && op == kOperations / 2) {
              return Status(ErrorCode::kValidation, "planned failure of " + key);
            }
            POP_RETURN_IF_ERROR(writer.Put(
                OperationProgressWith("p-" + key + "-op" + std::to_string(op), "p-" + key)));
          }
          return writer.AddReadyAgenda(Ready("r-" + key, "a-" + key, w));
        });
        if (fail) {
          EXPECT_EQ(write.ok() ? ErrorCode::kInternal : write.code(), ErrorCode::kValidation);
          EXPECT_EQ(write.ok() ? "" : write.message(), "planned failure of " + key);
        } else {
          EXPECT_TRUE(write.ok()) << write.message();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  int successes = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int w = 0; w < kWritesPerThread; ++w) {
      const std::string key = key_of(t, w);
      SCOPED_TRACE(key);
      const bool kept = !fails(t, w);
      successes += kept ? 1 : 0;
      EXPECT_EQ(Get(ObjectKind::kAgenda, "a-" + key).has_value(), kept);
      EXPECT_EQ(Get(ObjectKind::kAgendaProgress, "p-" + key).has_value(), kept);
      EXPECT_EQ(
          Count(ObjectKind::kOperationProgress, FieldQuery({{"agendaProgressId", "p-" + key}})),
          kept ? kOperations : 0);
      EXPECT_EQ(ReadyOf("a-" + key).size(), kept ? 1u : 0u);
    }
  }
  EXPECT_EQ(Count(ObjectKind::kAgenda, Everything()), successes);
  EXPECT_EQ(Count(ObjectKind::kAgendaProgress, Everything()), successes);
  EXPECT_EQ(Count(ObjectKind::kOperationProgress, Everything()), successes * kOperations);
}

// --- Read snapshots ---

TEST_P(StoreContractTest, ReadSeesOneSnapshotAndDoesNotBlockWriters) {
  PutAll({AgendaWith("before", "acme")});
  std::promise<void> first_read;
  std::promise<Status> written;
  std::future<Status> written_future = written.get_future();
  std::thread writer([&] {
    first_read.get_future().wait();
    written.set_value(Put(AgendaWith("after", "acme")));
  });

  Status read = store_->Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(int64_t before, reader.Count(ObjectKind::kAgenda, Everything()));
    first_read.set_value();
    if (written_future.wait_for(kNotBlocked) != std::future_status::ready) {
      ADD_FAILURE() << "a write waited for an open read";
    }
    POP_ASSIGN_OR_RETURN(int64_t after, reader.Count(ObjectKind::kAgenda, Everything()));
    POP_ASSIGN_OR_RETURN(auto new_object, reader.Get(ObjectKind::kAgenda, "after"));
    EXPECT_EQ(before, 1);
    EXPECT_EQ(after, 1);
    EXPECT_FALSE(new_object.has_value());
    return Status::Ok();
  });
  writer.join();

  ASSERT_TRUE(read.ok()) << read.message();
  ASSERT_TRUE(written_future.get().ok());
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()), ElementsAre("before", "after"));
}

TEST_P(StoreContractTest, ReadsNeverSeeHalfOfAWrite) {
  constexpr int kWriters = 4;
  constexpr int kWritesPerWriter = 40;
  std::atomic<bool> writing{true};
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesPerWriter; ++i) {
        std::string key = std::to_string(w) + "-" + std::to_string(i);
        Status write = store_->Write([&](StoreWriter& writer) -> Status {
          POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a-" + key, "acme")));
          return writer.Put(AgendaProgressWith("p-" + key, "a-" + key));
        });
        EXPECT_TRUE(write.ok()) << write.message();
      }
    });
  }
  constexpr int kReaders = 3;
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  std::atomic<int> reads{0};
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      do {
        Status read = store_->Read([&](StoreReader& reader) -> Status {
          POP_ASSIGN_OR_RETURN(int64_t agendas, reader.Count(ObjectKind::kAgenda, Everything()));
          std::this_thread::yield();
          POP_ASSIGN_OR_RETURN(int64_t progress,
                               reader.Count(ObjectKind::kAgendaProgress, Everything()));
          EXPECT_EQ(agendas, progress);
          return Status::Ok();
        });
        EXPECT_TRUE(read.ok()) << read.message();
        ++reads;
      } while (writing.load());
    });
  }
  for (auto& writer : writers) writer.join();
  writing = false;
  for (auto& reader : readers) reader.join();

  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Count(ObjectKind::kAgenda, Everything()), kWriters * kWritesPerWriter);
}

TEST_P(StoreContractTest, ConcurrentReadsDoNotWaitForEachOther) {
  std::promise<void> first_in;
  std::promise<void> second_in;
  auto read_while_other_reads = [&](std::promise<void>& mine, std::promise<void>& other) {
    std::future<void> other_in = other.get_future();
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_RETURN_IF_ERROR(reader.Count(ObjectKind::kAgenda, Everything()).status());
      mine.set_value();
      if (other_in.wait_for(kNotBlocked) != std::future_status::ready) {
        ADD_FAILURE() << "a read waited for another read";
      }
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
  };
  std::thread first([&] { read_while_other_reads(first_in, second_in); });
  std::thread second([&] { read_while_other_reads(second_in, first_in); });
  first.join();
  second.join();
}

TEST_P(StoreContractTest, ReadReturnsTheClosuresError) {
  Status read =
      store_->Read([](StoreReader&) { return Status(ErrorCode::kPermissionDenied, "not yours"); });

  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(read.message(), "not yours");
}

// --- Ready agendas ---

TEST_P(StoreContractTest, ReadyAgendasAreListedOldestFirstAndDeletedPerAgenda) {
  ReadyAgenda r1 = Ready("r1", "A", 300);
  ReadyAgenda r2 = Ready("r2", "A", 100);
  r2.insight_id = "insight-2";
  r2.customer_id = "beta";
  ReadyAgenda r3 = Ready("r3", "A", 200);
  ReadyAgenda other = Ready("r4", "B", 50);
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    for (const auto& ready : {r1, r2, r3, other}) {
                      POP_RETURN_IF_ERROR(writer.AddReadyAgenda(ready));
                    }
                    return Status::Ok();
                  })
                  .ok());

  std::vector<ReadyAgenda> listed = ReadyOf("A");
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, "r2");
  EXPECT_EQ(listed[0].insight_id, "insight-2");
  EXPECT_EQ(listed[0].agenda_id, "A");
  EXPECT_EQ(listed[0].customer_id, "beta");
  EXPECT_EQ(listed[0].added, Timestamp::FromMillis(100));
  EXPECT_EQ(listed[1].id, "r3");
  EXPECT_EQ(listed[2].id, "r1");

  std::vector<int64_t> deleted;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    for (const char* agenda : {"A", "A", "unknown"}) {
                      POP_ASSIGN_OR_RETURN(int64_t n, writer.DeleteReadyAgendasOf(agenda));
                      deleted.push_back(n);
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_THAT(deleted, ElementsAre(3, 0, 0));
  EXPECT_THAT(ReadyOf("A"), IsEmpty());
  ASSERT_EQ(ReadyOf("B").size(), 1u);
  EXPECT_EQ(ReadyOf("B")[0].id, "r4");
}

TEST_P(StoreContractTest, ReadyAgendasListInArrivalOrderWithPriorityAndClaims) {
  ReadyAgenda first = Ready("r1", "A", 300);
  first.priority = 7;
  ReadyAgenda second = Ready("r2", "B", 100);
  second.claimed_by = "puller-1";
  second.lease_until = Timestamp::FromMillis(5000);
  second.not_before = Timestamp::FromMillis(4000);
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    POP_RETURN_IF_ERROR(writer.AddReadyAgenda(first));
                    return writer.AddReadyAgenda(second);
                  })
                  .ok());
  std::vector<ReadyAgenda> all;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& reader) -> Status {
                    POP_ASSIGN_OR_RETURN(all, reader.ListReadyAgendas());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "r1");  // arrival order, not `added` order
  EXPECT_EQ(all[0].priority, 7);
  EXPECT_FALSE(all[0].claimed_by.has_value());
  EXPECT_LT(all[0].sequence, all[1].sequence);
  EXPECT_EQ(all[1].claimed_by, "puller-1");
  EXPECT_EQ(all[1].lease_until, Timestamp::FromMillis(5000));
  EXPECT_EQ(all[1].not_before, Timestamp::FromMillis(4000));
  EXPECT_FALSE(all[0].not_before.has_value());
}

TEST_P(StoreContractTest, ReleaseAllClaimsClearsEveryClaimOfASoleServerAndIsRefusedWhenShared) {
  ASSERT_TRUE(
      store_
          ->Write([&](StoreWriter& w) -> Status {
            POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r1", "A", 1)));
            POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r2", "B", 2)));
            POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r3", "C", 3)));
            POP_RETURN_IF_ERROR(w.SetReadyClaim("r1", std::string("p"), Timestamp::FromMillis(9)));
            POP_RETURN_IF_ERROR(w.SetReadyClaim("r3", std::string("q"), Timestamp::FromMillis(9)));
            return w.ConfirmReadyClaim("r3", "q", Timestamp::FromMillis(1)).status();
          })
          .ok());
  int64_t released = -1;
  Status status = store_->Write([&](StoreWriter& w) -> Status {
    POP_ASSIGN_OR_RETURN(released, w.ReleaseAllClaims());
    return Status::Ok();
  });
  if (GetParam().shared) {
    // The other servers' pullers hold claims too: nothing is released.
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");
    EXPECT_EQ(ReadyOf("C")[0].claimed_by, "q");
    EXPECT_TRUE(ReadyOf("C")[0].confirmed);
    return;
  }
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(released, 2);
  for (const char* agenda : {"A", "B", "C"}) {
    EXPECT_FALSE(ReadyOf(agenda)[0].claimed_by.has_value()) << agenda;
    EXPECT_FALSE(ReadyOf(agenda)[0].lease_until.has_value()) << agenda;
    EXPECT_FALSE(ReadyOf(agenda)[0].confirmed) << agenda;
  }
}

TEST_P(StoreContractTest, ClaimsAreSetClearedAndRefusedForGoneEntries) {
  ASSERT_TRUE(
      store_->Write([&](StoreWriter& w) { return w.AddReadyAgenda(Ready("r1", "A", 1)); }).ok());
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) {
                    return w.SetReadyClaim("r1", std::string("p"), Timestamp::FromMillis(9));
                  })
                  .ok());
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");
  EXPECT_EQ(ReadyOf("A")[0].lease_until, Timestamp::FromMillis(9));
  ASSERT_TRUE(
      store_
          ->Write([&](StoreWriter& w) { return w.SetReadyClaim("r1", std::nullopt, std::nullopt); })
          .ok());
  EXPECT_FALSE(ReadyOf("A")[0].claimed_by.has_value());
  EXPECT_FALSE(ReadyOf("A")[0].lease_until.has_value());
  Status gone = store_->Write([&](StoreWriter& w) {
    return w.SetReadyClaim("nope", std::string("p"), Timestamp::FromMillis(9));
  });
  EXPECT_EQ(gone.code(), ErrorCode::kNotFound);
  std::vector<bool> deleted;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    for (const char* id : {"r1", "r1"}) {
                      POP_ASSIGN_OR_RETURN(bool d, w.DeleteReadyAgenda(id));
                      deleted.push_back(d);
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_THAT(deleted, ElementsAre(true, false));
  EXPECT_THAT(ReadyOf("A"), IsEmpty());
}

// --- Claims decided in the store (docs/design/scheduler.md) ---

TEST_P(StoreContractTest, ClaimReadyTakesAFreeEntryAndNeverOneAnotherHolds) {
  ASSERT_TRUE(
      store_->Write([&](StoreWriter& w) { return w.AddReadyAgenda(Ready("r1", "A", 1)); }).ok());
  std::vector<bool> won;
  auto claim = [&](const char* claimer, int64_t until, int64_t now) {
    ASSERT_TRUE(store_
                    ->Write([&](StoreWriter& w) -> Status {
                      POP_ASSIGN_OR_RETURN(bool taken,
                                           w.ClaimReady("r1", claimer, At(until), At(now)));
                      won.push_back(taken);
                      return Status::Ok();
                    })
                    .ok());
  };
  claim("p", 100, 10);  // unclaimed: taken
  claim("q", 200, 50);  // p's lease runs until 100: refused, unchanged
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");
  EXPECT_EQ(ReadyOf("A")[0].lease_until, At(100));
  claim("p", 150, 60);  // the holder again: extended
  EXPECT_EQ(ReadyOf("A")[0].lease_until, At(150));
  claim("q", 300, 150);  // the lease ended at 150: taken over
  EXPECT_THAT(won, ElementsAre(true, false, true, true));
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "q");
  EXPECT_EQ(ReadyOf("A")[0].lease_until, At(300));
}

TEST_P(StoreContractTest, DeleteConfirmedReadyAgendasOfKeepsUnconfirmedAndOtherAgendas) {
  std::vector<int64_t> deleted;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r1", "A", 1)));
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r2", "A", 2)));
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r3", "B", 3)));
                    for (const char* id : {"r1", "r3"}) {
                      POP_RETURN_IF_ERROR(w.ClaimReady(id, "p", At(100), At(10)).status());
                      POP_RETURN_IF_ERROR(w.ConfirmReadyClaim(id, "p", At(20)).status());
                    }
                    for (const char* agenda : {"A", "A", "unknown"}) {
                      POP_ASSIGN_OR_RETURN(int64_t n, w.DeleteConfirmedReadyAgendasOf(agenda));
                      deleted.push_back(n);
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_THAT(deleted, ElementsAre(1, 0, 0));
  ASSERT_EQ(ReadyOf("A").size(), 1u);
  EXPECT_EQ(ReadyOf("A")[0].id, "r2");
  ASSERT_EQ(ReadyOf("B").size(), 1u);
  EXPECT_TRUE(ReadyOf("B")[0].confirmed);
}

TEST_P(StoreContractTest, ClaimReadyRefusesConfirmedAndMissingEntries) {
  std::vector<bool> won;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r1", "A", 1)));
                    POP_ASSIGN_OR_RETURN(bool taken, w.ClaimReady("r1", "p", At(100), At(10)));
                    won.push_back(taken);
                    POP_ASSIGN_OR_RETURN(bool confirmed, w.ConfirmReadyClaim("r1", "p", At(20)));
                    won.push_back(confirmed);
                    // Confirmed: not even its holder claims it again, nor anyone after the lease.
                    for (const char* claimer : {"p", "q"}) {
                      POP_ASSIGN_OR_RETURN(taken, w.ClaimReady("r1", claimer, At(900), At(500)));
                      won.push_back(taken);
                    }
                    POP_ASSIGN_OR_RETURN(taken, w.ClaimReady("missing", "p", At(100), At(10)));
                    won.push_back(taken);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_THAT(won, ElementsAre(true, true, false, false, false));
  ASSERT_EQ(ReadyOf("A").size(), 1u);
  EXPECT_TRUE(ReadyOf("A")[0].confirmed);
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");
}

TEST_P(StoreContractTest, ReleaseReadyClaimEndsExactlyTheLeaseItNames) {
  std::vector<bool> released;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r1", "A", 1)));
                    POP_RETURN_IF_ERROR(w.ClaimReady("r1", "p", At(100), At(10)).status());
                    for (auto [claimer, until] : {std::pair{"q", 100}, std::pair{"p", 99}}) {
                      POP_ASSIGN_OR_RETURN(bool done,
                                           w.ReleaseReadyClaim("r1", claimer, At(until)));
                      released.push_back(done);
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");  // another holder, another lease: untouched
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_ASSIGN_OR_RETURN(bool done, w.ReleaseReadyClaim("r1", "p", At(100)));
                    released.push_back(done);
                    // A confirmed claim is the running execution's fence: never released so.
                    POP_RETURN_IF_ERROR(w.ClaimReady("r1", "q", At(400), At(300)).status());
                    POP_RETURN_IF_ERROR(w.ConfirmReadyClaim("r1", "q", At(310)).status());
                    POP_ASSIGN_OR_RETURN(done, w.ReleaseReadyClaim("r1", "q", At(400)));
                    released.push_back(done);
                    POP_ASSIGN_OR_RETURN(done, w.ReleaseReadyClaim("missing", "q", At(400)));
                    released.push_back(done);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_THAT(released, ElementsAre(false, false, true, false, false));
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "q");
  EXPECT_TRUE(ReadyOf("A")[0].confirmed);
}

TEST_P(StoreContractTest, ConfirmReadyClaimAcceptsOnlyTheHolderOfALiveOrConfirmedClaim) {
  std::vector<bool> passed;
  auto confirm = [&](const char* ready_id, const char* claimer, int64_t now) {
    ASSERT_TRUE(store_
                    ->Write([&](StoreWriter& w) -> Status {
                      POP_ASSIGN_OR_RETURN(bool ok,
                                           w.ConfirmReadyClaim(ready_id, claimer, At(now)));
                      passed.push_back(ok);
                      return Status::Ok();
                    })
                    .ok());
  };
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r1", "A", 1)));
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r2", "B", 2)));
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(Ready("r3", "C", 3)));
                    POP_RETURN_IF_ERROR(w.ClaimReady("r1", "p", At(100), At(10)).status());
                    return w.ClaimReady("r2", "p", At(100), At(10)).status();
                  })
                  .ok());
  confirm("r1", "q", 20);   // not the holder
  confirm("r2", "p", 100);  // the lease ended at 100
  confirm("r3", "p", 20);   // unclaimed
  confirm("gone", "p", 20);
  EXPECT_FALSE(ReadyOf("A")[0].confirmed);
  EXPECT_FALSE(ReadyOf("B")[0].confirmed);
  confirm("r1", "p", 99);    // the holder, in time: confirmed
  confirm("r1", "p", 5000);  // confirmed: the lease no longer matters
  confirm("r1", "q", 5000);
  EXPECT_THAT(passed, ElementsAre(false, false, false, false, true, true, false));
  EXPECT_TRUE(ReadyOf("A")[0].confirmed);
  EXPECT_EQ(ReadyOf("A")[0].claimed_by, "p");
}

TEST_P(StoreContractTest, ConfirmedFlagRoundTripsAndSetReadyClaimUnconfirms) {
  ReadyAgenda running = Ready("r1", "A", 1);
  running.claimed_by = "p";
  running.lease_until = At(100);
  running.confirmed = true;
  ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.AddReadyAgenda(running); }).ok());
  std::vector<ReadyAgenda> all;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(all, r.ListReadyAgendas());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].confirmed);
  ASSERT_TRUE(
      store_
          ->Write([&](StoreWriter& w) { return w.SetReadyClaim("r1", std::nullopt, std::nullopt); })
          .ok());
  EXPECT_FALSE(ReadyOf("A")[0].confirmed);
}

// Eight claimers on their own store instances (on PostgreSQL, their own connections: as eight
// servers), each going through one insight's 10,000 entries in the same order in batches, as
// schedulers sharing a store do: every entry is claimed exactly once.
TEST_P(StoreContractTest, EightConcurrentClaimersClaimEachOfTenThousandEntriesExactlyOnce) {
  constexpr size_t kEntries = 10'000;
  constexpr size_t kClaimers = 8;
  constexpr size_t kBatch = 50;
  std::vector<std::string> ids;
  for (size_t i = 0; i < kEntries; ++i) ids.push_back("r" + std::to_string(i));
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    for (size_t i = 0; i < kEntries; ++i) {
                      POP_RETURN_IF_ERROR(w.AddReadyAgenda(
                          Ready(ids[i], "a" + std::to_string(i), static_cast<int64_t>(i))));
                    }
                    return Status::Ok();
                  })
                  .ok());
  std::vector<std::unique_ptr<Store>> stores;
  for (size_t c = 0; c < kClaimers; ++c) {
    Result<std::unique_ptr<Store>> opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    stores.push_back(std::move(opened).value());
  }
  std::vector<std::vector<std::string>> won(kClaimers);
  std::vector<Status> failures(kClaimers);
  std::atomic<size_t> ready_to_go{0};
  std::vector<std::thread> threads;
  for (size_t c = 0; c < kClaimers; ++c) {
    threads.emplace_back([&, c] {
      const std::string claimer = "claimer-" + std::to_string(c);
      ready_to_go.fetch_add(1);
      while (ready_to_go.load() < kClaimers) std::this_thread::yield();
      for (size_t begin = 0; begin < kEntries && failures[c].ok(); begin += kBatch) {
        std::vector<std::string> batch_won;
        failures[c] = stores[c]->Write([&](StoreWriter& w) -> Status {
          batch_won.clear();
          for (size_t i = begin; i < std::min(kEntries, begin + kBatch); ++i) {
            POP_ASSIGN_OR_RETURN(bool taken, w.ClaimReady(ids[i], claimer, At(1'000'000), At(1)));
            if (taken) batch_won.push_back(ids[i]);
          }
          return Status::Ok();
        });
        if (failures[c].ok()) won[c].insert(won[c].end(), batch_won.begin(), batch_won.end());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::map<std::string, std::string> holder;
  size_t total = 0;
  for (size_t c = 0; c < kClaimers; ++c) {
    ASSERT_TRUE(failures[c].ok()) << failures[c].message();
    total += won[c].size();
    for (const std::string& id : won[c]) {
      EXPECT_TRUE(holder.emplace(id, "claimer-" + std::to_string(c)).second)
          << id << " was claimed twice";
    }
  }
  EXPECT_EQ(total, kEntries);
  EXPECT_EQ(holder.size(), kEntries);
  std::vector<ReadyAgenda> rows;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(rows, r.ListReadyAgendas());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(rows.size(), kEntries);
  for (const ReadyAgenda& row : rows) {
    ASSERT_TRUE(row.claimed_by.has_value()) << row.id;
    EXPECT_EQ(*row.claimed_by, holder[row.id]) << row.id;
  }
}

TEST_P(StoreContractTest, ScheduleInfoIsStoredPerInsightAndSurvivesReopen) {
  InsightScheduleInfo info;
  info.insight_id = "insight-1";
  info.pending_customer_ids = {"c", "a"};
  info.last_executed = Timestamp::FromMillis(42);
  ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.PutScheduleInfo(info); }).ok());
  info.pending_customer_ids = {"b"};
  ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.PutScheduleInfo(info); }).ok());
  Reopen();
  std::optional<InsightScheduleInfo> read;
  std::optional<InsightScheduleInfo> missing;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(read, r.GetScheduleInfo("insight-1"));
                    POP_ASSIGN_OR_RETURN(missing, r.GetScheduleInfo("insight-2"));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(read.has_value());
  EXPECT_THAT(read->pending_customer_ids, ElementsAre("b"));
  EXPECT_EQ(read->last_executed, Timestamp::FromMillis(42));
  EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreContractTest, OperationLogsAppendAndKeepTheNewestBytes) {
  auto append = [&](const std::string& text, size_t max) {
    return store_->Write([&](StoreWriter& w) {
      return w.AppendOperationLog("p-a", text, max, Timestamp::FromMillis(7));
    });
  };
  ASSERT_TRUE(append("line 1\n", 100).ok());
  ASSERT_TRUE(append("line 2\n", 100).ok());
  std::optional<OperationLog> log;
  std::optional<OperationLog> none;
  auto read = [&] {
    ASSERT_TRUE(store_
                    ->Read([&](StoreReader& r) -> Status {
                      POP_ASSIGN_OR_RETURN(log, r.GetOperationLog("p-a"));
                      POP_ASSIGN_OR_RETURN(none, r.GetOperationLog("p-b"));
                      return Status::Ok();
                    })
                    .ok());
  };
  read();
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->text, "line 1\nline 2\n");
  EXPECT_EQ(log->dropped_bytes, 0);
  EXPECT_EQ(log->updated, Timestamp::FromMillis(7));
  EXPECT_FALSE(none.has_value());
  ASSERT_TRUE(append("line 3\n", 10).ok());
  read();
  EXPECT_EQ(log->text, "line 3\n");  // cut at a line start
  EXPECT_EQ(log->dropped_bytes, 14);
}

TEST_P(StoreContractTest, DeleteOperationLogRemovesOnlyThatLog) {
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AppendOperationLog("p-a", "a\n", 100, Timestamp()));
                    return w.AppendOperationLog("p-b", "b\n", 100, Timestamp());
                  })
                  .ok());
  bool first = false;
  bool again = true;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_ASSIGN_OR_RETURN(first, w.DeleteOperationLog("p-a"));
                    POP_ASSIGN_OR_RETURN(again, w.DeleteOperationLog("p-a"));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(first);
  EXPECT_FALSE(again);
  std::optional<OperationLog> a;
  std::optional<OperationLog> b;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(a, r.GetOperationLog("p-a"));
                    POP_ASSIGN_OR_RETURN(b, r.GetOperationLog("p-b"));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->text, "b\n");
}

// --- Maintenance: stale and expired objects, job leases ---

TEST_P(StoreContractTest, UpdatedBeforeSelectsStrictlyEarlierObjectsOnly) {
  auto progress = [](const std::string& id, std::optional<int64_t> updated) {
    AgendaProgress p = AgendaProgressWith(id, "agenda-" + id);
    p.updated_time =
        updated ? std::optional<Timestamp>(Timestamp::FromMillis(*updated)) : std::nullopt;
    return p;
  };
  PutAll({progress("p1", 100), progress("p2", 200), progress("p3", 300),
          progress("p4", std::nullopt)});
  ObjectQuery query = Everything();
  query.updated_before = Timestamp::FromMillis(300);
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("p1", "p2"));
  EXPECT_EQ(Count(ObjectKind::kAgendaProgress, query), 2);
  query.updated_before = Timestamp::FromMillis(100);
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), IsEmpty());
}

TEST_P(StoreContractTest, UpdatedSinceAndNewestFirstSelectTheLatestObjects) {
  auto progress = [](const std::string& id, std::optional<int64_t> updated) {
    AgendaProgress p = AgendaProgressWith(id, "agenda-" + id);
    p.updated_time =
        updated ? std::optional<Timestamp>(Timestamp::FromMillis(*updated)) : std::nullopt;
    return p;
  };
  PutAll({progress("p1", 100), progress("p2", 200), progress("p3", 300),
          progress("p4", std::nullopt)});
  ObjectQuery query = Everything();
  query.newest_first = true;
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("p4", "p3", "p2", "p1"));
  query.limit = 2;  // the limit keeps the newest
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("p4", "p3"));
  query.limit = 100;
  query.updated_since = Timestamp::FromMillis(200);  // at or after; no updatedTime never matches
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("p3", "p2"));
  EXPECT_EQ(Count(ObjectKind::kAgendaProgress, query), 2);
  query.newest_first = false;
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("p2", "p3"));
}

TEST_P(StoreContractTest, ProcessingStateAndUpdatedBeforeCombine) {
  auto progress = [](const std::string& id, ProcessingState state, int64_t updated) {
    AgendaProgress p = AgendaProgressWith(id, "agenda-" + id);
    p.processing_state = state;
    p.updated_time = Timestamp::FromMillis(updated);
    return p;
  };
  PutAll({progress("old-exec", ProcessingState::kExecuting, 100),
          progress("old-done", ProcessingState::kComplete, 100),
          progress("new-exec", ProcessingState::kExecuting, 900),
          progress("old-wait", ProcessingState::kWaiting, 100)});
  ObjectQuery query = FieldQuery({{"processingState", "EXECUTING"}});
  query.updated_before = Timestamp::FromMillis(500);
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("old-exec"));
  // A state change moves the object out of the selection.
  PutAll({progress("old-exec", ProcessingState::kComplete, 100)});
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), IsEmpty());
  query.equals = {{"processingState", "COMPLETE"}};
  EXPECT_THAT(FindIds(ObjectKind::kAgendaProgress, query), ElementsAre("old-exec", "old-done"));
}

TEST_P(StoreContractTest, JobLeaseHasOneHolderUntilItExpiresOrIsReleased) {
  auto acquire = [&](const std::string& holder, int64_t now, int64_t until) {
    bool acquired = false;
    Status status = store_->Write([&](StoreWriter& w) -> Status {
      POP_ASSIGN_OR_RETURN(acquired,
                           w.TryAcquireJobLease("reaper", holder, Timestamp::FromMillis(now),
                                                Timestamp::FromMillis(until)));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.message();
    return acquired;
  };
  EXPECT_TRUE(acquire("a", 0, 100));
  EXPECT_FALSE(acquire("b", 50, 150));  // a holds it until 100
  EXPECT_TRUE(acquire("a", 60, 160));   // the holder extends it
  EXPECT_FALSE(acquire("b", 159, 259));
  EXPECT_TRUE(acquire("b", 160, 260));  // expired: another takes over
  EXPECT_FALSE(acquire("a", 170, 270));
  // Another job's lease is independent.
  bool other = false;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_ASSIGN_OR_RETURN(
                        other, w.TryAcquireJobLease("reclaimer", "a", Timestamp::FromMillis(170),
                                                    Timestamp::FromMillis(270)));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(other);
  // Releasing by a non-holder changes nothing; by the holder frees it at once.
  ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.ReleaseJobLease("reaper", "a"); }).ok());
  EXPECT_FALSE(acquire("a", 180, 280));
  ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.ReleaseJobLease("reaper", "b"); }).ok());
  EXPECT_TRUE(acquire("a", 181, 281));
}

TEST_P(StoreContractTest, JobLeaseSurvivesReopening) {
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    return w
                        .TryAcquireJobLease("reaper", "a", Timestamp::FromMillis(0),
                                            Timestamp::FromMillis(100))
                        .status();
                  })
                  .ok());
  Reopen();
  bool acquired = true;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_ASSIGN_OR_RETURN(
                        acquired, w.TryAcquireJobLease("reaper", "b", Timestamp::FromMillis(10),
                                                       Timestamp::FromMillis(110)));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(acquired);
}

// --- Tokens ---

TEST_P(StoreContractTest, TokensAreFoundByHashAndCounted) {
  ApiToken super = Token("t2", "hash-2");
  super.super_user = true;
  super.accounts.clear();
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    POP_RETURN_IF_ERROR(writer.AddToken(Token("t1", "hash-1")));
                    return writer.AddToken(super);
                  })
                  .ok());

  Status read = store_->Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value());
    if (found.has_value()) {
      EXPECT_EQ(found->id, "t1");
      EXPECT_EQ(found->secret_hash, "hash-1");
      EXPECT_THAT(found->accounts, ElementsAre("acme", "Beta"));
      EXPECT_FALSE(found->super_user);
      EXPECT_EQ(found->title, "token t1");
      EXPECT_EQ(found->created, Timestamp::FromMillis(1'700'000'000'000));
    }
    POP_ASSIGN_OR_RETURN(auto found_super, reader.FindTokenByHash("hash-2"));
    EXPECT_TRUE(found_super.has_value() && found_super->super_user &&
                found_super->accounts.empty());
    POP_ASSIGN_OR_RETURN(auto unknown, reader.FindTokenByHash("HASH-1"));
    EXPECT_FALSE(unknown.has_value());
    POP_ASSIGN_OR_RETURN(int64_t count, reader.CountTokens());
    EXPECT_EQ(count, 2);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, TokenWithExistingIdOrHashIsAConflict) {
  ASSERT_TRUE(
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t1", "hash-1")); })
          .ok());

  Status same_id =
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t1", "hash-9")); });
  Status same_hash =
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t9", "hash-1")); });

  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.code(), ErrorCode::kConflict);
  ASSERT_FALSE(same_hash.ok());
  EXPECT_EQ(same_hash.code(), ErrorCode::kConflict);
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(int64_t count, reader.CountTokens());
    EXPECT_EQ(count, 1);
    POP_ASSIGN_OR_RETURN(auto by_new_hash, reader.FindTokenByHash("hash-9"));
    EXPECT_FALSE(by_new_hash.has_value());
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, TokenExpiryLastUseRevocationAndPendingAccountsRoundTrip) {
  ApiToken token = Token("t1", "hash-1");
  token.expires_at = Timestamp::FromMillis(1'800'000'000'000);
  token.last_used = Timestamp::FromMillis(1'700'000'000'500);
  token.pending_accounts = {"Beta"};
  ASSERT_TRUE(store_->Write([&](StoreWriter& writer) { return writer.AddToken(token); }).ok());

  Status read = store_->Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value());
    if (found.has_value()) {
      EXPECT_EQ(found->expires_at, token.expires_at);
      EXPECT_EQ(found->last_used, token.last_used);
      EXPECT_FALSE(found->revoked_at.has_value());
      EXPECT_THAT(found->pending_accounts, ElementsAre("Beta"));
    }
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, TokenWithoutOptionalTimesHasNone) {
  ASSERT_TRUE(
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t1", "hash-1")); })
          .ok());

  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value() && !found->expires_at && !found->last_used &&
                !found->revoked_at && found->pending_accounts.empty());
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, ListTokensReturnsEveryTokenOldestFirst) {
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) -> Status {
                    POP_RETURN_IF_ERROR(writer.AddToken(Token("t2", "hash-2")));
                    POP_RETURN_IF_ERROR(writer.AddToken(Token("t1", "hash-1")));
                    POP_RETURN_IF_ERROR(writer.AddToken(Token("t3", "hash-3")));
                    return writer.RevokeToken("t1", Timestamp::FromMillis(9)).status();
                  })
                  .ok());

  std::vector<std::string> ids;
  std::vector<bool> revoked;
  Status read = store_->Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto tokens, reader.ListTokens());
    for (const ApiToken& token : tokens) {
      ids.push_back(token.id);
      revoked.push_back(token.revoked_at.has_value());
    }
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_THAT(ids, ElementsAre("t2", "t1", "t3"));
  EXPECT_THAT(revoked, ElementsAre(false, true, false));
}

TEST_P(StoreContractTest, RevokeTokenKeepsTheFirstRevocationTime) {
  ASSERT_TRUE(
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t1", "hash-1")); })
          .ok());
  bool first = false;
  bool second = false;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    POP_ASSIGN_OR_RETURN(first, writer.RevokeToken("t1", Timestamp::FromMillis(5)));
                    POP_ASSIGN_OR_RETURN(second,
                                         writer.RevokeToken("t1", Timestamp::FromMillis(8)));
                    return Status::Ok();
                  })
                  .ok());

  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value());
    if (found.has_value()) {
      EXPECT_EQ(found->revoked_at, Timestamp::FromMillis(5));
    }
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, RevokeUnknownTokenReturnsFalseAndChangesNothing) {
  ASSERT_TRUE(
      store_->Write([](StoreWriter& writer) { return writer.AddToken(Token("t1", "hash-1")); })
          .ok());
  bool revoked = true;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    POP_ASSIGN_OR_RETURN(revoked,
                                         writer.RevokeToken("nope", Timestamp::FromMillis(5)));
                    return Status::Ok();
                  })
                  .ok());

  EXPECT_FALSE(revoked);
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value() && !found->revoked_at);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_P(StoreContractTest, RecordTokenUseSetsLastUsedAndPendingAccounts) {
  ApiToken token = Token("t1", "hash-1");
  token.pending_accounts = {"acme", "Beta"};
  ASSERT_TRUE(store_->Write([&](StoreWriter& writer) { return writer.AddToken(token); }).ok());

  Status used = store_->Write([](StoreWriter& writer) {
    return writer.RecordTokenUse("t1", Timestamp::FromMillis(42), {"Beta"});
  });
  Status unknown = store_->Write([](StoreWriter& writer) {
    return writer.RecordTokenUse("nope", Timestamp::FromMillis(42), {});
  });

  EXPECT_TRUE(used.ok()) << used.message();
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.code(), ErrorCode::kNotFound);
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto found, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(found.has_value());
    if (found.has_value()) {
      EXPECT_EQ(found->last_used, Timestamp::FromMillis(42));
      EXPECT_THAT(found->pending_accounts, ElementsAre("Beta"));
      EXPECT_THAT(found->accounts, ElementsAre("acme", "Beta"));
    }
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

// --- Idempotency keys ---

TEST_P(StoreContractTest, IdempotencyKeyRecordsFirstAgendaPerCustomer) {
  auto add = [&](const std::string& customer, const std::string& key, const std::string& agenda) {
    return store_->Write([&](StoreWriter& writer) {
      return writer.AddIdempotencyKey(customer, key, agenda, Timestamp::FromMillis(5));
    });
  };
  ASSERT_TRUE(add("acme", "k1", "agenda-1").ok());

  Status duplicate = add("acme", "k1", "agenda-2");
  Status other_customer = add("beta", "k1", "agenda-3");

  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.code(), ErrorCode::kConflict);
  EXPECT_TRUE(other_customer.ok()) << other_customer.message();
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto acme, reader.FindIdempotentAgenda("acme", "k1"));
    EXPECT_EQ(acme, std::optional<std::string>("agenda-1"));
    POP_ASSIGN_OR_RETURN(auto beta, reader.FindIdempotentAgenda("beta", "k1"));
    EXPECT_EQ(beta, std::optional<std::string>("agenda-3"));
    POP_ASSIGN_OR_RETURN(auto other_case, reader.FindIdempotentAgenda("Acme", "k1"));
    EXPECT_FALSE(other_case.has_value());
    POP_ASSIGN_OR_RETURN(auto other_key, reader.FindIdempotentAgenda("acme", "k2"));
    EXPECT_FALSE(other_key.has_value());
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

// --- Durability across reopening ---

TEST_P(StoreContractTest, ReopenedStoreHasEverythingWrittenBefore) {
  std::vector<DataObject> samples;
  for (ObjectKind kind : kAllObjectKinds) {
    samples.push_back(FullSample(kind, "first", "acme"));
    samples.push_back(FullSample(kind, "second", "beta"));
  }
  PutAll(samples);
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) -> Status {
                    POP_RETURN_IF_ERROR(writer.AddReadyAgenda(Ready("r1", "first", 7)));
                    POP_RETURN_IF_ERROR(writer.AddToken(Token("t1", "hash-1")));
                    return writer.AddIdempotencyKey("acme", "k1", "first",
                                                    Timestamp::FromMillis(7));
                  })
                  .ok());

  Reopen();
  ASSERT_NE(store_, nullptr);

  for (const DataObject& sample : samples) {
    std::optional<DataObject> stored = Get(KindOf(sample), *BaseOf(sample).id);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(TextOf(*stored), TextOf(sample));
  }
  PutAll({AgendaWith("third", "acme")});
  EXPECT_THAT(FindIds(ObjectKind::kAgenda, Everything()), ElementsAre("first", "second", "third"));
  EXPECT_THAT(FindIds(ObjectKind::kInsight, QueryWith(AccountsScope({"beta"}))),
              ElementsAre("second"));
  EXPECT_EQ(ReadyOf("first").size(), 1u);
  Status read = store_->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto token, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(token.has_value());
    POP_ASSIGN_OR_RETURN(auto agenda, reader.FindIdempotentAgenda("acme", "k1"));
    EXPECT_EQ(agenda, std::optional<std::string>("first"));
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
}

AuditRecord AuditAt(int64_t millis, const std::string& token, const std::string& account) {
  AuditRecord record;
  record.time = Timestamp::FromMillis(millis);
  record.token_id = token;
  record.accounts = {account};
  record.method = "POST";
  record.route = "/pop/agenda";
  record.object_ids = {"a-" + std::to_string(millis)};
  record.status = 200;
  record.correlation_id = "cid-" + std::to_string(millis);
  return record;
}

TEST_P(StoreContractTest, AuditRecordsAreListedNewestFirstAndFiltered) {
  Status added = store_->Write([](StoreWriter& writer) {
    return writer.AddAuditRecords({AuditAt(1000, "t-1", "acme"), AuditAt(2000, "t-2", "globex"),
                                   AuditAt(3000, "t-1", "acme")});
  });
  ASSERT_TRUE(added.ok()) << added.message();
  auto find = [&](AuditQuery query) {
    std::vector<AuditRecord> found;
    Status read = store_->Read([&](StoreReader& reader) -> Status {
      POP_ASSIGN_OR_RETURN(found, reader.FindAuditRecords(query));
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.message();
    std::vector<std::string> cids;
    for (const auto& record : found) cids.push_back(record.correlation_id);
    return cids;
  };

  EXPECT_EQ(find({}), (std::vector<std::string>{"cid-3000", "cid-2000", "cid-1000"}));
  EXPECT_EQ(find({Timestamp::FromMillis(2000), std::nullopt, 100}),
            (std::vector<std::string>{"cid-3000", "cid-2000"}));
  EXPECT_EQ(find({std::nullopt, "acme", 100}), (std::vector<std::string>{"cid-3000", "cid-1000"}));
  EXPECT_EQ(find({std::nullopt, "t-2", 100}), (std::vector<std::string>{"cid-2000"}));
  EXPECT_EQ(find({std::nullopt, std::nullopt, 1}), (std::vector<std::string>{"cid-3000"}));

  std::vector<AuditRecord> all;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& reader) -> Status {
                    POP_ASSIGN_OR_RETURN(all, reader.FindAuditRecords({}));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(all.size(), 3u);
  const AuditRecord expected = AuditAt(3000, "t-1", "acme");
  EXPECT_EQ(all[0].time, expected.time);
  EXPECT_EQ(all[0].token_id, expected.token_id);
  EXPECT_EQ(all[0].accounts, expected.accounts);
  EXPECT_EQ(all[0].method, expected.method);
  EXPECT_EQ(all[0].route, expected.route);
  EXPECT_EQ(all[0].object_ids, expected.object_ids);
  EXPECT_EQ(all[0].status, 200);
  EXPECT_GT(all[0].sequence, all[1].sequence);
}

TEST_P(StoreContractTest, DeleteAuditRecordsBeforeRemovesOnlyOlderOnesInBatches) {
  ASSERT_TRUE(store_
                  ->Write([](StoreWriter& writer) {
                    return writer.AddAuditRecords({AuditAt(1000, "t", "a"), AuditAt(2000, "t", "a"),
                                                   AuditAt(3000, "t", "a")});
                  })
                  .ok());
  int64_t first = -1;
  int64_t second = -1;
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& writer) -> Status {
                    POP_ASSIGN_OR_RETURN(
                        first, writer.DeleteAuditRecordsBefore(Timestamp::FromMillis(3000), 1));
                    POP_ASSIGN_OR_RETURN(
                        second, writer.DeleteAuditRecordsBefore(Timestamp::FromMillis(3000), 10));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  std::vector<AuditRecord> left;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& reader) -> Status {
                    POP_ASSIGN_OR_RETURN(left, reader.FindAuditRecords({}));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].correlation_id, "cid-3000");
}

INSTANTIATE_TEST_SUITE_P(AllStores, StoreContractTest, ::testing::ValuesIn(AllStoreFactories()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pop::testing
