// The timed maintenance jobs (spec §17 as docs/operations.md describes them) against a real
// server on SQLite with a fake clock: the reclaimer, the data reaper, local recovery at start,
// and the runner's store lease.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/alerts/insight_poll_recorder.h"
#include "app/maintenance_jobs.h"
#include "app/maintenance_runner.h"
#include "app/metrics_registry.h"
#include "app/resource_pool_status.h"
#include "core/codec/json_text.h"
#include "integration/service_test_support.h"

namespace pop::testing {
namespace {

// The real registry, read back by the dotted names the jobs count under.
class CountingMetrics final : public MetricsSink {
 public:
  void Count(std::string_view name, int64_t delta) override { registry_.Count(name, delta); }
  void Add(const metrics::MetricDef& def, const metrics::LabelValues& labels,
           double delta) override {
    registry_.Add(def, labels, delta);
  }
  void Observe(const metrics::MetricDef& def, const metrics::LabelValues& labels,
               double seconds) override {
    registry_.Observe(def, labels, seconds);
  }
  int64_t Get(const std::string& name) {
    return static_cast<int64_t>(registry_.Value(metrics::PrometheusName(name) + "_total"));
  }

 private:
  app::MetricsRegistry registry_;
};

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.SetUpPoolFor("acme"); }

  app::Services services() {
    return app::Services{server_.store(), server_.clock(), server_.ids(), Duration::Seconds(5)};
  }
  app::MaintenanceDeps deps() { return {services(), server_.changes(), logger_, metrics_}; }

  // Submits a one-operation agenda; returns {agenda id, progress id}.
  std::pair<std::string, std::string> Submit(const std::string& extra = "") {
    auto reply = server_.Call("POST", "/agenda", AgendaJson("acme", "", extra), acme_);
    EXPECT_EQ(reply.status, 200);
    return {StringAt(reply.All()[0], "id"), StringAt(reply.All()[0], "progressId")};
  }
  ApiReply Claim() {
    return server_.Call("POST", "/resourcepool/service/getAgenda",
                        R"({"insightId":"insight-1","count":1,"waitSeconds":0,"pullerId":"p1"})",
                        server_.admin_token());
  }
  ApiReply Report(const std::string& progress_id, const std::string& state,
                  const std::string& message) {
    return server_.Call("POST", "/resourcepool/service/updateAgendaProgress",
                        R"({"pullerId":"p1","agendaProgress":{"id":")" + progress_id +
                            R"(","processingState":")" + state + R"(","processingStateMessage":")" +
                            message +
                            R"(","operationProgress":[{"operation":"a","processingState":")" +
                            state + R"(","processingStateMessage":")" + message + R"("}]}})",
                        server_.admin_token());
  }
  ApiReply Get(const std::string& path) {
    return server_.Call("GET", path, std::nullopt, server_.admin_token());
  }
  Json Progress(const std::string& progress_id) {
    return Get("/progress/agenda/" + progress_id).All()[0];
  }
  // Claims the next agenda and reports it EXECUTING; returns its progress id.
  std::string StartOne() {
    auto [id, progress_id] = Submit();
    EXPECT_EQ(AgendaIdsIn(Claim()), std::vector<std::string>{id});
    EXPECT_EQ(Report(progress_id, "EXECUTING", "Running Operations").status, 200);
    return progress_id;
  }
  void Advance(Duration d) {
    server_.queues().ProcessDue(server_.clock().Now() + d);
    server_.clock().Advance(d);
  }

  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
  NullLogger logger_;
  CountingMetrics metrics_;
};

// ---- AgendaReclaimer

TEST_F(MaintenanceTest, ReclaimerFailsAStaleExecutionAndTheRetryRuleRerunsIt) {
  const std::string progress_id = StartOne();
  app::AgendaReclaimer reclaimer(deps(), {});
  Advance(Duration::Minutes(5));  // exactly the age: not strictly older
  auto none = reclaimer.RunOnce();
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->reclaimed, 0);
  EXPECT_EQ(StringAt(Progress(progress_id), "processingState"), "EXECUTING");

  Advance(Duration::Millis(1));
  auto report = reclaimer.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->reclaimed, 1);
  EXPECT_EQ(report->retried, 1);
  Json progress = Progress(progress_id);
  // Failed once (attempt counted), then put back by the retry rule.
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(progress.Find("attemptsCompleted")->AsInt(), 1);
  const Json* events = progress.Find("diagnosticEvents");
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(StringAt(events->AsArray().back(), "message"), "AgendaProgress timed out.");
  EXPECT_EQ(metrics_.Get("maintenance.reclaimer.reclaimed"), 1);
  EXPECT_EQ(metrics_.Get("maintenance.reclaimer.retried"), 1);

  // The dead executor's late report is refused: the agenda is back in its queue.
  EXPECT_EQ(Report(progress_id, "COMPLETE", "succeeded").status, 409);
  // After the backoff another puller gets it.
  Advance(Duration::Seconds(5));
  EXPECT_EQ(AgendaIdsIn(Claim()).size(), 1u);
}

