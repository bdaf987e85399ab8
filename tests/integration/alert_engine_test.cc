// AlertEngine over a real store (SQLite): thresholds (alert.count.threshold: N consecutive
// failures), duplicate suppression while a condition lasts, the resolved notice, the UI link,
// the lists the API shows, and the state kept in the store: another engine over the same store
// (a restarted server, or the next leader) lists the same alerts and carries on the open ones.
#include "app/alerts/alert_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "integration/api_server_support.h"

namespace pop::app {
namespace {

using pop::testing::ApiServer;

// The real store, whose writes can be made to fail: a store whose disk filled up.
class FailingWritesStore final : public Store {
 public:
  explicit FailingWritesStore(Store& store) : store_(store) {}
  Status Read(const std::function<Status(StoreReader&)>& fn) override { return store_.Read(fn); }
  Status Write(const std::function<Status(StoreWriter&)>& fn) override {
    if (failing_) return Status(ErrorCode::kUnavailable, "database or disk is full");
    return store_.Write(fn);
  }
  void set_failing(bool failing) { failing_ = failing; }

 private:
  Store& store_;
  std::atomic<bool> failing_{false};
};

// A round's changes are stored, then its notices delivered; the tests end each change with it.
void Commit(AlertEngine& engine) {
  Status committed = engine.Commit();
  ASSERT_TRUE(committed.ok()) << committed.message();
}
void Begin(AlertEngine& engine) {
  Status begun = engine.Begin();
  ASSERT_TRUE(begun.ok()) << begun.message();
}
std::vector<Alert> Current(const AlertEngine& engine) {
  Result<std::vector<Alert>> current = engine.Current();
  EXPECT_TRUE(current.ok()) << current.error().message;
  return current.ok() ? *current : std::vector<Alert>{};
}
std::vector<Alert> Recent(const AlertEngine& engine) {
  Result<std::vector<Alert>> recent = engine.Recent();
  EXPECT_TRUE(recent.ok()) << recent.error().message;
  return recent.ok() ? *recent : std::vector<Alert>{};
}

class AlertEngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<AlertEngine> MakeEngine(AlertEngineOptions options) {
    return MakeEngineOn(server_.store(), std::move(options));
  }
  std::unique_ptr<AlertEngine> MakeEngineOn(Store& store, AlertEngineOptions options) {
    return std::make_unique<AlertEngine>(
        store, clock_, std::move(options),
        [this](const AlertNotice& notice) { notices_.push_back(notice); });
  }
  static AlertObservation Failing(const std::string& key, const std::string& agenda = "") {
    AlertObservation observation;
    observation.rule = AlertRule::kAgendaFailed;
    observation.key = key;
    observation.subject.insight_id = "insight-1";
    observation.subject.customer_id = "acme";
    observation.subject.agenda_id = agenda;
    observation.summary = "Agenda " + agenda + " failed";
    return observation;
  }

  ApiServer server_;
  pop::testing::FakeClock& clock_ = server_.clock();
  std::vector<AlertNotice> notices_;
};

TEST_F(AlertEngineTest, AlertsOnlyAfterThresholdConsecutiveFailures) {
  AlertEngineOptions options;
  options.default_threshold = 3;
  auto engine = MakeEngine(options);
  const Timestamp first = clock_.Now();
  engine->Failure(Failing("i/acme", "a1"));
  clock_.Advance(Duration::Seconds(1));
  engine->Failure(Failing("i/acme", "a2"));
  Commit(*engine);
  EXPECT_TRUE(notices_.empty());
  EXPECT_TRUE(Current(*engine).empty());
  clock_.Advance(Duration::Seconds(1));
  engine->Failure(Failing("i/acme", "a3"));
  EXPECT_TRUE(notices_.empty());  // delivered once the round is stored
  Commit(*engine);
  ASSERT_EQ(notices_.size(), 1u);
  const Alert& alert = notices_[0].alert;
  EXPECT_EQ(notices_[0].transition, AlertTransition::kFiring);
  EXPECT_EQ(alert.id, "agendaFailed/i/acme");
  EXPECT_EQ(alert.count, 3);
  EXPECT_EQ(alert.first_seen, first);
  EXPECT_EQ(alert.last_seen, first + Duration::Seconds(2));
  EXPECT_EQ(alert.subject.agenda_id, "a3");  // the latest Agenda
  ASSERT_EQ(Current(*engine).size(), 1u);
  EXPECT_EQ(Current(*engine)[0].id, "agendaFailed/i/acme");
  EXPECT_EQ(Current(*engine)[0].first_seen, first);
  EXPECT_EQ(Current(*engine)[0].summary, "Agenda a3 failed");
}

TEST_F(AlertEngineTest, APassBeforeTheThresholdStartsTheStreakAgain) {
  auto engine = MakeEngine({});  // threshold 2, the original's default
  engine->Failure(Failing("k"));
  engine->Pass(AlertRule::kAgendaFailed, "k");
  engine->Failure(Failing("k"));
  Commit(*engine);
  EXPECT_TRUE(notices_.empty());
  engine->Failure(Failing("k"));
  Commit(*engine);
  EXPECT_EQ(notices_.size(), 1u);
}

TEST_F(AlertEngineTest, DuplicatesAreSuppressedWhileTheConditionLasts) {
  AlertEngineOptions options;
  options.thresholds[AlertRule::kAgendaFailed] = 1;
  auto engine = MakeEngine(options);
  for (int i = 0; i < 5; ++i) {
    Begin(*engine);
    engine->Failure(Failing("k", "a" + std::to_string(i)));
    Commit(*engine);
    clock_.Advance(Duration::Seconds(10));
  }
  ASSERT_EQ(notices_.size(), 1u);
  ASSERT_EQ(Current(*engine).size(), 1u);
  EXPECT_EQ(Current(*engine)[0].count, 5);  // the list shows the count growing
  EXPECT_EQ(Current(*engine)[0].subject.agenda_id, "a4");
}

TEST_F(AlertEngineTest, ResolvesOnceWithTheTimesAndKeepsItInRecent) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  auto engine = MakeEngine(options);
  engine->Failure(Failing("k", "a1"));
  Commit(*engine);
  clock_.Advance(Duration::Minutes(1));
  Begin(*engine);
  engine->Pass(AlertRule::kAgendaFailed, "k");
  engine->Pass(AlertRule::kAgendaFailed, "k");  // nothing more to say
  Commit(*engine);
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[1].transition, AlertTransition::kResolved);
  ASSERT_TRUE(notices_[1].alert.resolved_at.has_value());
  EXPECT_EQ(*notices_[1].alert.resolved_at, clock_.Now());
  EXPECT_TRUE(Current(*engine).empty());
  ASSERT_EQ(Recent(*engine).size(), 1u);
  EXPECT_FALSE(Recent(*engine)[0].firing());
  EXPECT_EQ(Recent(*engine)[0].resolved_at, clock_.Now());
  EXPECT_EQ(Recent(*engine)[0].subject.agenda_id, "a1");
}

