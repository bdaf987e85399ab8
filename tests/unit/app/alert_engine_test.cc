// AlertEngine: thresholds (alert.count.threshold: N consecutive failures), duplicate suppression
// while a condition lasts, the resolved notice, the UI link, and the lists the API shows.
#include "app/alerts/alert_engine.h"

#include <gtest/gtest.h>

#include <vector>

#include "fakes/fake_clock.h"

namespace pop::app {
namespace {

class AlertEngineTest : public ::testing::Test {
 protected:
  AlertEngine MakeEngine(AlertEngineOptions options) {
    return AlertEngine(clock_, std::move(options),
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

  testing::FakeClock clock_;
  std::vector<AlertNotice> notices_;
};

TEST_F(AlertEngineTest, AlertsOnlyAfterThresholdConsecutiveFailures) {
  AlertEngineOptions options;
  options.default_threshold = 3;
  AlertEngine engine = MakeEngine(options);
  const Timestamp first = clock_.Now();
  engine.Failure(Failing("i/acme", "a1"));
  clock_.Advance(Duration::Seconds(1));
  engine.Failure(Failing("i/acme", "a2"));
  EXPECT_TRUE(notices_.empty());
  EXPECT_TRUE(engine.Current().empty());
  clock_.Advance(Duration::Seconds(1));
  engine.Failure(Failing("i/acme", "a3"));
  ASSERT_EQ(notices_.size(), 1u);
  const Alert& alert = notices_[0].alert;
  EXPECT_EQ(notices_[0].transition, AlertTransition::kFiring);
  EXPECT_EQ(alert.id, "agendaFailed/i/acme");
  EXPECT_EQ(alert.count, 3);
  EXPECT_EQ(alert.first_seen, first);
  EXPECT_EQ(alert.last_seen, first + Duration::Seconds(2));
  EXPECT_EQ(alert.subject.agenda_id, "a3");  // the latest Agenda
  EXPECT_EQ(engine.Current().size(), 1u);
}

TEST_F(AlertEngineTest, APassBeforeTheThresholdStartsTheStreakAgain) {
  AlertEngine engine = MakeEngine({});  // threshold 2, the original's default
  engine.Failure(Failing("k"));
  engine.Pass(AlertRule::kAgendaFailed, "k");
  engine.Failure(Failing("k"));
  EXPECT_TRUE(notices_.empty());
  engine.Failure(Failing("k"));
  EXPECT_EQ(notices_.size(), 1u);
}

TEST_F(AlertEngineTest, DuplicatesAreSuppressedWhileTheConditionLasts) {
  AlertEngineOptions options;
  options.thresholds[AlertRule::kAgendaFailed] = 1;
  AlertEngine engine = MakeEngine(options);
  for (int i = 0; i < 5; ++i) {
    engine.Failure(Failing("k", "a" + std::to_string(i)));
    clock_.Advance(Duration::Seconds(10));
  }
  ASSERT_EQ(notices_.size(), 1u);
  ASSERT_EQ(engine.Current().size(), 1u);
  EXPECT_EQ(engine.Current()[0].count, 5);  // the list shows the count growing
  EXPECT_EQ(engine.Current()[0].subject.agenda_id, "a4");
}

TEST_F(AlertEngineTest, ResolvesOnceWithTheTimesAndKeepsItInRecent) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  AlertEngine engine = MakeEngine(options);
  engine.Failure(Failing("k", "a1"));
  clock_.Advance(Duration::Minutes(1));
  engine.Pass(AlertRule::kAgendaFailed, "k");
  engine.Pass(AlertRule::kAgendaFailed, "k");  // nothing more to say
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[1].transition, AlertTransition::kResolved);
  ASSERT_TRUE(notices_[1].alert.resolved_at.has_value());
  EXPECT_EQ(*notices_[1].alert.resolved_at, clock_.Now());
  EXPECT_TRUE(engine.Current().empty());
  ASSERT_EQ(engine.Recent().size(), 1u);
  EXPECT_FALSE(engine.Recent()[0].firing());
}

TEST_F(AlertEngineTest, PassingAConditionThatNeverAlertedSaysNothing) {
  AlertEngine engine = MakeEngine({});
  engine.Failure(Failing("k"));
  engine.Pass(AlertRule::kAgendaFailed, "k");
  EXPECT_TRUE(notices_.empty());
  EXPECT_TRUE(engine.Recent().empty());
}

TEST_F(AlertEngineTest, EvaluatePassesEveryConditionOfTheRuleNotListed) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  AlertEngine engine = MakeEngine(options);
  AlertObservation a = Failing("a");
  a.rule = AlertRule::kQueueWait;
  AlertObservation b = Failing("b");
  b.rule = AlertRule::kQueueWait;
  engine.Failure(Failing("other-rule"));
  engine.Evaluate(AlertRule::kQueueWait, {a, b});
  EXPECT_EQ(engine.Current().size(), 3u);
  engine.Evaluate(AlertRule::kQueueWait, {b});
  ASSERT_EQ(engine.Current().size(), 2u);
  ASSERT_EQ(notices_.back().transition, AlertTransition::kResolved);
  EXPECT_EQ(notices_.back().alert.id, "queueWait/a");
  engine.Evaluate(AlertRule::kQueueWait, {});
  ASSERT_EQ(engine.Current().size(), 1u);
  EXPECT_EQ(engine.Current()[0].rule, AlertRule::kAgendaFailed);  // another rule is untouched
}

TEST_F(AlertEngineTest, AgendaAlertsLinkToTheAgendaInTheUi) {
  AlertEngineOptions options;
  options.default_threshold = 1;
  options.ui_base_url = "https://pop.example.com/";
  AlertEngine engine = MakeEngine(options);
  engine.Failure(Failing("k", "agenda-7"));
  AlertObservation no_agenda = Failing("k2");
  engine.Failure(no_agenda);
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[0].alert.agenda_url, "https://pop.example.com/ui/agendas/agenda-7");
  EXPECT_EQ(notices_[1].alert.agenda_url, "");
}

TEST_F(AlertEngineTest, EventRulesCountEveryFailureTowardsTheThreshold) {
  AlertEngineOptions options;
  options.default_threshold = 3;
  AlertEngine engine = MakeEngine(options);
  AlertObservation reclaimed;
  reclaimed.rule = AlertRule::kReclaimed;
  reclaimed.key = "reclaimer";
  reclaimed.failures = 4;  // one run reclaimed four Agendas
  engine.Failure(reclaimed);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].alert.count, 4);
}

TEST(AlertRuleNameTest, NamesRoundTrip) {
  for (AlertRule rule : kAllAlertRules) EXPECT_EQ(ParseAlertRule(AlertRuleName(rule)), rule);
  EXPECT_FALSE(ParseAlertRule("agendafailed").has_value());
}

}  // namespace
}  // namespace pop::app