TEST_F(MaintenanceTest, ReclaimerLeavesHeartbeatingWaitingAndFinishedAgendasAlone) {
  const std::string running = StartOne();
  const std::string finished = StartOne();
  ASSERT_EQ(Report(finished, "COMPLETE", "succeeded").status, 200);
  auto [waiting_id, waiting] = Submit(R"("params":{"doNotRun":true},)");
  app::AgendaReclaimer reclaimer(deps(), {});
  for (int i = 0; i < 4; ++i) {
    Advance(Duration::Minutes(2));
    ASSERT_EQ(Report(running, "EXECUTING", "Running Operations").status, 200);  // heartbeat
    auto report = reclaimer.RunOnce();
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->reclaimed, 0);
  }
  EXPECT_EQ(StringAt(Progress(running), "processingState"), "EXECUTING");
  EXPECT_EQ(StringAt(Progress(finished), "processingStateMessage"), "succeeded");
  EXPECT_EQ(StringAt(Progress(waiting), "processingState"), "WAITING");
}

TEST_F(MaintenanceTest, ReclaimerWithoutRetriesLeavesTheAgendaFailed) {
  const std::string progress_id = StartOne();
  app::Services no_retry = services();
  no_retry.retry_backoff.reset();
  app::AgendaReclaimer reclaimer({no_retry, server_.changes(), logger_, metrics_}, {});
  Advance(Duration::Minutes(6));
  ASSERT_TRUE(reclaimer.RunOnce().ok());
  Json progress = Progress(progress_id);
  EXPECT_EQ(StringAt(progress, "processingState"), "COMPLETE");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "failed");
}

TEST_F(MaintenanceTest, ReclaimerInLogOnlyModeChangesNothing) {
  StartOne();
  Advance(Duration::Minutes(6));
  const std::string before = server_.Snapshot();
  app::ReclaimerOptions log_only;
  log_only.log_only = true;
  app::AgendaReclaimer reclaimer(deps(), log_only);
  auto report = reclaimer.RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->reclaimed, 1);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(MaintenanceTest, ReclaimerWorksThroughMoreThanOneBatch) {
  for (int i = 0; i < 7; ++i) StartOne();
  Advance(Duration::Minutes(6));
  app::ReclaimerOptions batches;
  batches.batch = 3;
  app::AgendaReclaimer reclaimer(deps(), batches);
  auto report = reclaimer.RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->reclaimed, 7);
}

TEST_F(MaintenanceTest, ReclaimerFailsTheLongestSilentExecutionsFirst) {
  const std::string first_started = StartOne();
  const std::string silent = StartOne();
  Advance(Duration::Minutes(1));
  ASSERT_EQ(Report(first_started, "EXECUTING", "Running Operations").status, 200);  // heartbeat
  Advance(Duration::Minutes(10));  // both stale now
  app::ReclaimerOptions one_batch;
  one_batch.batch = 1;
  one_batch.max_run = Duration::Millis(0);
  app::AgendaReclaimer reclaimer(deps(), one_batch);
  auto report = reclaimer.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->reclaimed, 1);
  EXPECT_EQ(StringAt(Progress(first_started), "processingState"), "EXECUTING");
  EXPECT_NE(StringAt(Progress(silent), "processingState"), "EXECUTING");
}

