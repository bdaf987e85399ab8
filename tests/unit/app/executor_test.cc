#include "app/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "app/resident_launcher.h"
#include "app/running_agendas.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_pool_client.h"
#include "fakes/scripted_launcher.h"
#include "support/test_data.h"

namespace pop::app {
namespace {

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorOptions Options() {
    ExecutorOptions options;
    options.coalesce = Duration::Millis(0);
    options.retry_delay = Duration::Millis(0);
    options.puller_id = "puller-1";
    return options;
  }
  Executor MakeExecutor(ExecutorOptions options) {
    return Executor(
        ExecutorDeps{clock_, client_, {&scripted_, &resident_}, workers_, logger_, threads_},
        std::move(options));
  }
  ExecutionResult Run(const std::string& agenda_json,
                      const std::optional<AgendaProgress>& prior = std::nullopt) {
    Executor executor = MakeExecutor(Options());
    return executor.Run(AgendaOf(agenda_json), prior);
  }
  static Agenda AgendaOf(const std::string& json) {
    auto agenda = Decode<Agenda>(testing::ParseOrDie(json));
    POP_CHECK(agenda.ok()) << agenda.error().message;
    return *agenda;
  }
  AgendaProgress Final() { return client_.reports().back(); }
  // Moves the fake clock on in coalescing steps until `n` reports were sent (the reporter thread
  // starts, and sends its first report, a coalescing interval after the last event it saw).
  void AdvanceUntilReported(size_t n) {
    while (client_.reports().size() < n) {
      clock_.Advance(Duration::Millis(100));
      std::this_thread::yield();
    }
  }

  testing::FakeClock clock_;
  testing::FakePoolClient client_;
  testing::ScriptedLauncher scripted_;
  ResidentLauncher resident_{client_};
  WorkerPool workers_{8};
  ThreadCache threads_{2};
  NullLogger logger_;
};

const char kScenario[] =
    R"({"id":"A","progressId":"P","customerId":"acme","cid":"c-1","operations":[
  {"name":"a","type":"script","payload":{"result":{"v":"x"}}},
  {"name":"b","type":"script","id":"02","payload":{"msg":"@<a.out::/v>","result":{}}}]})";

TEST_F(ExecutorTest, RunsTheSpecScenarioAndReportsSuccess) {
  ExecutionResult result = Run(kScenario);
  EXPECT_TRUE(result.succeeded);
  EXPECT_TRUE(result.final_reported);
  AgendaProgress final = Final();
  EXPECT_EQ(final.id, "P");
  EXPECT_EQ(final.processing_state, ProcessingState::kComplete);
  EXPECT_EQ(final.processing_state_message, "succeeded");
  EXPECT_EQ(final.percent_complete, 100.0);
  EXPECT_TRUE(final.completed_time.has_value());
  EXPECT_FALSE(final.diagnostic_events.has_value());
  auto ops = client_.LatestOperations();
  EXPECT_EQ(ops["a"].result_payload, R"({"v":"x"})");
  EXPECT_EQ(ops["a"].processing_state_message, "succeeded");
  EXPECT_EQ(ops["b"].percent_complete, 100.0);
  auto specs = scripted_.specs();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].operation_name, "b");
  EXPECT_EQ(specs[1].operation_id, "02");
  EXPECT_EQ(specs[1].agenda_id, "A");
  EXPECT_EQ(specs[1].customer_id, "acme");
  EXPECT_EQ(specs[1].cid, "c-1");
  EXPECT_EQ(specs[1].payload, R"({"msg":"x","result":{}})");
  for (const auto& puller : client_.pullers()) EXPECT_EQ(puller, "puller-1");
  // Every report before the final one says the agenda is running (a run this fast may need no
  // report before the final one: reports are coalesced).
  auto reports = client_.reports();
  for (size_t i = 0; i + 1 < reports.size(); ++i) {
    EXPECT_EQ(reports[i].processing_state_message, "Running Operations");
  }
}

