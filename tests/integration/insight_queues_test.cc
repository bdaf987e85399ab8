// The scheduler (app/insight_queues) over a real SQLite store and a fake clock, with its thread
// off: the test drives time and calls ProcessDue itself.
#include "app/insight_queues.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "adapters/sqlite/sqlite_store.h"
#include "fakes/fake_clock.h"
#include "fakes/sequential_id_generator.h"

namespace pop::app {
namespace {

class InsightQueuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pop-queues-XXXXXX";
    POP_CHECK(mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    OpenStore();
    PutInsight("ins", 2, SchedulingAlgorithm::kFirstInFirstOut);
    StartQueues();
  }
  void TearDown() override {
    queues_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenStore() {
    SqliteStoreOptions options;
    options.path = (dir_ / "pop.db").string();
    store_ = std::move(SqliteStore::Open(options)).value();
  }
  void StartQueues() {
    QueueOptions options;
    options.lease = Duration::Seconds(60);
    options.start_thread = false;
    queues_ = std::make_unique<InsightQueues>(Services{*store_, clock_, ids_}, options, logger_);
    ASSERT_TRUE(queues_->Start().ok());
  }
  void Restart() {
    queues_.reset();
    store_.reset();
    OpenStore();
    StartQueues();
  }

  void PutInsight(const std::string& id, int64_t queue_size, SchedulingAlgorithm algorithm) {
    Insight insight;
    insight.id = id;
    insight.customer_id = "owner";
    insight.queue_size = queue_size;
    insight.scheduling_algorithm = algorithm;
    insight.resource_pool_id = "rp";
    ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.Put(insight); }).ok());
    if (queues_) queues_->OnObjectChanged(insight);
  }

  // Stores a ready entry and tells the scheduler, as a submission does.
  void Ready(const std::string& agenda_id, const std::string& customer = "acme",
             int64_t priority = 0) {
    ReadyAgenda ready;
    ready.id = "ready-" + agenda_id;
    ready.insight_id = "ins";
    ready.agenda_id = agenda_id;
    ready.customer_id = customer;
    ready.added = clock_.Now();
    ready.priority = priority;
    ASSERT_TRUE(store_->Write([&](StoreWriter& w) { return w.AddReadyAgenda(ready); }).ok());
    queues_->OnReady(ready);
    clock_.Advance(Duration::Millis(1));
  }

  // Claims without waiting; returns the agenda ids.
  std::vector<std::string> ClaimNow(size_t count, const std::string& claimer = "p1") {
    std::vector<std::string> ids;
    queues_->Claim("ins", count, Duration::Millis(0), claimer,
                   [&](Result<std::vector<ReadyAgenda>> claimed) {
                     ASSERT_TRUE(claimed.ok()) << claimed.error().message;
                     for (const auto& ready : *claimed) ids.push_back(ready.agenda_id);
                   });
    return ids;
  }

  std::vector<ReadyAgenda> Rows() {
    std::vector<ReadyAgenda> rows;
    EXPECT_TRUE(store_
                    ->Read([&](StoreReader& r) -> Status {
                      POP_ASSIGN_OR_RETURN(rows, r.ListReadyAgendas());
                      return Status::Ok();
                    })
                    .ok());
    return rows;
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  testing::SequentialIdGenerator ids_;
  NullLogger logger_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<InsightQueues> queues_;
};

using Ids = std::vector<std::string>;

TEST_F(InsightQueuesTest, ClaimsHandOutOldestFirstAndNeverTwice) {
  Ready("a");
  Ready("b");
  Ready("c");
  EXPECT_EQ(ClaimNow(2), (Ids{"a", "b"}));
  EXPECT_EQ(ClaimNow(5), (Ids{"c"}));
  EXPECT_TRUE(ClaimNow(5).empty());
}

TEST_F(InsightQueuesTest, AClaimIsWrittenToTheStoreAsALease) {
  Ready("a");
  ClaimNow(1, "puller-7");
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].claimed_by, "puller-7");
  EXPECT_EQ(rows[0].lease_until, clock_.Now() + Duration::Seconds(60));
}