TEST_F(MaintenanceTest, ReaperDeletesTheLongestFinishedFirst) {
  const std::string first_started = StartOne();
  const std::string finished_first = StartOne();
  ASSERT_EQ(Report(finished_first, "COMPLETE", "succeeded").status, 200);
  Advance(Duration::Minutes(1));
  ASSERT_EQ(Report(first_started, "COMPLETE", "succeeded").status, 200);
  Advance(Duration::Minutes(3 * 24 * 60 + 2));  // both past retention
  app::ReaperOptions one_batch;
  one_batch.batch = 1;
  one_batch.max_run = Duration::Millis(0);
  app::DataObjectReaper reaper(deps(), one_batch);
  auto report = reaper.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->agenda_progress, 1);
  EXPECT_TRUE(Get("/progress/agenda/" + finished_first).All().empty());
  EXPECT_EQ(Get("/progress/agenda/" + first_started).All().size(), 1u);
}

// ---- DataObjectReaper

TEST_F(MaintenanceTest, ReaperDeletesFinishedWorkPastRetentionWithItsProgressAndLogs) {
  const std::string old_done = StartOne();
  ASSERT_EQ(Report(old_done, "COMPLETE", "succeeded").status, 200);
  const std::string old_op = old_done + "-a";
  ASSERT_TRUE(server_.store()
                  .Write([&](StoreWriter& w) {
                    return w.AppendOperationLog(old_op, "hello\n", 1000, server_.clock().Now());
                  })
                  .ok());
  const std::string old_id = StringAt(Progress(old_done), "agendaId");
  const std::string still_running = StartOne();
  Advance(Duration::Minutes(3 * 24 * 60 - 1));
  const std::string recent_done = StartOne();
  ASSERT_EQ(Report(recent_done, "COMPLETE", "succeeded").status, 200);
  Advance(Duration::Minutes(2));  // old_done is now 3 days + 1 minute old, recent_done 2 minutes

  app::DataObjectReaper reaper(deps(), {});
  auto report = reaper.RunOnce();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->agendas, 1);
  EXPECT_EQ(report->agenda_progress, 1);
  EXPECT_EQ(report->operation_progress, 2);  // both operations of the agenda
  EXPECT_EQ(report->logs, 1);
  // A GET by id of something that does not exist answers an empty list (spec §4).
  EXPECT_TRUE(Get("/progress/agenda/" + old_done).All().empty());
  EXPECT_TRUE(Get("/progress/operation/" + old_op).All().empty());
  EXPECT_TRUE(Get("/progress/operation/" + old_done + "-b").All().empty());
  EXPECT_TRUE(Get("/agenda/" + old_id).All().empty());
  EXPECT_EQ(Get("/progress/operation/" + old_op + "/log").status, 404);
  // Still running (however old) and recently finished work stays.
  EXPECT_EQ(Get("/progress/agenda/" + still_running).All().size(), 1u);
  EXPECT_EQ(Get("/progress/agenda/" + recent_done).All().size(), 1u);
  EXPECT_EQ(metrics_.Get("maintenance.reaper.agendas"), 1);
}

TEST_F(MaintenanceTest, ReaperKeepsTemplatesUnlessTheirRetentionIsSet) {
  ASSERT_EQ(
      server_
          .Call("POST", "/agendatemplate",
                R"({"id":"t1","customerId":"acme","title":"t","agenda":{"operations":[]}})", acme_)
          .status,
      200);
  Advance(Duration::Minutes(60 * 24 * 30));
  ASSERT_TRUE(app::DataObjectReaper(deps(), {}).RunOnce().ok());
  EXPECT_EQ(Get("/agendatemplate/t1").All().size(), 1u);
  app::ReaperOptions with_templates;
  with_templates.template_retention = Duration::Minutes(60 * 24 * 7);
  auto report = app::DataObjectReaper(deps(), with_templates).RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->templates, 1);
  EXPECT_TRUE(Get("/agendatemplate/t1").All().empty());
}

TEST_F(MaintenanceTest, ReaperDeletesAuditRecordsPastTheirRetention) {
  Submit();  // recorded now
  Advance(Duration::Minutes(60 * 24 * 2));
  Submit();  // recorded two days later
  server_.audit().Flush();
  auto count = [&] {
    std::vector<AuditRecord> records;
    EXPECT_TRUE(server_.store()
                    .Read([&](StoreReader& reader) -> Status {
                      POP_ASSIGN_OR_RETURN(records, reader.FindAuditRecords({}));
                      return Status::Ok();
                    })
                    .ok());
    return records.size();
  };
  const size_t before = count();
  ASSERT_GE(before, 2u);

  app::ReaperOptions one_day;
  one_day.audit_retention = Duration::Minutes(60 * 24);
  auto report = app::DataObjectReaper(deps(), one_day).RunOnce();

  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(count(), 1u);  // only the newer submission's record is left
  EXPECT_EQ(report->audit_records, static_cast<int64_t>(before) - 1);
}