TEST_F(ExecutorTest, AnAgendaEndingWithinTheCoalescingIntervalSendsOnlyItsFinalReport) {
  ExecutorOptions options = Options();
  options.coalesce = Duration::Millis(100);  // the fake clock never reaches it
  Executor executor = MakeExecutor(options);

  ExecutionResult result = executor.Run(AgendaOf(R"({"id":"A","progressId":"P","operations":[
    {"name":"a","type":"noop","payload":{"v":1}}]})"),
                                        std::nullopt);

  EXPECT_TRUE(result.succeeded);
  EXPECT_TRUE(result.final_reported);
  ASSERT_EQ(client_.reports().size(), 1u);
  EXPECT_EQ(Final().processing_state, ProcessingState::kComplete);
  EXPECT_EQ(Final().processing_state_message, "succeeded");
  // The report went out from the executor's own thread: no reporter thread was started.
  EXPECT_EQ(threads_.threads(), 0u);
}

TEST_F(ExecutorTest, InstantResidentOperationsRunWithoutAWorkerThread) {
  // With the pool stopped, an operation handed to it would never run and the agenda would hang:
  // noop (instant) runs on the executor's own thread.
  workers_.Stop();
  ExecutionResult result = Run(
      R"({"id":"A","progressId":"P","customerId":"acme","operations":[
    {"name":"a","type":"noop","payload":{"v":1}},
    {"name":"b","type":"noop","payload":{"from":"@<a.out::/v>"}},
    {"name":"c","type":"noop","payload":{"from":"@<a.out::/v>"}}]})");
  EXPECT_TRUE(result.succeeded);
  auto ops = client_.LatestOperations();
  EXPECT_EQ(ops["b"].result_payload, R"({"from":1})");
  EXPECT_EQ(ops["c"].processing_state_message, "succeeded");
}

TEST_F(ExecutorTest, AHandlerReportedFailureFailsTheAgendaWithoutAgendaDiagnostics) {
  ExecutionResult result = Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"a","type":"script","payload":{"result":{}}},
    {"name":"b","type":"script","payload":{"fail":"An unknown error has occurred with operation: b"}}]})");
  EXPECT_FALSE(result.succeeded);
  AgendaProgress final = Final();
  EXPECT_EQ(final.processing_state_message, "failed");
  EXPECT_EQ(final.percent_complete, 100.0);  // a failed operation counts as completed (§21)
  EXPECT_FALSE(final.diagnostic_events.has_value());
  auto b = client_.LatestOperations()["b"];
  ASSERT_TRUE(b.diagnostic_events.has_value());
  EXPECT_EQ((*b.diagnostic_events)[0].message, "An unknown error has occurred with operation: b");
}

TEST_F(ExecutorTest, ALauncherDecidedFailureAddsAnAgendaDiagnostic) {
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"b","type":"script","payload":{"crash":"Handler for operation b was killed by signal 11"}}]})");
  AgendaProgress final = Final();
  ASSERT_TRUE(final.diagnostic_events.has_value());
  EXPECT_EQ((*final.diagnostic_events)[0].message, "Failed to execute operation: b");
  EXPECT_EQ((*final.diagnostic_events)[0].stack_trace,
            "Handler for operation b was killed by signal 11");
}

TEST_F(ExecutorTest, UnknownTypeFailsItsOperation) {
  Run(R"({"id":"A","progressId":"P","operations":[{"name":"x","type":"nosuch"}]})");
  auto x = client_.LatestOperations()["x"];
  ASSERT_TRUE(x.diagnostic_events.has_value());
  EXPECT_EQ((*x.diagnostic_events)[0].message,
            "Unknown operation type found: nosuch on operation: x");
  EXPECT_EQ(Final().processing_state_message, "failed");
  // A retry would fail the same way: the automatic retry rule leaves it failed.
  ASSERT_TRUE(Final().diagnostic_events.has_value());
  EXPECT_EQ((*Final().diagnostic_events)[0].status_code, kStatusNotRetryable);
}

TEST_F(ExecutorTest, ACrashedHandlerIsLeftToTheRetryRule) {
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"b","type":"script","payload":{"crash":"Handler for operation b was killed by signal 11"}}]})");
  ASSERT_TRUE(Final().diagnostic_events.has_value());
  EXPECT_FALSE((*Final().diagnostic_events)[0].status_code.has_value());
}

TEST_F(ExecutorTest, AnInvalidReferenceIsNotRetried) {
  // The reference names a field the output does not have and no default: it can never resolve.
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"a","type":"noop","payload":{"v":1}},
    {"name":"b","type":"noop","payload":{"from":"@<a.out::/missing>"}}]})");
  EXPECT_EQ(Final().processing_state_message, "failed");
  ASSERT_TRUE(Final().diagnostic_events.has_value());
  const DiagnosticEvent event = Final().diagnostic_events->back();  // Final() is a copy
  EXPECT_EQ(event.message, "Error running operations");
  EXPECT_EQ(event.status_code, kStatusNotRetryable);
}