TEST_F(InsightQueuesTest, QueueHoldsAtMostQueueSizeAndExplainSaysWhy) {
  for (const char* id : {"a", "b", "c", "d"}) Ready(id);
  auto queued = queues_->Explain("b");
  ASSERT_TRUE(queued.has_value());
  EXPECT_EQ(queued->state, QueueExplanation::State::kQueued);
  EXPECT_EQ(queued->position, 1u);
  auto waiting = queues_->Explain("d");
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(waiting->state, QueueExplanation::State::kWaiting);
  EXPECT_EQ(waiting->queued, 2u);
  EXPECT_EQ(waiting->waiting, 2u);
  EXPECT_EQ(waiting->position, 1u);
  EXPECT_NE(waiting->reason.find("is full (2 of 2)"), std::string::npos) << waiting->reason;
  EXPECT_FALSE(queues_->Explain("unknown").has_value());
}

TEST_F(InsightQueuesTest, ExplainSaysWhenNoPullerHasPolledTheInsightSinceItStarted) {
  Ready("a");
  Ready("b");
  Ready("c");  // waits: the queue holds 2

  for (const char* id : {"a", "c"}) {
    auto place = queues_->Explain(id);
    ASSERT_TRUE(place.has_value());
    EXPECT_EQ(place->pullers, PullerActivity::kNone);
    EXPECT_FALSE(place->last_poll.has_value());
    EXPECT_NE(place->reason.find("; no puller has polled insight ins since this server started: "
                                 "start one (pop puller --insight ins)"),
              std::string::npos)
        << place->reason;
  }
}

TEST_F(InsightQueuesTest, ExplainNamesTheLastPollOnceNoPullerHasPolledForAWhile) {
  Ready("a");
  Ready("b");
  Ready("c");
  const Timestamp polled = clock_.Now();
  ASSERT_EQ(ClaimNow(1, "puller-7"), (Ids{"a"}));

  auto fresh = queues_->Explain("b");
  EXPECT_EQ(fresh->pullers, PullerActivity::kActive);
  EXPECT_EQ(fresh->last_poll, polled);
  EXPECT_EQ(fresh->last_poller, "puller-7");
  EXPECT_EQ(fresh->reason.find("no puller"), std::string::npos) << fresh->reason;
  clock_.Advance(Duration::Seconds(42));
  auto stale = queues_->Explain("c");
  EXPECT_EQ(stale->pullers, PullerActivity::kIdle);
  EXPECT_EQ(stale->since_last_poll, Duration::Seconds(42));
  EXPECT_NE(stale->reason.find("; no puller has polled insight ins for 42 s (the last was "
                               "puller-7): its pullers stopped, or are busy"),
            std::string::npos)
      << stale->reason;
  // A customer's view says so too, without the puller's name.
  QueueExplanation tenant = TenantView(*stale);
  EXPECT_EQ(tenant.pullers, PullerActivity::kIdle);
  EXPECT_FALSE(tenant.last_poller.has_value());
  EXPECT_NE(tenant.reason.find("no puller has polled insight ins for 42 s: its pullers stopped"),
            std::string::npos)
      << tenant.reason;
  EXPECT_EQ(tenant.reason.find("puller-7"), std::string::npos) << tenant.reason;
}

TEST_F(InsightQueuesTest, APullerParkedInALongPollCountsAsPolling) {
  bool answered = false;
  queues_->Claim("ins", 1, Duration::Seconds(60), "p1",
                 [&](const Result<std::vector<ReadyAgenda>>&) { answered = true; });
  clock_.Advance(Duration::Seconds(30));
  Ready("a");  // queued while the claim is parked, until ProcessDue hands it over
  auto place = queues_->Explain("a");
  ASSERT_TRUE(place.has_value());
  EXPECT_EQ(place->pullers, PullerActivity::kActive);
  EXPECT_EQ(place->reason.find("no puller"), std::string::npos) << place->reason;
  queues_->ProcessDue(clock_.Now());
  EXPECT_TRUE(answered);
}

