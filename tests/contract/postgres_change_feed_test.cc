// PostgresChangeFeed on the test cluster: what the triggers of migrations 0002 and 0005 announce
// for each change a store commits, that a server's feed skips its own store's changes, and how
// announcements are decoded (malformed ones ask for a re-read rather than being dropped).
#include "adapters/postgres/postgres_change_feed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/postgres/postgres_store.h"
#include "adapters/system/system_clock.h"
#include "contract/store_factories_support.h"
#include "support/postgres_test_cluster.h"

namespace pop::testing {
namespace {

// Records what a feed delivers; Next() waits (bounded) for the next one.
class RecordingListener final : public ChangeListener {
 public:
  void OnChange(const Change& change) override {
    std::lock_guard<std::mutex> lock(mu_);
    changes_.push_back(change);
    cv_.notify_all();
  }
  Status OnResync() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++resyncs_;
    cv_.notify_all();
    return Status::Ok();
  }
  std::optional<Change> Next() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return !changes_.empty(); })) {
      return std::nullopt;
    }
    Change change = std::move(changes_.front());
    changes_.pop_front();
    return change;
  }
  int resyncs() {
    std::lock_guard<std::mutex> lock(mu_);
    return resyncs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Change> changes_;
  int resyncs_ = 0;
};

class PostgresChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbname_ = PostgresDatabaseNameFor(dir_.path());
    Result<bool> created = EnsurePostgresDatabase(dbname_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Result<std::string> conninfo = PostgresTestConninfo(dbname_);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message;
    conninfo_ = *conninfo;
    PostgresStoreOptions options;
    options.conninfo = conninfo_;
    options.reader_connections = 1;
    options.origin = "server-a";
    auto store = PostgresStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }
  void TearDown() override {
    for (auto& feed : feeds_) feed->Stop();
    feeds_.clear();
    store_.reset();
    EXPECT_TRUE(DropPostgresDatabase(dbname_).ok());
  }

  PostgresChangeFeed& StartFeed(const std::string& origin, RecordingListener& listener) {
    PostgresChangeFeedOptions options;
    options.conninfo = conninfo_;
    options.origin = origin;
    auto feed = PostgresChangeFeed::Open(options, clock_, logger_);
    EXPECT_TRUE(feed.ok()) << feed.error().message;
    feeds_.push_back(std::move(feed).value());
    feeds_.back()->Subscribe(&listener);
    feeds_.back()->Start();
    return *feeds_.back();
  }

  void Write(const std::function<Status(StoreWriter&)>& fn) {
    Status written = store_->Write(fn);
    ASSERT_TRUE(written.ok()) << written.message();
  }

  TempDir dir_;
  std::string dbname_;
  std::string conninfo_;
  SystemClock clock_;
  NullLogger logger_;
  std::unique_ptr<PostgresStore> store_;
  std::vector<std::unique_ptr<PostgresChangeFeed>> feeds_;
};

ReadyAgenda Entry() {
  ReadyAgenda ready;
  ready.id = "r1";
  ready.insight_id = "ins";
  ready.agenda_id = "a1";
  ready.customer_id = "acme";
  ready.added = Timestamp::FromMillis(1000);
  ready.priority = 3;
  ready.not_before = Timestamp::FromMillis(1500);
  return ready;
}