TEST_F(ExecutorTest, AFailureStopsLaterStartsButLetsRunningOperationsFinish) {
  std::promise<ExecutionResult> done;
  std::thread runner([&] {
    done.set_value(Run(R"({"id":"A","progressId":"P","operations":[
      {"name":"slow","type":"script","payload":{"hold":true}},
      {"name":"bad","type":"script","payload":{"fail":"no"}},
      {"name":"later","type":"script","payload":"@<bad.out>"}]})"));
  });
  scripted_.WaitForRunning(1);
  scripted_.Release();
  runner.join();
  ExecutionResult result = done.get_future().get();
  EXPECT_FALSE(result.succeeded);
  auto specs = scripted_.specs();
  EXPECT_EQ(specs.size(), 2u);  // "later" never started
  EXPECT_EQ(client_.LatestOperations()["slow"].processing_state_message, "succeeded");
}

TEST_F(ExecutorTest, IndependentOperationsRunInParallelUpToTheLimit) {
  ExecutorOptions options = Options();
  options.max_parallel = 3;
  std::string ops;
  for (int i = 0; i < 6; ++i) {
    ops += std::string(i ? "," : "") + R"({"name":"op)" + std::to_string(i) +
           R"(","type":"script","payload":{"hold":true}})";
  }
  std::promise<ExecutionResult> done;
  std::thread runner([&] {
    Executor executor = MakeExecutor(options);
    done.set_value(executor.Run(
        AgendaOf(R"({"id":"A","progressId":"P","operations":[)" + ops + "]}"), std::nullopt));
  });
  scripted_.WaitForRunning(3);
  scripted_.Release();
  runner.join();
  EXPECT_TRUE(done.get_future().get().succeeded);
  EXPECT_EQ(scripted_.max_running(), 3u);
}

TEST_F(ExecutorTest, PriorSuccessesAreNotRunAgain) {
  AgendaProgress prior;
  OperationProgress a;
  a.operation = "a";
  a.processing_state = ProcessingState::kComplete;
  a.processing_state_message = "succeeded";
  a.result_payload = R"({"v":"old"})";
  OperationProgress b;
  b.operation = "b";
  b.processing_state = ProcessingState::kComplete;
  b.processing_state_message = "failed";
  prior.operation_progress = std::vector<OperationProgress>{a, b};
  EXPECT_TRUE(Run(kScenario, prior).succeeded);
  auto specs = scripted_.specs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].operation_name, "b");
  EXPECT_EQ(specs[0].payload, R"({"msg":"old","result":{}})");
  ASSERT_TRUE(specs[0].last_progress.has_value());
  EXPECT_NE(specs[0].last_progress->find("\"failed\""), std::string::npos);
}

TEST_F(ExecutorTest, AHandlersProgressIsReportedAtTheNextProgressCheckNotTheHeartbeat) {
  ExecutorOptions options = Options();
  options.coalesce = Duration::Millis(100);
  options.progress_check = Duration::Millis(500);
  options.heartbeat = Duration::Seconds(5);
  Executor executor = MakeExecutor(options);
  std::promise<ExecutionResult> done;
  std::thread runner([&] {
    done.set_value(executor.Run(AgendaOf(R"({"id":"A","progressId":"P","operations":[
      {"name":"held","type":"script","payload":{"hold":true}}]})"),
                                std::nullopt));
  });
  scripted_.WaitForRunning(1);
  AdvanceUntilReported(1);  // the reporter starts after the coalescing interval, then reports
  const size_t before = client_.reports().size();

  // The handler reports progress; nothing else happens in the executor. The clock moves a
  // progress check at a time (a report already due may go first, with the earlier percentage)
  // until a report carries it: well before the heartbeat.
  scripted_.SetPercent(80.0);
  int64_t advanced_ms = 0;
  while (client_.LatestOperations()["held"].percent_complete != 80.0) {
    ASSERT_LT(advanced_ms, 5000) << "the progress waited for the heartbeat";
    const size_t reports = client_.reports().size();
    clock_.Advance(Duration::Millis(500));
    advanced_ms += 500;
    client_.WaitForReportsFor(reports + 1, std::chrono::milliseconds(200));
  }
  EXPECT_LE(client_.reports().size(), before + 2) << "one report, or one already due and it";
  scripted_.Release();
  runner.join();
  EXPECT_TRUE(done.get_future().get().succeeded);
}