TEST_F(InsightQueuesTest, QueueSizeZeroNeverQueuesUntilItIsRaised) {
  PutInsight("ins", 0, SchedulingAlgorithm::kFirstInFirstOut);
  Ready("a");
  EXPECT_TRUE(ClaimNow(1).empty());
  EXPECT_NE(queues_->Explain("a")->reason.find("queueSize 0"), std::string::npos);
  PutInsight("ins", 1, SchedulingAlgorithm::kFirstInFirstOut);
  EXPECT_EQ(ClaimNow(1), (Ids{"a"}));
}

TEST_F(InsightQueuesTest, ParkedClaimIsServedWhenWorkArrives) {
  std::promise<Ids> served;
  queues_->Claim("ins", 1, Duration::Seconds(20), "p1", [&](Result<std::vector<ReadyAgenda>> r) {
    Ids ids;
    for (const auto& ready : *r) ids.push_back(ready.agenda_id);
    served.set_value(ids);
  });
  auto result = served.get_future();
  Ready("late");
  queues_->ProcessDue(clock_.Now());
  ASSERT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(result.get(), (Ids{"late"}));
}

TEST_F(InsightQueuesTest, ParkedClaimAnswersEmptyWhenItsWaitEnds) {
  bool answered = false;
  queues_->Claim("ins", 1, Duration::Seconds(20), "p1", [&](Result<std::vector<ReadyAgenda>> r) {
    answered = true;
    EXPECT_TRUE(r.ok() && r->empty());
  });
  clock_.Advance(Duration::Seconds(19));
  queues_->ProcessDue(clock_.Now());
  EXPECT_FALSE(answered);
  clock_.Advance(Duration::Seconds(1));
  queues_->ProcessDue(clock_.Now());
  EXPECT_TRUE(answered);
}

TEST_F(InsightQueuesTest, LapsedLeaseReturnsTheAgendaToTheFrontOfItsQueue) {
  Ready("a");
  Ready("b");
  Ready("c");
  EXPECT_EQ(ClaimNow(1, "dead-puller"), (Ids{"a"}));
  clock_.Advance(Duration::Seconds(59));
  queues_->ProcessDue(clock_.Now());
  EXPECT_EQ(queues_->Explain("a")->state, QueueExplanation::State::kClaimed);
  clock_.Advance(Duration::Seconds(1));
  queues_->ProcessDue(clock_.Now());
  EXPECT_EQ(queues_->Explain("a")->state, QueueExplanation::State::kQueued);
  EXPECT_FALSE(Rows()[0].claimed_by.has_value());
  EXPECT_EQ(ClaimNow(1, "live-puller"), (Ids{"a"}));
}

TEST_F(InsightQueuesTest, ConfirmedClaimNeverComesBack) {
  Ready("a");
  ClaimNow(1);
  ASSERT_TRUE(
      store_->Write([](StoreWriter& w) { return w.DeleteReadyAgenda("ready-a").status(); }).ok());
  queues_->OnClaimConfirmed("a");
  clock_.Advance(Duration::Minutes(5));
  queues_->ProcessDue(clock_.Now());
  EXPECT_TRUE(ClaimNow(1).empty());
  EXPECT_FALSE(queues_->Explain("a").has_value());
}

TEST_F(InsightQueuesTest, DeletedAgendaLeavesEveryState) {
  Ready("waiting-1");
  Ready("queued-or-claimed");
  Ready("waiting-2");
  Ready("waiting-3");
  ClaimNow(1);
  for (const char* id : {"waiting-1", "queued-or-claimed", "waiting-3"}) {
    queues_->OnAgendaDeleted(id);
    EXPECT_FALSE(queues_->Explain(id).has_value()) << id;
  }
  EXPECT_EQ(ClaimNow(5), (Ids{"waiting-2"}));
}

TEST_F(InsightQueuesTest, RestartRebuildsQueuesAndKeepsClaims) {
  Ready("a");
  Ready("b");
  Ready("c");
  ClaimNow(1, "p1");
  Restart();
  EXPECT_EQ(queues_->Explain("a")->state, QueueExplanation::State::kClaimed);
  EXPECT_EQ(ClaimNow(5), (Ids{"b", "c"}));
  clock_.Advance(Duration::Seconds(61));
  queues_->ProcessDue(clock_.Now());
  // Every claim lapsed; they return in the order their leases ended.
  EXPECT_EQ(ClaimNow(5), (Ids{"a", "b", "c"}));
}

