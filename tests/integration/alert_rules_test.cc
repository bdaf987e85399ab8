// The alerting rules (docs/alerting.md) against a real server on SQLite with a fake clock: each
// rule fires after its threshold and clears when its condition does.
#include "app/alerts/alert_rules.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/alerts/alert_engine.h"
#include "app/alerts/insight_poll_recorder.h"
#include "core/codec/json_text.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

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

// The real store, counting its write transactions.
class CountingWritesStore final : public Store {
 public:
  CountingWritesStore(Store& store, int64_t& writes) : store_(store), writes_(writes) {}
  Status Read(const std::function<Status(StoreReader&)>& fn) override { return store_.Read(fn); }
  Status Write(const std::function<Status(StoreWriter&)>& fn) override {
    ++writes_;
    return store_.Write(fn);
  }

 private:
  Store& store_;
  int64_t& writes_;
};

class AlertRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.SetUpPoolFor("acme"); }

  void MakeRules(int64_t threshold, app::AlertRulesOptions options = {}) {
    app::AlertEngineOptions engine_options;
    engine_options.default_threshold = threshold;
    engine_options.ui_base_url = "https://pop.example.com";
    engine_ = std::make_unique<app::AlertEngine>(
        server_.store(), server_.clock(), engine_options,
        [this](const app::AlertNotice& notice) { notices_.push_back(notice); });
    app::Services services{store_, server_.clock(), server_.ids(), std::nullopt};
    rules_ =
        std::make_unique<app::AlertRules>(services, *engine_, options, [this] { return polls_; });
  }
  void RunRules() {
    Status status = rules_->RunOnce();
    ASSERT_TRUE(status.ok()) << status.message();
  }
  std::vector<app::Alert> Current() {
    Result<std::vector<app::Alert>> current = engine_->Current();
    EXPECT_TRUE(current.ok()) << current.error().message;
    return current.ok() ? *current : std::vector<app::Alert>{};
  }
  std::vector<std::string> Firing(app::AlertRule rule) {
    std::vector<std::string> keys;
    for (const app::Alert& alert : Current()) {
      if (alert.rule == rule) keys.push_back(alert.key);
    }
    return keys;
  }

  // Submits a one-attempt agenda; returns {agenda id, progress id}.
  std::pair<std::string, std::string> Submit() {
    auto reply = server_.Call("POST", "/agenda",
                              AgendaJson("acme", "", R"("params":{"maximumAttempts":1},)"), acme_);
    EXPECT_EQ(reply.status, 200);
    return {StringAt(reply.All()[0], "id"), StringAt(reply.All()[0], "progressId")};
  }
  void Claim() {
    auto reply =
        server_.Call("POST", "/resourcepool/service/getAgenda",
                     R"({"insightId":"insight-1","count":1,"waitSeconds":0,"pullerId":"p1"})",
                     server_.admin_token());
    EXPECT_EQ(AgendaIdsIn(reply).size(), 1u);
  }
  void Report(const std::string& progress_id, const std::string& state,
              const std::string& message) {
    auto reply = server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                              R"({"pullerId":"p1","agendaProgress":{"id":")" + progress_id +
                                  R"(","processingState":")" + state +
                                  R"(","processingStateMessage":")" + message +
                                  R"(","operationProgress":[{"operation":"a","processingState":")" +
                                  state + R"(","processingStateMessage":")" + message + R"("}]}})",
                              server_.admin_token());
    EXPECT_EQ(reply.status, 200) << ToJsonText(reply.body);
  }
  // Runs one agenda to its end; returns its id.
  std::string RunToEnd(const std::string& message) {
    auto [id, progress_id] = Submit();
    Claim();
    Report(progress_id, "EXECUTING", "Running Operations");
    Report(progress_id, "COMPLETE", message);
    return id;
  }
  void Advance(Duration d) {
    server_.queues().ProcessDue(server_.clock().Now() + d);
    server_.clock().Advance(d);
  }

  ApiServer server_;
  FailingWritesStore store_{server_.store()};
  std::string acme_ = server_.TokenFor({"acme"});
  std::map<std::string, std::optional<Timestamp>> polls_;
  std::vector<app::AlertNotice> notices_;
  std::unique_ptr<app::AlertEngine> engine_;
  std::unique_ptr<app::AlertRules> rules_;
};