TEST_F(ExecutorTest, AnUnchangedHandlerProgressCostsNoReportUntilTheHeartbeat) {
  ExecutorOptions options = Options();
  options.coalesce = Duration::Millis(100);
  options.progress_check = Duration::Millis(500);
  options.heartbeat = Duration::Seconds(5);
  Executor executor = MakeExecutor(options);
  std::promise<ExecutionResult> done;
  std::thread runner([&] {
    done.set_value(executor.Run(AgendaOf(R"({"id":"A","progressId":"P","operations":[
      {"name":"held","type":"script","payload":{"hold":true}}]})"),
                                std::nullopt));
  });
  scripted_.WaitForRunning(1);
  AdvanceUntilReported(1);  // the reporter starts after the coalescing interval, then reports
  // If that first report was read before the executor had recorded the launched handler (its
  // worker files the handle after Launch returns), the next progress check sees the handler's
  // progress for the first time and reports it: one check is let by before counting.
  const size_t first = client_.reports().size();
  clock_.Advance(Duration::Millis(500));
  client_.WaitForReportsFor(first + 1, std::chrono::milliseconds(200));
  const size_t before = client_.reports().size();

  for (int check = 0; check < 8; ++check) clock_.Advance(Duration::Millis(500));  // 4 s
  clock_.Advance(Duration::Millis(1000));  // the heartbeat: 5 s after the last report
  client_.WaitForReports(before + 1);

  EXPECT_EQ(client_.reports().size(), before + 1) << "only the heartbeat reported";
  scripted_.Release();
  runner.join();
  EXPECT_TRUE(done.get_future().get().succeeded);
}

TEST_F(ExecutorTest, LosingTheClaimCancelsHandlersAndSendsNothingFinal) {
  client_.Refuse(1000, ErrorCode::kConflict);
  ExecutionResult result = Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"held","type":"script","payload":{"hold":true}}]})");
  EXPECT_TRUE(result.claim_lost);
  EXPECT_FALSE(result.succeeded);
  EXPECT_FALSE(result.final_reported);
  EXPECT_TRUE(client_.reports().empty());
}

TEST_F(ExecutorTest, FailedReportsAreRetriedUntilTheFinalStateIsDelivered) {
  client_.Refuse(3, ErrorCode::kUnavailable);
  ExecutionResult result = Run(kScenario);
  EXPECT_TRUE(result.final_reported);
  EXPECT_EQ(Final().processing_state_message, "succeeded");
  EXPECT_EQ(client_.LatestOperations().size(), 2u);  // nothing lost while the server was down
}

TEST(ReportRetryDelayTest, HalfASecondAfterAFailedReportDoublingToFiveSeconds) {
  const ExecutorOptions options;
  EXPECT_EQ(ReportRetryDelay(options, 1).millis(), 500);
  EXPECT_EQ(ReportRetryDelay(options, 2).millis(), 1000);
  EXPECT_EQ(ReportRetryDelay(options, 3).millis(), 2000);
  EXPECT_EQ(ReportRetryDelay(options, 4).millis(), 4000);
  EXPECT_EQ(ReportRetryDelay(options, 5).millis(), 5000);
  EXPECT_EQ(ReportRetryDelay(options, 100).millis(), 5000);
  // The final report's tries (the first and 7 retries) outlast an outage of 20 s.
  int64_t span = 0;
  for (int failures = 1; failures < options.final_report_attempts; ++failures) {
    span += ReportRetryDelay(options, failures).millis();
  }
  EXPECT_EQ(span, 22500);
}

TEST_F(ExecutorTest, GeneratorPersistsAndRunsTheOperationsItAdds) {
  ExecutionResult result = Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"list","type":"noop","payload":{"operations":[{"name":"x","type":"noop","payload":1},
                                    {"name":"y","type":"noop","payload":2,"params":{"dependsOn":"x"}}]}},
    {"name":"gen","type":"updateAgenda","payload":{"operations":"@<list.out::/operations>"},
     "params":{"agenda.operation.generator":{"operationsJsonPointer":"/operations"}}}]})");
  EXPECT_TRUE(result.succeeded);
  auto generated = client_.generated();
  ASSERT_EQ(generated.size(), 2u);
  EXPECT_EQ(ToJsonText(*generated[0].params), R"({"generatedOperationParent":"gen"})");
  EXPECT_EQ(ToJsonText(*generated[1].params),
            R"({"dependsOn":"x","generatedOperationParent":"gen"})");
  auto ops = client_.LatestOperations();
  EXPECT_EQ(ops["x"].result_payload, "1");
  EXPECT_EQ(ops["y"].result_payload, "2");
  EXPECT_EQ(Final().percent_complete, 100.0);
}