TEST_F(MaintenanceTest, ReaperWorksInBoundedBatchesAndStopsAtItsTimeBudget) {
  for (int i = 0; i < 7; ++i) {
    const std::string p = StartOne();
    ASSERT_EQ(Report(p, "COMPLETE", "succeeded").status, 200);
  }
  Advance(Duration::Minutes(3 * 24 * 60 + 1));
  // A zero time budget: one batch per run.
  app::ReaperOptions one_batch;
  one_batch.batch = 3;
  one_batch.max_run = Duration::Millis(0);
  app::DataObjectReaper reaper(deps(), one_batch);
  auto first = reaper.RunOnce();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->agendas, 3);
  app::ReaperOptions batches;
  batches.batch = 3;
  app::DataObjectReaper unbounded(deps(), batches);
  auto rest = unbounded.RunOnce();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->agendas, 4);
}

TEST_F(MaintenanceTest, ReaperInLogOnlyModeChangesNothing) {
  const std::string p = StartOne();
  ASSERT_EQ(Report(p, "COMPLETE", "succeeded").status, 200);
  Advance(Duration::Minutes(3 * 24 * 60 + 1));
  const std::string before = server_.Snapshot();
  app::ReaperOptions log_only;
  log_only.log_only = true;
  auto report = app::DataObjectReaper(deps(), log_only).RunOnce();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->agendas, 0);
  EXPECT_EQ(server_.Snapshot(), before);
}

// ---- RecoverLocalExecutions (pop dev at start)

TEST_F(MaintenanceTest, RecoveryResumesExecutionsAndReleasesClaimsWithoutChargingAnAttempt) {
  const std::string executing = StartOne();
  auto [claimed_id, claimed] = Submit();
  ASSERT_EQ(AgendaIdsIn(Claim()), std::vector<std::string>{claimed_id});  // not yet reported
  NullChangeFeed no_listener;
  auto report = app::RecoverLocalExecutions({services(), no_listener, logger_, metrics_});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->resumed, 1);
  // Both were the previous process's: the claim of one, the running execution (its confirmed
  // claim) of the other.
  EXPECT_EQ(report->claims_released, 2);
  Json progress = Progress(executing);
  EXPECT_EQ(StringAt(progress, "processingState"), "WAITING");
  EXPECT_EQ(StringAt(progress, "processingStateMessage"), "pending");
  EXPECT_EQ(progress.Find("attemptsCompleted"), nullptr);
  bool all_unclaimed = true;
  size_t ready = 0;
  ASSERT_TRUE(server_.store()
                  .Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(auto entries, r.ListReadyAgendas());
                    ready = entries.size();
                    for (const auto& e : entries) {
                      all_unclaimed &= !e.claimed_by.has_value() && !e.confirmed;
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(ready, 2u);
  EXPECT_TRUE(all_unclaimed);
}

// ---- MaintenanceRunner and its lease

TEST_F(MaintenanceTest, OnlyTheLeaseHolderRunsAJobAndAnotherTakesOverWhenItStopsOrDies) {
  int runs_a = 0;
  int runs_b = 0;
  auto runner = [&](const std::string& holder, int& runs) {
    return std::make_unique<app::MaintenanceRunner>(
        services(), logger_, metrics_,
        app::MaintenanceRunnerOptions{
            .holder = holder, .lease = Duration::Minutes(2), .start_thread = false},
        std::vector<app::MaintenanceJob>{{"reaper", Duration::Minutes(1), [&runs] {
                                            ++runs;
                                            return Status::Ok();
                                          }}});
  };
  auto a = runner("a", runs_a);
  auto b = runner("b", runs_b);
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 0);  // a holds the lease
  Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 0);
  EXPECT_EQ(a->RunDue(), 1);  // renewed to now + 2 min
  EXPECT_EQ(runs_a, 2);
  EXPECT_EQ(runs_b, 0);
  // a dies (no Stop, no renewal): b takes over once the lease has run out.
  Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 0);
  Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 1);
  EXPECT_EQ(runs_b, 1);
  // b stops cleanly: its lease is released and a new instance runs at once.
  b->Stop();
  int runs_c = 0;
  auto c = runner("c", runs_c);
  EXPECT_EQ(c->RunDue(), 1);
  EXPECT_EQ(runs_c, 1);
}

