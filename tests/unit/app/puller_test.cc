#include "app/puller.h"

#include <gtest/gtest.h>

#include "app/resident_launcher.h"
#include "core/codec/object_codec.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_pool_client.h"
#include "fakes/scripted_launcher.h"
#include "support/test_data.h"

namespace pop::app {
namespace {

class PullerTest : public ::testing::Test {
 protected:
  PullerOptions Options() {
    PullerOptions options;
    options.insight_ids = {"chaos"};
    options.puller_id = "puller-1";
    options.executor.coalesce = Duration::Millis(0);
    options.executor.retry_delay = Duration::Millis(0);
    return options;
  }
  static ClaimedWork WorkOf(const std::string& json) {
    auto agenda = Decode<Agenda>(testing::ParseOrDie(json));
    POP_CHECK(agenda.ok()) << agenda.error().message;
    return ClaimedWork{{*agenda}, {}};
  }

  testing::FakeClock clock_;
  testing::FakePoolClient client_;
  testing::ScriptedLauncher scripted_;
  ResidentLauncher resident_{client_};
  WorkerPool workers_{8};
  NullLogger logger_;
};

const char kHeld[] = R"({"id":"A","progressId":"P","operations":[
  {"name":"held","type":"script","payload":{"hold":true}}]})";

// The server hands out an agenda this puller still runs (its reports did not arrive before the
// claim's lease ended, and this puller claimed it again): the execution under way carries on
// and no second one starts, which would run its operations again.
TEST_F(PullerTest, AnAgendaHandedOutAgainWhileItRunsHereIsNotStartedTwice) {
  Puller puller(PullerDeps{clock_, client_, {&scripted_, &resident_}, workers_, logger_, nullptr},
                Options());
  client_.HandOut(WorkOf(kHeld));
  puller.Start();
  scripted_.WaitForRunning(1);
  client_.HandOut(WorkOf(kHeld));
  client_.WaitForPolls(3);  // the second answer was taken and dealt with

  EXPECT_EQ(scripted_.specs().size(), 1u);
  EXPECT_EQ(puller.running(), 1u);

  scripted_.Release();
  client_.Close();
  puller.Stop(/*let_finish=*/true);
  EXPECT_EQ(scripted_.specs().size(), 1u);
  ASSERT_FALSE(client_.reports().empty());
  EXPECT_EQ(client_.reports().back().processing_state_message, "succeeded");
}

// Once its execution has ended, an agenda handed out again runs again (a rerun, or a claim the
// server took back): only a run still under way holds it.
TEST_F(PullerTest, AnAgendaHandedOutAgainAfterItsRunEndedRunsAgain) {
  Puller puller(PullerDeps{clock_, client_, {&scripted_, &resident_}, workers_, logger_, nullptr},
                Options());
  client_.HandOut(WorkOf(kHeld));
  puller.Start();
  scripted_.WaitForRunning(1);
  scripted_.Release();
  // Ended and reported: the puller has no execution of it left.
  while (puller.running() != 0) std::this_thread::yield();
  client_.HandOut(WorkOf(kHeld));
  client_.WaitForPolls(3);
  client_.Close();
  puller.Stop(/*let_finish=*/true);
  EXPECT_EQ(scripted_.specs().size(), 2u);
}

}  // namespace
}  // namespace pop::app