TEST_F(ExecutorTest, HandlerOutputIsStoredAsOperationLogs) {
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"say","type":"logMessages","payload":{"logMessages":["hello","world"]}}]})");
  EXPECT_EQ(client_.logs()["P-say"], "hello\nworld\n");
}

TEST_F(ExecutorTest, ALaterAttemptsLogStartsUnderAnAttemptHeaderAndItsProgressCountsIt) {
  clock_.Set(Timestamp::FromMillis(1'796'550'001'000));  // 2026-12-06T09:40:01Z
  AgendaProgress prior;
  OperationProgress say;
  say.operation = "say";
  say.processing_state = ProcessingState::kComplete;
  say.processing_state_message = "failed";
  say.started_time = Timestamp::FromMillis(1000);
  say.attempt_count = 1;
  prior.operation_progress = std::vector<OperationProgress>{say};
  EXPECT_TRUE(Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"say","type":"logMessages","payload":{"logMessages":["again"]}}]})",
                  prior)
                  .succeeded);
  EXPECT_EQ(client_.logs()["P-say"],
            "\n--- attempt 2 of say, started 2026-12-06T09:40:01Z ---\nagain\n");
  EXPECT_EQ(client_.LatestOperations()["say"].attempt_count, 2);
}

TEST_F(ExecutorTest, AnOperationARerunResetToWaitingStillCountsItsEarlierAttempts) {
  AgendaProgress prior;
  OperationProgress say;  // reset by a rerun: WAITING, but it ran twice before
  say.operation = "say";
  say.processing_state = ProcessingState::kWaiting;
  say.started_time = Timestamp::FromMillis(1000);
  say.attempt_count = 2;
  prior.operation_progress = std::vector<OperationProgress>{say};
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"say","type":"logMessages","payload":{"logMessages":["third"]}}]})",
      prior);
  EXPECT_EQ(client_.logs()["P-say"].rfind("\n--- attempt 3 of say, started ", 0), 0u)
      << client_.logs()["P-say"];
  EXPECT_EQ(client_.LatestOperations()["say"].attempt_count, 3);
}

TEST_F(ExecutorTest, AFirstAttemptHasNoHeaderAndCountsOne) {
  Run(R"({"id":"A","progressId":"P","operations":[
    {"name":"say","type":"logMessages","payload":{"logMessages":["once"]}}]})");
  EXPECT_EQ(client_.logs()["P-say"], "once\n");
  EXPECT_EQ(client_.LatestOperations()["say"].attempt_count, 1);
}

TEST_F(ExecutorTest, CancelEndsTheAgendaAsCancelled) {
  Executor executor = MakeExecutor(Options());
  std::promise<ExecutionResult> done;
  std::thread runner([&] {
    done.set_value(executor.Run(AgendaOf(R"({"id":"A","progressId":"P","operations":[
      {"name":"held","type":"script","payload":{"hold":true}},
      {"name":"next","type":"script","payload":"@<held.out>"}]})"),
                                std::nullopt));
  });
  scripted_.WaitForRunning(1);
  executor.Cancel();
  runner.join();
  EXPECT_FALSE(done.get_future().get().succeeded);
  EXPECT_EQ(Final().processing_state_message, "cancelled");
  EXPECT_EQ(scripted_.specs().size(), 1u);
}

// Until `condition` holds; the threads under test move on their own (no time passes).
template <typename Condition>
void SpinUntil(Condition condition) {
  while (!condition()) std::this_thread::yield();
}

const char kHeldThenNext[] = R"({"id":"A","progressId":"P","operations":[
  {"name":"held","type":"script","payload":{"hold":true}},
  {"name":"next","type":"script","payload":"@<held.out>"}]})";