TEST_F(InsightQueuesTest, ChangingTheAlgorithmKeepsEveryWaitingAgenda) {
  PutInsight("ins", 0, SchedulingAlgorithm::kFirstInFirstOut);
  Ready("low", "acme", 1);
  Ready("high", "acme", 9);
  Ready("mid", "acme", 5);
  PutInsight("ins", 3, SchedulingAlgorithm::kPriority);
  EXPECT_EQ(ClaimNow(3), (Ids{"high", "mid", "low"}));
}

// --- Claims decided in the store: what another server sharing it does ---

// Another server claims (or confirms) an entry by writing to the store, without telling us.
void ClaimElsewhere(Store& store, const std::string& ready_id, const std::string& claimer,
                    Timestamp now, Duration lease = Duration::Seconds(60)) {
  ASSERT_TRUE(store
                  .Write([&](StoreWriter& w) -> Status {
                    POP_ASSIGN_OR_RETURN(bool won,
                                         w.ClaimReady(ready_id, claimer, now + lease, now));
                    return won ? Status::Ok() : Status(ErrorCode::kConflict, "not claimed");
                  })
                  .ok());
}

TEST_F(InsightQueuesTest, AnAgendaAnotherServerClaimedIsNotHandedOutAndTheNextOneIs) {
  Ready("a");
  Ready("b");
  Ready("c");
  ClaimElsewhere(*store_, "ready-a", "other-puller", clock_.Now());
  EXPECT_EQ(ClaimNow(1, "p1"), (Ids{"b"}));
  auto a = queues_->Explain("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->state, QueueExplanation::State::kClaimed);
  EXPECT_EQ(a->claimed_by, "other-puller");
  EXPECT_EQ(ClaimNow(5, "p1"), (Ids{"c"}));
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].claimed_by, "other-puller");
  EXPECT_EQ(rows[1].claimed_by, "p1");
  // The other server's puller never reports: its lease lapses here too, and the agenda returns.
  clock_.Advance(Duration::Seconds(60));
  queues_->ProcessDue(clock_.Now());
  EXPECT_EQ(ClaimNow(5, "p1"), (Ids{"a", "b", "c"}));
}

TEST_F(InsightQueuesTest, AClaimThatLosesEveryQueuedAgendaTakesTheNextOnes) {
  for (const char* id : {"a", "b", "c", "d"}) Ready(id);
  ClaimElsewhere(*store_, "ready-a", "other", clock_.Now());
  ClaimElsewhere(*store_, "ready-b", "other", clock_.Now());
  // The queue held a and b (queueSize 2); both were lost, so the claim goes on to c and d.
  EXPECT_EQ(ClaimNow(2, "p1"), (Ids{"c", "d"}));
}

TEST_F(InsightQueuesTest, AClaimAnnouncedByAnotherServerTakesTheAgendaOutOfTheQueue) {
  Ready("a");
  Ready("b");
  ClaimElsewhere(*store_, "ready-a", "other", clock_.Now());
  queues_->OnChange(Change::ReadyChanged(Rows()[0]));
  EXPECT_EQ(queues_->Explain("a")->state, QueueExplanation::State::kClaimed);
  EXPECT_EQ(queues_->Explain("b")->position, 0u);
  // Confirmed there: gone from this server's memory for good.
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) {
                    return w.ConfirmReadyClaim("ready-a", "other", clock_.Now()).status();
                  })
                  .ok());
  queues_->OnChange(Change::ReadyChanged(Rows()[0]));
  EXPECT_FALSE(queues_->Explain("a").has_value());
  clock_.Advance(Duration::Minutes(5));
  queues_->ProcessDue(clock_.Now());
  EXPECT_EQ(ClaimNow(5), (Ids{"b"}));
}

