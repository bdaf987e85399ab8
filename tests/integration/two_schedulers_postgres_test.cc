// Two pop servers on one PostgreSQL database, in process: each with its own PostgresStore (its
// own connections), PostgresChangeFeed and InsightQueues, as two `pop server`s have. Claims are
// decided by the store, changes travel through LISTEN/NOTIFY, and the timed jobs run in one of
// them at a time. The schedulers' time is a fake clock that never moves unless a test says so,
// so a long poll can only be answered early by a change arriving; the feeds wait for real time
// only between attempts to reconnect. Runs on the test cluster of ctest's `postgres` fixture.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/postgres_change_feed.h"
#include "adapters/postgres/postgres_leadership.h"
#include "adapters/postgres/postgres_store.h"
#include "adapters/system/system_clock.h"
#include "app/insight_queues.h"
#include "app/maintenance_runner.h"
#include "fakes/fake_clock.h"
#include "fakes/sequential_id_generator.h"
#include "ports/metrics.h"
#include "support/postgres_test_cluster.h"

namespace pop::testing {
namespace {

using Ids = std::vector<std::string>;

// How long a test waits for what must happen soon (a notification, a reconnect) before failing.
constexpr auto kSoon = std::chrono::seconds(30);

// One server: its store, change feed and scheduler.
struct Server {
  std::string name;
  std::unique_ptr<PostgresStore> store;
  std::unique_ptr<PostgresChangeFeed> feed;
  std::unique_ptr<app::InsightQueues> queues;
};

class TwoSchedulersOnPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dbname_ = PostgresDatabaseNameFor(std::string(info->name()) + "-" + std::to_string(getpid()));
    Result<bool> created = EnsurePostgresDatabase(dbname_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Result<std::string> conninfo = PostgresTestConninfo(dbname_);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message;
    conninfo_ = *conninfo;
  }

  void TearDown() override {
    for (Server& server : servers_) Stop(server);
    servers_.clear();
    Status dropped = DropPostgresDatabase(dbname_);
    EXPECT_TRUE(dropped.ok()) << dropped.message();
  }

  static void Stop(Server& server) {
    if (server.feed) server.feed->Stop();
    if (server.queues) server.queues->Stop();
  }

  // Starts server `name`; its feed connects with `feed_conninfo` (default: the store's).
  Server& StartServer(const std::string& name, const std::string& feed_conninfo = "") {
    Server& server = servers_.emplace_back();
    server.name = name;
    PostgresStoreOptions options;
    options.conninfo = conninfo_;
    options.reader_connections = 2;
    options.origin = name;
    auto store = PostgresStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    server.store = std::move(store).value();
    PostgresChangeFeedOptions feed_options;
    feed_options.conninfo = feed_conninfo.empty() ? conninfo_ : feed_conninfo;
    feed_options.origin = name;
    auto feed = PostgresChangeFeed::Open(feed_options, system_clock_, logger_);
    EXPECT_TRUE(feed.ok()) << feed.error().message;
    server.feed = std::move(feed).value();
    app::QueueOptions queue_options;
    queue_options.lease = Duration::Seconds(60);
    server.queues = std::make_unique<app::InsightQueues>(app::Services{*server.store, clock_, ids_},
                                                         queue_options, logger_);
    server.feed->Subscribe(server.queues.get());
    EXPECT_TRUE(server.queues->Start().ok());
    server.feed->Start();
    return server;
  }