TEST_F(ExecutorTest, AHeartbeatRefusedAsCancelledStopsTheHandlersAndStartsNothingNew) {
  Executor executor = MakeExecutor(Options());
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  scripted_.WaitForRunning(1);
  SpinUntil([&] { return !client_.reports().empty(); });  // it runs, and the server knows

  // The agenda is cancelled on the server: the next report (the heartbeat) gets 409.
  client_.Refuse(1000, ErrorCode::kConflict);
  // The reporter sets its last report's time just after the send the loop above saw, so one
  // step of the clock may land before it; stepping until the run ends cannot miss.
  std::future<ExecutionResult> finished = done.get_future();
  while (finished.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
    clock_.Advance(Duration::Seconds(5));
  }
  runner.join();

  ExecutionResult result = finished.get();
  EXPECT_TRUE(result.claim_lost);
  EXPECT_FALSE(result.succeeded);
  EXPECT_FALSE(result.final_reported);
  EXPECT_EQ(scripted_.running(), 0u);
  ASSERT_EQ(scripted_.specs().size(), 1u);  // "next" never started
  for (const AgendaProgress& report : client_.reports()) {
    EXPECT_EQ(report.processing_state, ProcessingState::kExecuting);  // no final state was sent
  }
  // What the handler printed while it stopped is still stored.
  EXPECT_NE(client_.logs()["P-held"].find("stopping held\n"), std::string::npos);
}

TEST_F(ExecutorTest, RunningAgendasCancelsTheExecutorOfAnAgendaAtOnce) {
  Executor executor = MakeExecutor(Options());
  RunningAgendas running;
  running.Add("A", &executor);
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  scripted_.WaitForRunning(1);

  EXPECT_FALSE(running.Cancel("B"));
  EXPECT_TRUE(running.Cancel("A"));
  runner.join();
  running.Remove("A", &executor);

  ExecutionResult result = done.get_future().get();
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(scripted_.specs().size(), 1u);
  EXPECT_EQ(Final().processing_state_message, "cancelled");
  EXPECT_NE(client_.logs()["P-held"].find("stopping held\n"), std::string::npos);
  EXPECT_FALSE(running.Cancel("A"));  // removed
}

TEST_F(ExecutorTest, ACancelBeforeTheRunStartsStartsNoOperation) {
  Executor executor = MakeExecutor(Options());
  executor.Cancel();
  ExecutionResult result = executor.Run(AgendaOf(kHeldThenNext), std::nullopt);
  EXPECT_TRUE(result.cancelled);
  EXPECT_TRUE(scripted_.specs().empty());
  EXPECT_EQ(Final().processing_state_message, "cancelled");
}

// A Cancel used to let go of the executor's lock before reaching into the run's state, so a run
// that ended just then was destroyed under it; make tsan reports that as a race with the
// destruction of the run's mutex and condition variables.
TEST_F(ExecutorTest, ACancelRacingTheEndOfARunNeverTouchesTheFinishedRun) {
  Executor executor = MakeExecutor(Options());
  std::atomic<bool> stop{false};
  std::thread canceller([&] {
    while (!stop) executor.Cancel(/*user_requested=*/false);
  });
  for (int i = 0; i < 20; ++i) {
    ExecutionResult result = executor.Run(AgendaOf(kScenario), std::nullopt);
    EXPECT_TRUE(result.final_reported);
  }
  stop = true;
  canceller.join();
}

TEST_F(ExecutorTest, AnAgendaWithAnEmptyOperationsListSucceeds) {
  ExecutionResult result = Run(R"({"id":"A","progressId":"P","operations":[]})");
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(Final().processing_state, ProcessingState::kComplete);
  EXPECT_EQ(Final().processing_state_message, "succeeded");
  EXPECT_FALSE(Final().diagnostic_events.has_value());
}

TEST_F(ExecutorTest, AnAgendaWithoutOperationsFails) {
  Run(R"({"id":"A","progressId":"P"})");
  ASSERT_TRUE(Final().diagnostic_events.has_value());
  EXPECT_EQ((*Final().diagnostic_events)[0].message, "No operations in Agenda. Nothing to do.");
}

TEST(PercentCompleteTest, SpecReferenceCases) {
  EXPECT_EQ(PercentComplete(0, 1, 0), 0.0);
  EXPECT_EQ(PercentComplete(1, 0, 100), 0.0);
  EXPECT_EQ(PercentComplete(5, 10, 50), 55.0);
  EXPECT_EQ(PercentComplete(5, 10, 0), 50.0);
  EXPECT_EQ(PercentComplete(5, 10, 100), 60.0);
}

}  // namespace
}  // namespace pop::app