TEST_F(PostgresChangeFeedTest, AnotherServersChangesArriveInCommitOrderAndItsOwnAreSkipped) {
  RecordingListener other;  // server B's
  RecordingListener own;    // server A's: its store writes as server-a
  StartFeed("server-b", other);
  StartFeed("server-a", own);
  Write([](StoreWriter& w) { return w.AddReadyAgenda(Entry()); });
  Write([](StoreWriter& w) {
    return w.ClaimReady("r1", "p1", Timestamp::FromMillis(9000), Timestamp::FromMillis(2000))
        .status();
  });
  Write([](StoreWriter& w) {
    return w.ConfirmReadyClaim("r1", "p1", Timestamp::FromMillis(2500)).status();
  });
  // A report through the confirmed fence changes nothing: nothing is announced for it.
  Write([](StoreWriter& w) {
    return w.ConfirmReadyClaim("r1", "p1", Timestamp::FromMillis(2600)).status();
  });
  Write([](StoreWriter& w) { return w.DeleteReadyAgenda("r1").status(); });
  Insight insight;
  insight.id = "ins";
  insight.customer_id = "owner";
  Write([&](StoreWriter& w) { return w.Put(insight); });
  Write([](StoreWriter& w) {
    return w.PutScheduleInfo({"ins", {"acme"}, Timestamp::FromMillis(3000)});
  });
  Write([](StoreWriter& w) {
    return w.SetPaused(PauseTarget::kAgenda, "a1", Timestamp::FromMillis(3500)).status();
  });
  // Pausing again changes nothing: nothing is announced for it.
  Write([](StoreWriter& w) {
    return w.SetPaused(PauseTarget::kAgenda, "a1", Timestamp::FromMillis(3600)).status();
  });
  Write([](StoreWriter& w) { return w.SetPaused(PauseTarget::kInsight, "ins", {}).status(); });
  Write([](StoreWriter& w) { return w.SetPaused(PauseTarget::kAgenda, "a1", {}).status(); });
  AgendaProgress progress;
  progress.id = "p1";
  Write([&](StoreWriter& w) { return w.Put(progress); });
  Write([&](StoreWriter& w) { return w.Put(progress); });
  progress.percent_complete = 50;
  Write([&](StoreWriter& w) { return w.Put(progress); });
  Write([](StoreWriter& w) { return w.Delete(ObjectKind::kAgendaProgress, "p1").status(); });

  std::optional<Change> added = other.Next();
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->kind, Change::Kind::kReadyAdded);
  EXPECT_EQ(added->ready.id, "r1");
  EXPECT_EQ(added->ready.insight_id, "ins");
  EXPECT_EQ(added->ready.agenda_id, "a1");
  EXPECT_EQ(added->ready.customer_id, "acme");
  EXPECT_EQ(added->ready.added, Timestamp::FromMillis(1000));
  EXPECT_EQ(added->ready.priority, 3);
  EXPECT_EQ(added->ready.not_before, Timestamp::FromMillis(1500));
  EXPECT_FALSE(added->ready.claimed_by.has_value());
  std::optional<Change> claimed = other.Next();
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->kind, Change::Kind::kReadyChanged);
  EXPECT_EQ(claimed->ready.claimed_by, "p1");
  EXPECT_EQ(claimed->ready.lease_until, Timestamp::FromMillis(9000));
  EXPECT_FALSE(claimed->ready.confirmed);
  std::optional<Change> confirmed = other.Next();
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_EQ(confirmed->kind, Change::Kind::kReadyChanged);
  EXPECT_TRUE(confirmed->ready.confirmed);
  std::optional<Change> removed = other.Next();
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->kind, Change::Kind::kReadyRemoved);
  EXPECT_EQ(removed->ready.id, "r1");
  std::optional<Change> object = other.Next();
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->kind, Change::Kind::kObjectChanged);
  EXPECT_EQ(object->object_kind, ObjectKind::kInsight);
  EXPECT_EQ(object->id, "ins");
  EXPECT_FALSE(object->object.has_value());  // the listener reads it
  std::optional<Change> schedule = other.Next();
  ASSERT_TRUE(schedule.has_value());
  EXPECT_EQ(schedule->kind, Change::Kind::kScheduleState);
  EXPECT_EQ(schedule->id, "ins");
  std::optional<Change> paused = other.Next();
  ASSERT_TRUE(paused.has_value());
  EXPECT_EQ(paused->kind, Change::Kind::kPauseChanged);
  EXPECT_EQ(paused->pause_target, PauseTarget::kAgenda);
  EXPECT_EQ(paused->id, "a1");
  EXPECT_EQ(paused->paused_at, Timestamp::FromMillis(3500));
  // The insight was not paused, so its resume announced nothing; the agenda's did.
  std::optional<Change> resumed = other.Next();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->kind, Change::Kind::kPauseChanged);
  EXPECT_EQ(resumed->pause_target, PauseTarget::kAgenda);
  EXPECT_FALSE(resumed->paused_at.has_value());
  // Progress written, then changed (migration 0005): the listener reads it again each time;
  // writing it unchanged and deleting it announce nothing.
  for (int i = 0; i < 2; ++i) {
    std::optional<Change> touched = other.Next();
    ASSERT_TRUE(touched.has_value());
    EXPECT_EQ(touched->kind, Change::Kind::kObjectChanged);
    EXPECT_EQ(touched->object_kind, ObjectKind::kAgendaProgress);
    EXPECT_EQ(touched->id, "p1");
  }
  // Server A's own feed skipped all of that: the first change it hears of is server C's.
  PostgresStoreOptions options;
  options.conninfo = conninfo_;
  options.reader_connections = 1;
  options.origin = "server-c";
  auto server_c = PostgresStore::Open(options);
  ASSERT_TRUE(server_c.ok()) << server_c.error().message;
  ASSERT_TRUE((*server_c)
                  ->Write([](StoreWriter& w) {
                    ReadyAgenda entry = Entry();
                    entry.id = "r2";
                    return w.AddReadyAgenda(entry);
                  })
                  .ok());
  std::optional<Change> first_of_own = own.Next();
  ASSERT_TRUE(first_of_own.has_value());
  EXPECT_EQ(first_of_own->kind, Change::Kind::kReadyAdded);
  EXPECT_EQ(first_of_own->ready.id, "r2");
  EXPECT_EQ(own.resyncs(), 0);
  EXPECT_EQ(other.resyncs(), 0);
}