TEST_F(MaintenanceTest, AFailingJobIsCountedAndRunsAgainAtItsInterval) {
  int runs = 0;
  app::MaintenanceRunner runner(services(), logger_, metrics_,
                                app::MaintenanceRunnerOptions{.holder = "a", .start_thread = false},
                                {{"reclaimer", Duration::Minutes(1), [&runs] {
                                    ++runs;
                                    return Status(ErrorCode::kUnavailable, "disk full");
                                  }}});
  EXPECT_EQ(runner.RunDue(), 1);
  EXPECT_EQ(runner.RunDue(), 0);  // not due yet
  Advance(Duration::Minutes(1));
  EXPECT_EQ(runner.RunDue(), 1);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(metrics_.Get("maintenance.reclaimer.errors"), 2);
}

// Work about the instance itself (recording the polls it answered) runs in every instance, at
// its interval, whoever holds the leases; it is no lease this instance leads.
TEST_F(MaintenanceTest, AnEveryInstanceJobRunsInEachInstanceWithoutALease) {
  int runs_a = 0;
  int runs_b = 0;
  auto runner = [&](const std::string& holder, int& runs) {
    return std::make_unique<app::MaintenanceRunner>(
        services(), logger_, metrics_,
        app::MaintenanceRunnerOptions{.holder = holder, .start_thread = false},
        std::vector<app::MaintenanceJob>{{"polls", Duration::Seconds(10),
                                          [&runs] {
                                            ++runs;
                                            return Status::Ok();
                                          },
                                          /*every_instance=*/true}});
  };
  auto a = runner("a", runs_a);
  auto b = runner("b", runs_b);
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 1);
  EXPECT_EQ(a->RunDue(), 0);  // not due yet
  Advance(Duration::Seconds(10));
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 1);
  EXPECT_EQ(runs_a, 2);
  EXPECT_EQ(runs_b, 2);
  EXPECT_TRUE(a->HeldLeases().empty());
}

// Without alerting, every server still records the polls it answered (the "polls" job the server
// runs, app/alerts/insight_poll_recorder.h), at most once per 5 s however often pullers poll,
// so that another server sharing the store shows them on its Pools page.
TEST_F(MaintenanceTest, WithoutAlertingTheServerRecordsThePollsItAnsweredForTheOthers) {
  const Duration interval = app::InsightPollInterval(nullptr);
  EXPECT_EQ(interval, Duration::Seconds(5));
  app::MaintenanceRunner runner(
      services(), logger_, metrics_,
      app::MaintenanceRunnerOptions{.holder = "a", .start_thread = false},
      {app::InsightPollJob(std::make_shared<app::InsightPollRecorder>(
                               server_.store(), [this] { return server_.queues().LastPolls(); }),
                           interval)});
  // Another server sharing the store: its own scheduler has seen no poll.
  app::ResourcePoolStatus other_server(services(), [] {
    return std::map<std::string, std::optional<Timestamp>>{{"insight-1", std::nullopt}};
  });
  const app::RequestContext admin{AuthContext::Service(), std::nullopt, "test"};
  auto seen_there = [&]() -> std::optional<Timestamp> {
    auto status = other_server.Get("rp-1", admin);
    EXPECT_TRUE(status.ok());
    if (!status.ok() || status->insights.size() != 1) return std::nullopt;
    return status->insights[0].last_poll;
  };

  EXPECT_EQ(runner.RunDue(), 1);  // nothing polled yet: nothing written
  EXPECT_EQ(seen_there(), std::nullopt);
  EXPECT_EQ(Claim().status, 200);
  Advance(Duration::Seconds(1));
  EXPECT_EQ(Claim().status, 200);
  const Timestamp last = server_.clock().Now();
  EXPECT_EQ(runner.RunDue(), 0);  // throttled: the next write is 5 s after the last run
  EXPECT_EQ(seen_there(), std::nullopt);
  Advance(Duration::Seconds(4));
  EXPECT_EQ(runner.RunDue(), 1);
  EXPECT_EQ(seen_there(), last);  // both polls in one write, the later one kept
  EXPECT_EQ(metrics_.Get("maintenance.polls.errors"), 0);
}

}  // namespace
}  // namespace pop::testing
