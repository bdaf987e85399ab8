// Executor pause and resume (Executor::SetPaused, RunningAgendas::SetPaused, and the "paused"
// answer to a progress report): nothing new starts while paused, running operations finish,
// reports go on, and a resume starts the ready operations at once.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "app/executor.h"
#include "app/resident_launcher.h"
#include "app/running_agendas.h"
#include "core/codec/object_codec.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_pool_client.h"
#include "fakes/scripted_launcher.h"
#include "support/test_data.h"

namespace pop::app {
namespace {

// "held" runs until released; "next" waits for it.
const char kHeldThenNext[] = R"({"id":"A","progressId":"P","operations":[
  {"name":"held","type":"script","payload":{"hold":true,"result":{"v":1}}},
  {"name":"next","type":"script","payload":{"result":{}},"params":{"dependsOn":"held"}}]})";

// Until `condition` holds; the threads under test move on their own (no time passes).
template <typename Condition>
void SpinUntil(Condition condition) {
  while (!condition()) std::this_thread::yield();
}

class ExecutorPauseTest : public ::testing::Test {
 protected:
  ExecutorOptions Options() {
    ExecutorOptions options;
    options.coalesce = Duration::Millis(0);
    options.retry_delay = Duration::Millis(0);
    options.puller_id = "puller-1";
    return options;
  }
  static Agenda AgendaOf(const std::string& json) {
    auto agenda = Decode<Agenda>(testing::ParseOrDie(json));
    POP_CHECK(agenda.ok()) << agenda.error().message;
    return *agenda;
  }
  std::string LatestState(const std::string& operation) {
    auto latest = client_.LatestOperations();
    auto found = latest.find(operation);
    return found == latest.end() ? "" : found->second.processing_state_message.value_or("");
  }
  // Moves the clock a heartbeat at a time until `condition` holds: a single step could land
  // before the executor has taken its next deadline from the clock, which would then never come.
  template <typename Condition>
  void HeartbeatUntil(Condition condition) {
    while (!condition()) {
      clock_.Advance(Duration::Seconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Heartbeats until the run ends (the fake clock moves only when told).
  ExecutionResult Finish(std::future<ExecutionResult>& finished) {
    while (finished.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
      clock_.Advance(Duration::Seconds(5));
    }
    return finished.get();
  }

  testing::FakeClock clock_;
  testing::FakePoolClient client_;
  testing::ScriptedLauncher scripted_;
  ResidentLauncher resident_{client_};
  WorkerPool workers_{4};
  ThreadCache threads_{2};
  NullLogger logger_;
  Executor executor_{
      ExecutorDeps{clock_, client_, {&scripted_, &resident_}, workers_, logger_, threads_},
      Options()};
};

TEST_F(ExecutorPauseTest, APausedRunLetsTheRunningOperationFinishAndStartsTheNextOnResume) {
  RunningAgendas running;
  running.Add("A", &executor_);
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor_.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  scripted_.WaitForRunning(1);

  EXPECT_FALSE(running.SetPaused("B", true));  // not running here
  client_.AnswerPaused(true);                  // the server knows first, as after a pause
  ASSERT_TRUE(running.SetPaused("A", true));
  scripted_.Release();  // "held" finishes while paused
  SpinUntil([&] { return LatestState("held") == "succeeded"; });
  // Heartbeats go on (the claim stays alive) and "next" does not start.
  const size_t reports = client_.reports().size();
  HeartbeatUntil([&] { return client_.reports().size() > reports; });
  EXPECT_EQ(scripted_.specs().size(), 1u);
  EXPECT_EQ(client_.reports().back().processing_state, ProcessingState::kExecuting);

  client_.AnswerPaused(false);
  ASSERT_TRUE(running.SetPaused("A", false));  // woken: "next" starts without a clock step
  std::future<ExecutionResult> finished = done.get_future();
  ASSERT_EQ(finished.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  runner.join();
  running.Remove("A", &executor_);
  ExecutionResult result = finished.get();
  EXPECT_TRUE(result.succeeded);
  ASSERT_EQ(scripted_.specs().size(), 2u);
  EXPECT_EQ(scripted_.specs()[1].operation_name, "next");
}

// A remote executor (pop puller) learns of the pause and the resume from its reports' answers.
TEST_F(ExecutorPauseTest, TheReportAnswerPausesAndResumesTheRun) {
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor_.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  scripted_.WaitForRunning(1);
  client_.AnswerPaused(true);
  const size_t reports = client_.reports().size();
  HeartbeatUntil([&] { return client_.reports().size() > reports; });  // answered "paused"
  scripted_.Release();
  SpinUntil([&] { return LatestState("held") == "succeeded"; });
  HeartbeatUntil([&] { return client_.reports().size() > reports + 2; });
  EXPECT_EQ(scripted_.specs().size(), 1u);

  client_.AnswerPaused(false);  // resumed on the server: the next heartbeat says so
  std::future<ExecutionResult> finished = done.get_future();
  ExecutionResult result = Finish(finished);
  runner.join();
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(scripted_.specs().size(), 2u);
  EXPECT_EQ(client_.reports().back().processing_state_message, "succeeded");
}

TEST_F(ExecutorPauseTest, APauseBeforeTheRunStartsNothingUntilResumed) {
  executor_.SetPaused(true);
  client_.AnswerPaused(true);
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor_.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  SpinUntil([&] { return !client_.reports().empty(); });  // it reports, and runs nothing
  HeartbeatUntil([&] { return client_.reports().size() > 1; });
  EXPECT_TRUE(scripted_.specs().empty());

  client_.AnswerPaused(false);
  scripted_.Release();
  executor_.SetPaused(false);
  std::future<ExecutionResult> finished = done.get_future();
  ExecutionResult result = Finish(finished);
  runner.join();
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(scripted_.specs().size(), 2u);
}

// A cancel of a paused run ends it as cancelled (nothing waits for a resume).
TEST_F(ExecutorPauseTest, ACancelEndsAPausedRun) {
  executor_.SetPaused(true);
  client_.AnswerPaused(true);
  std::promise<ExecutionResult> done;
  std::thread runner([&] { done.set_value(executor_.Run(AgendaOf(kHeldThenNext), std::nullopt)); });
  SpinUntil([&] { return !client_.reports().empty(); });
  executor_.Cancel();
  runner.join();
  ExecutionResult result = done.get_future().get();
  EXPECT_TRUE(result.cancelled);
  EXPECT_TRUE(scripted_.specs().empty());
  EXPECT_EQ(client_.reports().back().processing_state_message, "cancelled");
}

}  // namespace
}  // namespace pop::app