TEST(ChangeAnnouncementTest, DecodesEachKindSkipsItsOwnOriginAndRefusesTheMalformed) {
  auto decode = [](const std::string& payload) { return DecodeChangeAnnouncement(payload, "me"); };
  auto own = decode(R"(["me","object",["insight","i"]])");
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(own->has_value());
  auto resync = decode(R"(["other","resync",null])");
  ASSERT_TRUE(resync.ok() && resync->has_value());
  EXPECT_TRUE((*resync)->resync);
  auto customer = decode(R"(["","object",["customer","c1"]])");
  ASSERT_TRUE(customer.ok() && customer->has_value());
  EXPECT_EQ((*customer)->change->object_kind, ObjectKind::kCustomer);
  EXPECT_EQ((*customer)->change->id, "c1");
  // Progress (migration 0005), for the event streams of every server.
  auto progress = decode(R"(["other","object",["agenda_progress","p1"]])");
  ASSERT_TRUE(progress.ok() && progress->has_value());
  EXPECT_EQ((*progress)->change->kind, Change::Kind::kObjectChanged);
  EXPECT_EQ((*progress)->change->object_kind, ObjectKind::kAgendaProgress);
  auto operation = decode(R"(["other","object",["operation_progress","p1.a"]])");
  ASSERT_TRUE(operation.ok() && operation->has_value());
  EXPECT_EQ((*operation)->change->object_kind, ObjectKind::kOperationProgress);
  EXPECT_EQ((*operation)->change->id, "p1.a");
  auto ready = decode(R"(["other","ready_changed",["r","i","a","c",5,0,"p",70,null,false]])");
  ASSERT_TRUE(ready.ok() && ready->has_value());
  EXPECT_EQ((*ready)->change->kind, Change::Kind::kReadyChanged);
  EXPECT_EQ((*ready)->change->ready.claimed_by, "p");
  EXPECT_EQ((*ready)->change->ready.lease_until, Timestamp::FromMillis(70));
  EXPECT_FALSE((*ready)->change->ready.not_before.has_value());
  auto paused = decode(R"(["other","pause",["insight","i",42]])");
  ASSERT_TRUE(paused.ok() && paused->has_value());
  EXPECT_EQ((*paused)->change->kind, Change::Kind::kPauseChanged);
  EXPECT_EQ((*paused)->change->pause_target, PauseTarget::kInsight);
  EXPECT_EQ((*paused)->change->id, "i");
  EXPECT_EQ((*paused)->change->paused_at, Timestamp::FromMillis(42));
  auto resumed = decode(R"(["other","pause",["agenda","a",null]])");
  ASSERT_TRUE(resumed.ok() && resumed->has_value());
  EXPECT_EQ((*resumed)->change->pause_target, PauseTarget::kAgenda);
  EXPECT_FALSE((*resumed)->change->paused_at.has_value());
  for (const char* malformed :
       {"not json", R"(["other"])", R"(["other","ready_added",["r"]])",
        R"(["other","pause",["operation","a",1]])", R"(["other","pause",["agenda","a",true]])",
        R"(["other","object",["job_lease","a"]])", R"(["other","unknown",null])"}) {
    EXPECT_FALSE(decode(malformed).ok()) << malformed;
  }
}

}  // namespace
}  // namespace pop::testing