TEST_F(AlertRulesTest, AgendaFailedAfterLastAttemptFiresAtThresholdAndClearsOnSuccess) {
  MakeRules(2);
  Advance(Duration::Seconds(1));
  const std::string first = RunToEnd("failed");
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kAgendaFailed).empty());  // one failure of two
  Advance(Duration::Seconds(1));
  const std::string second = RunToEnd("failed");
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kAgendaFailed), std::vector<std::string>{"insight-1/acme"});
  const app::Alert alert = Current()[0];
  EXPECT_EQ(alert.count, 2);
  EXPECT_EQ(alert.subject.agenda_id, second);
  EXPECT_EQ(alert.subject.customer_id, "acme");
  EXPECT_EQ(alert.agenda_url, "https://pop.example.com/ui/agendas/" + second);
  EXPECT_NE(alert.summary.find("failed after attempt 1 of 1"), std::string::npos) << alert.summary;

  RunRules();  // nothing new: still firing, no second notice
  EXPECT_EQ(notices_.size(), 1u);

  Advance(Duration::Seconds(1));
  RunToEnd("succeeded");
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kAgendaFailed).empty());
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_[1].transition, app::AlertTransition::kResolved);
}

// More Agendas finish between two rounds than a round reads: the rest is read by the next
// rounds from the stored cursor, none is skipped and none is counted twice, also by another
// server that leads the rules next.
TEST_F(AlertRulesTest, FinishedAgendasAreReadIncrementallyAcrossRoundsAndLeaders) {
  app::AlertRulesOptions options;
  options.scan_limit = 2;
  options.scan_pages = 1;
  options.operation_failures = 5;
  MakeRules(1, options);
  Advance(Duration::Seconds(1));
  for (int i = 0; i < 3; ++i) RunToEnd("failed");
  Advance(Duration::Seconds(1));
  for (int i = 0; i < 2; ++i) RunToEnd("failed");
  RunRules();  // two of five
  ASSERT_EQ(Current().size(), 1u);
  EXPECT_EQ(Current()[0].count, 2);
  RunRules();  // four of five
  EXPECT_EQ(Current()[0].count, 4);
  EXPECT_TRUE(Firing(app::AlertRule::kOperationTypeFailing).empty());  // four failures so far
  MakeRules(1, options);  // another server leads the rules now
  RunRules();
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kAgendaFailed), std::vector<std::string>{"insight-1/acme"});
  EXPECT_EQ(Current()[0].count, 5);
  ASSERT_EQ(Firing(app::AlertRule::kOperationTypeFailing), std::vector<std::string>{"sample"});
  EXPECT_EQ(notices_.size(), 2u);  // one "firing" each, the new leader repeated none
}

TEST_F(AlertRulesTest, OperationTypeFailingCountsWithinTheWindow) {
  app::AlertRulesOptions options;
  options.operation_failures = 2;
  options.operation_window = Duration::Seconds(60);
  MakeRules(1, options);
  Advance(Duration::Seconds(1));
  RunToEnd("failed");
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kOperationTypeFailing).empty());
  RunToEnd("failed");
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kOperationTypeFailing), std::vector<std::string>{"sample"});
  EXPECT_EQ(Current().back().subject.operation_type, "sample");
  Advance(Duration::Seconds(61));  // the failures leave the window
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kOperationTypeFailing).empty());
}

TEST_F(AlertRulesTest, QueueWaitFiresForTheOldestQueuedAgendaAndClearsWhenClaimed) {
  app::AlertRulesOptions options;
  options.queue_wait = Duration::Seconds(60);
  MakeRules(1, options);
  auto [id, progress_id] = Submit();
  Advance(Duration::Seconds(60));
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kQueueWait).empty());  // exactly T: not longer
  Advance(Duration::Seconds(1));
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kQueueWait), std::vector<std::string>{"insight-1"});
  EXPECT_EQ(Current().back().subject.agenda_id, id);
  Claim();
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kQueueWait).empty());
}

TEST_F(AlertRulesTest, PullerSilentFiresWhenNoPullerPolledAndClearsOnAPoll) {
  app::AlertRulesOptions options;
  options.puller_silence = Duration::Seconds(30);  // monitor.alive.lastRequestMilliseconds
  MakeRules(2, options);
  Submit();
  Advance(Duration::Seconds(31));
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kPullerSilent).empty());  // threshold 2
  Advance(Duration::Seconds(1));
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kPullerSilent), std::vector<std::string>{"insight-1"});
  EXPECT_NE(Current().back().summary.find("none since this server started"), std::string::npos);
  polls_["insight-1"] = server_.clock().Now();
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kPullerSilent).empty());
  // A puller that polled once and stopped is missed too, work queued or not.
  polls_["insight-2"] = server_.clock().Now();
  Advance(Duration::Seconds(31));
  polls_["insight-1"] = server_.clock().Now();
  RunRules();
  RunRules();
  EXPECT_EQ(Firing(app::AlertRule::kPullerSilent), std::vector<std::string>{"insight-2"});
}