TEST_F(InsightQueuesTest, ARemovalAnnouncedForAnotherEntryOfTheAgendaChangesNothing) {
  Ready("a");
  ReadyAgenda old_entry = Rows()[0];
  old_entry.id = "an-older-entry";
  queues_->OnChange(Change::ReadyRemoved(old_entry));
  EXPECT_TRUE(queues_->Explain("a").has_value());
  queues_->OnChange(Change::ReadyRemoved(Rows()[0]));
  EXPECT_FALSE(queues_->Explain("a").has_value());
}

TEST_F(InsightQueuesTest, ResyncCatchesUpWithWhatOtherServersDidUnannounced) {
  Ready("kept");
  Ready("deleted-elsewhere");
  ReadyAgenda added;
  added.id = "ready-added-elsewhere";
  added.insight_id = "ins";
  added.agenda_id = "added-elsewhere";
  added.customer_id = "acme";
  added.added = clock_.Now();
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) -> Status {
                    POP_RETURN_IF_ERROR(w.AddReadyAgenda(added));
                    return w.DeleteReadyAgendasOf("deleted-elsewhere").status();
                  })
                  .ok());
  EXPECT_FALSE(queues_->Explain("added-elsewhere").has_value());
  ASSERT_TRUE(queues_->OnResync().ok());
  EXPECT_FALSE(queues_->Explain("deleted-elsewhere").has_value());
  EXPECT_EQ(ClaimNow(5), (Ids{"kept", "added-elsewhere"}));
}

TEST_F(InsightQueuesTest, ConfirmedEntriesAreNotScheduledAfterARestart) {
  Ready("running");
  Ready("waiting");
  ASSERT_EQ(ClaimNow(1, "p1"), (Ids{"running"}));
  ASSERT_TRUE(store_
                  ->Write([&](StoreWriter& w) {
                    return w.ConfirmReadyClaim("ready-running", "p1", clock_.Now()).status();
                  })
                  .ok());
  Restart();
  EXPECT_FALSE(queues_->Explain("running").has_value());
  clock_.Advance(Duration::Minutes(5));
  queues_->ProcessDue(clock_.Now());
  EXPECT_EQ(ClaimNow(5), (Ids{"waiting"}));
}

TEST_F(InsightQueuesTest, RoundRobinContinuesFromTheTurnsAnotherServerSaved) {
  PutInsight("ins", 0, SchedulingAlgorithm::kRoundRobin);
  Ready("c1-a", "c1");
  Ready("c2-a", "c2");
  Ready("c3-a", "c3");
  // Another server's runs left c3 owed a turn.
  ASSERT_TRUE(
      store_->Write([&](StoreWriter& w) {
              return w.PutScheduleInfo({"ins", {"c3"}, clock_.Now()});
            })
          .ok());
  queues_->OnChange(Change::ScheduleState("ins"));
  PutInsight("ins", 1, SchedulingAlgorithm::kRoundRobin);
  EXPECT_EQ(ClaimNow(1), (Ids{"c3-a"}));
}

TEST_F(InsightQueuesTest, RoundRobinTurnsAreSavedWithTheClaims) {
  PutInsight("ins", 1, SchedulingAlgorithm::kRoundRobin);
  Ready("c1-a", "c1");
  Ready("c1-b", "c1");
  Ready("c2-a", "c2");
  EXPECT_EQ(ClaimNow(1), (Ids{"c1-a"}));
  std::optional<InsightScheduleInfo> info;
  ASSERT_TRUE(store_
                  ->Read([&](StoreReader& r) -> Status {
                    POP_ASSIGN_OR_RETURN(info, r.GetScheduleInfo("ins"));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(info.has_value());  // no timer ran: the claim's transaction saved it
}

TEST_F(InsightQueuesTest, StopAnswersParkedClaimsEmpty) {
  bool answered = false;
  queues_->Claim("ins", 1, Duration::Seconds(20), "p1",
                 [&](Result<std::vector<ReadyAgenda>> r) { answered = r.ok() && r->empty(); });
  queues_->Stop();
  EXPECT_TRUE(answered);
  bool refused = false;
  queues_->Claim("ins", 1, Duration::Seconds(0), "p1",
                 [&](const Result<std::vector<ReadyAgenda>>& r) {
                   refused = !r.ok() && r.error().code == ErrorCode::kUnavailable;
                 });
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace pop::app