  // Another connection to the database (a tool, a server's setup), not one of the servers.
  std::unique_ptr<PostgresStore> OpenStore() {
    PostgresStoreOptions options;
    options.conninfo = conninfo_;
    options.reader_connections = 1;
    auto store = PostgresStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  void PutInsight(int64_t queue_size) {
    std::unique_ptr<PostgresStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    PutInsight(*store, queue_size);
  }

  void PutInsight(Store& store, int64_t queue_size) {
    Insight insight;
    insight.id = "ins";
    insight.customer_id = "owner";
    insight.queue_size = queue_size;
    insight.scheduling_algorithm = SchedulingAlgorithm::kFirstInFirstOut;
    insight.resource_pool_id = "rp";
    ASSERT_TRUE(store.Write([&](StoreWriter& w) { return w.Put(insight); }).ok());
  }

  // A submission on `server`: the ready entry committed there, then published to its feed, as
  // SubmitAgenda does.
  void Submit(Server& server, const std::string& agenda_id) {
    ReadyAgenda ready;
    ready.id = "ready-" + agenda_id;
    ready.insight_id = "ins";
    ready.agenda_id = agenda_id;
    ready.customer_id = "acme";
    ready.added = clock_.Now();
    ASSERT_TRUE(server.store->Write([&](StoreWriter& w) { return w.AddReadyAgenda(ready); }).ok());
    server.feed->Publish(Change::ReadyAdded(ready));
  }

  // A claim on `server` that waits (a long poll); the future gets the claimed agenda ids.
  static std::future<Ids> LongPoll(Server& server, const std::string& claimer, size_t count = 1) {
    auto promise = std::make_shared<std::promise<Ids>>();
    server.queues->Claim("ins", count, Duration::Seconds(60), claimer,
                         [promise](Result<std::vector<ReadyAgenda>> claimed) {
                           Ids ids;
                           if (claimed.ok()) {
                             for (const ReadyAgenda& ready : *claimed) {
                               ids.push_back(ready.agenda_id);
                             }
                           }
                           promise->set_value(std::move(ids));
                         });
    return promise->get_future();
  }

  std::vector<ReadyAgenda> Rows(Store& store) {
    std::vector<ReadyAgenda> rows;
    EXPECT_TRUE(store
                    .Read([&](StoreReader& r) -> Status {
                      POP_ASSIGN_OR_RETURN(rows, r.ListReadyAgendas());
                      return Status::Ok();
                    })
                    .ok());
    return rows;
  }

  // Ends the backends holding advisory locks in this test's database and waits until their
  // locks are gone (a backend ends shortly after it is told to); true when one was ended.
  bool TerminateLockHolders() {
    constexpr char kHolders[] =
        " FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    Result<std::vector<std::string>> ended =
        PostgresAdminQuery(std::string("SELECT pg_terminate_backend(pid)") + kHolders, dbname_);
    if (!ended.ok() || ended->empty()) return false;
    const auto deadline = std::chrono::steady_clock::now() + kSoon;
    while (std::chrono::steady_clock::now() < deadline) {
      Result<std::vector<std::string>> left =
          PostgresAdminQuery(std::string("SELECT pid") + kHolders, dbname_);
      if (left.ok() && left->empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string dbname_;
  std::string conninfo_;
  FakeClock clock_;
  SystemClock system_clock_;
  SequentialIdGenerator ids_;
  NullLogger logger_;
  std::deque<Server> servers_;
};

TEST_F(TwoSchedulersOnPostgresTest, AgendasSubmittedAlternatelyToBothAreEachClaimedOnce) {
  constexpr size_t kAgendas = 300;
  PutInsight(10);
  Server& a = StartServer("server-a");
  Server& b = StartServer("server-b");
  std::mutex mu;
  std::condition_variable all_claimed;
  std::map<std::string, std::string> holder;  // agenda → claimer
  std::vector<std::string> twice;
  size_t claimed = 0;
  std::atomic<bool> done{false};
  std::vector<std::thread> claimers;
  for (Server* server : {&a, &b}) {
    for (int k = 0; k < 2; ++k) {
      const std::string claimer = server->name + "-puller-" + std::to_string(k);
      claimers.emplace_back([&, server, claimer] {
        while (!done.load()) {
          Ids ids = LongPoll(*server, claimer, 3).get();
          std::lock_guard<std::mutex> lock(mu);
          for (const std::string& id : ids) {
            if (!holder.emplace(id, claimer).second) twice.push_back(id);
            ++claimed;
          }
          if (claimed >= kAgendas) all_claimed.notify_all();
        }
      });
    }
  }
  for (size_t i = 0; i < kAgendas; ++i) Submit(i % 2 == 0 ? a : b, "agenda-" + std::to_string(i));
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(all_claimed.wait_for(lock, kSoon * 4, [&] { return claimed >= kAgendas; }))
        << claimed << " of " << kAgendas << " claimed";
  }
  done = true;
  Stop(a);  // answers the parked long polls (empty)
  Stop(b);
  for (std::thread& thread : claimers) thread.join();
  EXPECT_TRUE(twice.empty()) << twice.size() << " agendas were handed out twice, e.g. "
                             << (twice.empty() ? "" : twice.front());
  EXPECT_EQ(claimed, kAgendas);
  EXPECT_EQ(holder.size(), kAgendas);
  size_t by_a = 0;
  for (const auto& [agenda, claimer] : holder) by_a += claimer.rfind("server-a", 0) == 0 ? 1 : 0;
  EXPECT_GT(by_a, 0u);
  EXPECT_LT(by_a, kAgendas);  // both servers handed agendas out
  // The store agrees with every hand-out.
  for (const ReadyAgenda& row : Rows(*a.store)) {
    ASSERT_TRUE(row.claimed_by.has_value()) << row.agenda_id;
    EXPECT_EQ(*row.claimed_by, holder[row.agenda_id]) << row.agenda_id;
  }
}

TEST_F(TwoSchedulersOnPostgresTest, ASubmissionOnOneServerWakesALongPollParkedOnTheOther) {
  PutInsight(10);
  Server& a = StartServer("server-a");
  Server& b = StartServer("server-b");
  std::vector<double> waits_ms;
  for (int round = 0; round < 5; ++round) {
    std::future<Ids> parked = LongPoll(b, "b-puller");
    const auto submitted = std::chrono::steady_clock::now();
    Submit(a, "agenda-" + std::to_string(round));
    ASSERT_EQ(parked.wait_for(kSoon), std::future_status::ready);
    waits_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - submitted)
            .count());
    EXPECT_EQ(parked.get(), (Ids{"agenda-" + std::to_string(round)}));
  }
  // The fake clock never moved: only the notification can have answered the long polls.
  std::string waits;
  for (double ms : waits_ms) waits += std::to_string(ms) + " ";
  RecordProperty("submit_to_remote_claim_ms", waits);
  std::cout << "submit on A -> long poll on B answered after (ms): " << waits << "\n";
}

TEST_F(TwoSchedulersOnPostgresTest, AServerThatLostItsFeedCatchesUpByReadingTheStoreAgain) {
  PutInsight(10);
  // B's feed logs in as a role of its own, so that it can be kept out for a while.
  const std::string role = dbname_ + "_feed";
  ASSERT_TRUE(PostgresAdminQuery("CREATE ROLE " + role + " LOGIN PASSWORD 'feed-secret'").ok());
  Server& a = StartServer("server-a");
  Server& b = StartServer("server-b", conninfo_ + " user=" + role + " password=feed-secret");
  std::future<Ids> parked = LongPoll(b, "b-puller");
  // B's listening connection ends and cannot come back yet: whatever is committed now, B is not
  // told of.
  ASSERT_TRUE(PostgresAdminQuery("ALTER ROLE " + role + " NOLOGIN").ok());
  Result<std::vector<std::string>> ended = PostgresAdminQuery(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE usename = '" + role +
      "'");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  ASSERT_EQ(*ended, std::vector<std::string>{"t"});
  Submit(a, "missed-while-away");
  EXPECT_EQ(parked.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  // Let it back in: once it listens again it reads the store, and the long poll is served.
  ASSERT_TRUE(PostgresAdminQuery("ALTER ROLE " + role + " LOGIN").ok());
  ASSERT_EQ(parked.wait_for(kSoon), std::future_status::ready);
  EXPECT_EQ(parked.get(), (Ids{"missed-while-away"}));
  EXPECT_EQ(b.feed->Stats().resyncs, 1);
  Stop(b);
  Stop(a);
  servers_.clear();
  EXPECT_TRUE(PostgresAdminQuery("DROP ROLE " + role).ok());
}

// The timed jobs (reclaimer, reaper) run in one server at a time: the job lease of the store.
TEST_F(TwoSchedulersOnPostgresTest, AJobRunsInOneServerAndAnotherTakesOverWhenItStopsOrDies) {
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int i = 0; i < 3; ++i) {
    stores.push_back(OpenStore());
    ASSERT_NE(stores.back(), nullptr);
  }
  NullMetrics metrics;
  std::map<std::string, int> runs;
  auto runner = [&](size_t store, const std::string& holder) {
    return std::make_unique<app::MaintenanceRunner>(
        app::Services{*stores[store], clock_, ids_}, logger_, metrics,
        app::MaintenanceRunnerOptions{
            .holder = holder, .lease = Duration::Minutes(2), .start_thread = false},
        std::vector<app::MaintenanceJob>{{"reclaimer", Duration::Minutes(1), [&runs, holder] {
                                            ++runs[holder];
                                            return Status::Ok();
                                          }}});
  };
  auto a = runner(0, "server-a");
  auto b = runner(1, "server-b");
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 0);  // a holds the lease
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 0);
  EXPECT_EQ(a->RunDue(), 1);  // renewed until now + 2 min
  // a dies (killed: no release, no renewal): b, trying once a period, takes over at its first
  // try after the lease ran out.
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 0);
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 1);
  // b stops (SIGTERM): it releases the lease, and the next server runs the job at its next try,
  // within one period.
  b->Stop();
  auto c = runner(2, "server-c");
  EXPECT_EQ(c->RunDue(), 1);
  EXPECT_EQ(runs["server-a"], 2);
  EXPECT_EQ(runs["server-b"], 1);
  EXPECT_EQ(runs["server-c"], 1);
}