// Polls answered by another server sharing the store reach this one through the store: the
// other server's InsightPollRecorder wrote them.
TEST_F(AlertRulesTest, PullerSilentCountsThePollsAnotherServerRecorded) {
  app::AlertRulesOptions options;
  options.puller_silence = Duration::Seconds(30);
  MakeRules(1, options);
  Submit();
  std::map<std::string, std::optional<Timestamp>> other_server_polls;
  app::InsightPollRecorder other_server(server_.store(), [&] { return other_server_polls; });
  Advance(Duration::Seconds(31));
  other_server_polls["insight-1"] = server_.clock().Now();
  ASSERT_TRUE(other_server.RecordOnce().ok());
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kPullerSilent).empty());
  Advance(Duration::Seconds(31));  // the other server's pullers stopped too
  RunRules();
  EXPECT_EQ(Firing(app::AlertRule::kPullerSilent), std::vector<std::string>{"insight-1"});
  EXPECT_EQ(Current().back().summary.find("none since"), std::string::npos);
}

// A poll is written once per run of the recorder however often it came, and a run without a
// new poll writes nothing.
TEST_F(AlertRulesTest, ThePollRecorderWritesOnlyNewPollsOncePerRun) {
  int64_t writes = 0;
  CountingWritesStore counting(server_.store(), writes);
  app::InsightPollRecorder recorder(counting, [this] { return polls_; });
  polls_["insight-1"] = server_.clock().Now();
  polls_["insight-2"] = std::nullopt;  // known, never polled
  ASSERT_TRUE(recorder.RecordOnce().ok());
  EXPECT_EQ(writes, 1);
  ASSERT_TRUE(recorder.RecordOnce().ok());
  EXPECT_EQ(writes, 1);  // nothing new
  Advance(Duration::Seconds(5));
  polls_["insight-2"] = server_.clock().Now();
  ASSERT_TRUE(recorder.RecordOnce().ok());
  EXPECT_EQ(writes, 2);
  std::vector<InsightPoll> stored;
  ASSERT_TRUE(server_.store()
                  .Read([&](StoreReader& tx) -> Status {
                    POP_ASSIGN_OR_RETURN(stored, tx.ListInsightPolls());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].insight_id, "insight-1");
  EXPECT_EQ(stored[1].last_poll, server_.clock().Now());
}

TEST_F(AlertRulesTest, ReclaimedFiresForAReclaimingRunAndClearsAfterAQuietOne) {
  MakeRules(1);
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kReclaimed).empty());
  rules_->RecordReclaimed(3);
  RunRules();
  ASSERT_EQ(Firing(app::AlertRule::kReclaimed), std::vector<std::string>{"reclaimer"});
  EXPECT_EQ(Current().back().count, 3);
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kReclaimed).empty());
}

// While writes fail the alert cannot be stored (the list shows it once the store takes writes
// again); the notices go out all the same.
TEST_F(AlertRulesTest, StoreWriteFailingFiresAfterConsecutiveFailuresAndClears) {
  MakeRules(2);
  store_.set_failing(true);
  RunRules();
  EXPECT_TRUE(notices_.empty());
  RunRules();
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].transition, app::AlertTransition::kFiring);
  EXPECT_EQ(notices_[0].alert.id, "storeWriteFailing/store");
  EXPECT_NE(notices_[0].alert.summary.find("database or disk is full"), std::string::npos);
  RunRules();
  EXPECT_EQ(notices_.size(), 1u);  // still failing: no duplicate
  store_.set_failing(false);
  RunRules();
  EXPECT_TRUE(Firing(app::AlertRule::kStoreWriteFailing).empty());
  ASSERT_EQ(notices_.size(), 2u);
  EXPECT_EQ(notices_.back().transition, app::AlertTransition::kResolved);
  Result<std::vector<app::Alert>> recent = engine_->Recent();
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].count, 3);
}

TEST_F(AlertRulesTest, ADisabledRuleIsNotEvaluated) {
  app::AlertRulesOptions options;
  options.disabled[app::AlertRule::kReclaimed] = true;
  MakeRules(1, options);
  rules_->RecordReclaimed(1);
  RunRules();
  EXPECT_TRUE(Current().empty());
}

}  // namespace
}  // namespace pop::testing