TEST_F(AlertEngineTest, PassingAConditionThatNeverAlertedSaysNothing) {
  auto engine = MakeEngine({});
  engine->Failure(Failing("k"));
  engine->Pass(AlertRule::kAgendaFailed, "k");
  Commit(*engine);
  EXPECT_TRUE(notices_.empty());
  EXPECT_TRUE(Recent(*engine).empty());
}

TEST_F(AlertEngineTest, EvaluatePassesEveryConditionOfTheRuleNotListed) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  auto engine = MakeEngine(options);
  AlertObservation a = Failing("a");
  a.rule = AlertRule::kQueueWait;
  AlertObservation b = Failing("b");
  b.rule = AlertRule::kQueueWait;
  engine->Failure(Failing("other-rule"));
  engine->Evaluate(AlertRule::kQueueWait, {a, b});
  Commit(*engine);
  EXPECT_EQ(Current(*engine).size(), 3u);
  engine->Evaluate(AlertRule::kQueueWait, {b});
  Commit(*engine);
  ASSERT_EQ(Current(*engine).size(), 2u);
  ASSERT_EQ(notices_.back().transition, AlertTransition::kResolved);
  EXPECT_EQ(notices_.back().alert.id, "queueWait/a");
  engine->Evaluate(AlertRule::kQueueWait, {});
  Commit(*engine);
  ASSERT_EQ(Current(*engine).size(), 1u);
  EXPECT_EQ(Current(*engine)[0].rule, AlertRule::kAgendaFailed);  // another rule is untouched
}

TEST_F(AlertEngineTest, AgendaAlertsLinkToTheAgendaInTheUi) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  options.ui_base_url = "https://pop.example.com/";
  auto engine = MakeEngine(options);
  engine->Failure(Failing("k", "agenda-7"));
  AlertObservation no_agenda = Failing("k2");
  engine->Failure(no_agenda);
  Commit(*engine);
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[0].alert.agenda_url, "https://pop.example.com/ui/agendas/agenda-7");
  EXPECT_EQ(notices_[1].alert.agenda_url, "");
  ASSERT_EQ(Current(*engine).size(), 2u);
  EXPECT_EQ(Current(*engine)[0].agenda_url, "https://pop.example.com/ui/agendas/agenda-7");
}

TEST_F(AlertEngineTest, EventRulesCountEveryFailureTowardsTheThreshold) {
  AlertEngineOptions options;
  options.default_threshold = 3;
  auto engine = MakeEngine(options);
  AlertObservation reclaimed;
  reclaimed.rule = AlertRule::kReclaimed;
  reclaimed.key = "reclaimer";
  reclaimed.failures = 4;  // one run reclaimed four Agendas
  engine->Failure(reclaimed);
  Commit(*engine);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].alert.count, 4);
}