// With PostgresLeadership (what `pop server` on PostgreSQL uses) a job's leader is whoever holds
// its advisory lock: when the leader's connection ends (its process died), the next server to
// try takes the job over at once, within one period, whatever the lease says.
TEST_F(TwoSchedulersOnPostgresTest, AnotherServerTakesAJobOverWithinOnePeriodOfTheLeadersDeath) {
  std::vector<std::unique_ptr<PostgresStore>> stores;
  std::vector<std::unique_ptr<PostgresLeadership>> leaderships;
  for (int i = 0; i < 3; ++i) {
    stores.push_back(OpenStore());
    ASSERT_NE(stores.back(), nullptr);
    leaderships.push_back(
        std::make_unique<PostgresLeadership>(conninfo_, std::chrono::seconds(10)));
  }
  NullMetrics metrics;
  std::map<std::string, int> runs;
  auto runner = [&](size_t n, const std::string& holder) {
    return std::make_unique<app::MaintenanceRunner>(
        app::Services{*stores[n], clock_, ids_}, logger_, metrics,
        app::MaintenanceRunnerOptions{.holder = holder,
                                      .lease = Duration::Minutes(2),
                                      .start_thread = false,
                                      .leadership = leaderships[n].get()},
        std::vector<app::MaintenanceJob>{{"reclaimer", Duration::Minutes(1), [&runs, holder] {
                                            ++runs[holder];
                                            return Status::Ok();
                                          }}});
  };
  auto a = runner(0, "server-a");
  auto b = runner(1, "server-b");
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 0);  // a leads
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 0);
  EXPECT_EQ(a->RunDue(), 1);  // still a
  // a dies: its backend ends (as when its process is killed) and a never runs or resigns again.
  ASSERT_TRUE(TerminateLockHolders());
  // b's next try, one period later, takes the job (a lease of 2 minutes would still hold it).
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 1);
  // b's connection to PostgreSQL is cut (pg_terminate_backend, a restart): b leads nothing
  // until its next try takes the lock again on a new connection.
  ASSERT_TRUE(TerminateLockHolders());
  clock_.Advance(Duration::Minutes(1));
  EXPECT_EQ(b->RunDue(), 1);
  // b stops (SIGTERM): it resigns, and c runs the job at its first try.
  b->Stop();
  auto c = runner(2, "server-c");
  EXPECT_EQ(c->RunDue(), 1);
  EXPECT_EQ(runs["server-a"], 2);
  EXPECT_EQ(runs["server-b"], 2);
  EXPECT_EQ(runs["server-c"], 1);
}

}  // namespace
}  // namespace pop::testing