// A restarted server, or the server that leads the rules next, is another engine over the same
// store: it lists what the first stored, does not announce an open alert again, and announces
// its end once.
TEST_F(AlertEngineTest, AnotherEngineOverTheStoreCarriesOnTheOpenAlerts) {
  AlertEngineOptions options;
  options.default_threshold = 2;
  auto first = MakeEngine(options);
  Begin(*first);
  first->Failure(Failing("firing", "a1"));
  first->Failure(Failing("firing", "a2"));
  first->Failure(Failing("counting", "a3"));  // one of two: not alerting yet
  Commit(*first);
  ASSERT_EQ(notices_.size(), 1u);
  first.reset();  // the server stops

  auto next = MakeEngine(options);
  ASSERT_EQ(Current(*next).size(), 1u);  // listed before it evaluates anything
  EXPECT_EQ(Current(*next)[0].id, "agendaFailed/firing");
  clock_.Advance(Duration::Seconds(30));
  Begin(*next);
  next->Failure(Failing("firing", "a4"));    // still failing: no second "firing"
  next->Failure(Failing("counting", "a5"));  // the streak carried on: two of two
  Commit(*next);
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[1].alert.id, "agendaFailed/counting");
  EXPECT_EQ(notices_[1].alert.count, 2);
  Begin(*next);
  next->Pass(AlertRule::kAgendaFailed, "firing");
  Commit(*next);
  ASSERT_EQ(notices_.size(), 3u);
  EXPECT_EQ(notices_[2].transition, AlertTransition::kResolved);
  EXPECT_EQ(notices_[2].alert.count, 3);
  ASSERT_EQ(Recent(*next).size(), 1u);
}

// Every server lists the same alerts: one that evaluates nothing reads the store.
TEST_F(AlertEngineTest, AServerThatDoesNotEvaluateListsWhatTheLeaderStored) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  auto leader = MakeEngine(options);
  auto other = MakeEngine(options);
  leader->Failure(Failing("k", "a1"));
  Commit(*leader);
  ASSERT_EQ(Current(*other).size(), 1u);
  EXPECT_EQ(Current(*other)[0].subject.customer_id, "acme");
  leader->Pass(AlertRule::kAgendaFailed, "k");
  Commit(*leader);
  EXPECT_TRUE(Current(*other).empty());
  EXPECT_EQ(Recent(*other).size(), 1u);
}

// The leader changes back and forth: Begin reloads what the other stored in between.
TEST_F(AlertEngineTest, BeginLoadsWhatAnotherLeaderStoredMeanwhile) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  auto a = MakeEngine(options);
  auto b = MakeEngine(options);
  Begin(*a);
  a->Failure(Failing("k"));
  Commit(*a);
  Begin(*b);
  b->Pass(AlertRule::kAgendaFailed, "k");  // b led and saw it clear
  Commit(*b);
  Begin(*a);
  a->Failure(Failing("k"));  // a leads again: a new alert, not a duplicate of the resolved one
  Commit(*a);
  ASSERT_EQ(notices_.size(), 3u);
  EXPECT_EQ(notices_[2].transition, AlertTransition::kFiring);
  EXPECT_EQ(notices_[2].alert.count, 1);
}

// The store refuses the round (the disk is full): the notices still go out, and the changes are
// stored by the first round the store accepts; nothing is announced twice.
TEST_F(AlertEngineTest, ARefusedCommitStillNotifiesAndStoresLater) {
  FailingWritesStore store(server_.store());
  AlertEngineOptions options;
  options.default_threshold = 1;
  auto engine = MakeEngineOn(store, options);
  store.set_failing(true);
  Begin(*engine);
  engine->Failure(Failing("k"));
  EXPECT_EQ(engine->Commit().code(), ErrorCode::kUnavailable);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_TRUE(Current(*engine).empty());
  Begin(*engine);  // keeps the unstored change
  engine->Failure(Failing("k"));
  EXPECT_EQ(engine->Commit().code(), ErrorCode::kUnavailable);
  store.set_failing(false);
  Begin(*engine);
  Commit(*engine);
  EXPECT_EQ(notices_.size(), 1u);
  ASSERT_EQ(Current(*engine).size(), 1u);
  EXPECT_EQ(Current(*engine)[0].count, 2);
}

TEST_F(AlertEngineTest, TheStoreKeepsTheRecentLimitOfResolvedAlerts) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  options.recent_limit = 2;
  auto engine = MakeEngine(options);
  for (const char* key : {"a", "b", "c"}) {
    engine->Failure(Failing(key));
    engine->Pass(AlertRule::kAgendaFailed, key);
    Commit(*engine);
    clock_.Advance(Duration::Seconds(1));
  }
  std::vector<Alert> recent = Recent(*engine);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].key, "c");  // newest first
  EXPECT_EQ(recent[1].key, "b");
}

TEST(AlertRuleNameTest, NamesRoundTrip) {
  for (AlertRule rule : kAllAlertRules) EXPECT_EQ(ParseAlertRule(AlertRuleName(rule)), rule);
  EXPECT_FALSE(ParseAlertRule("agendafailed").has_value());
}

}  // namespace
}  // namespace pop::app
