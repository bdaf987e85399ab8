// What PostgresStore does beyond the store contract (store_contract_test.cc runs that suite over
// it too): migrations under an advisory lock, refusing a newer schema, losing and regaining its
// connections, and keeping the password out of every message. These run under ctest's
// `postgres` fixture, on a database of their own in the throw-away test cluster.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <latch>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/conninfo.h"
#include "adapters/postgres/migrations.h"
#include "adapters/postgres/postgres_store.h"
#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"
#include "support/postgres_test_cluster.h"

namespace pop::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbname_ = PostgresDatabaseNameFor(dir_.path());
    Result<bool> created = EnsurePostgresDatabase(dbname_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    Result<std::string> conninfo = PostgresTestConninfo(dbname_);
    ASSERT_TRUE(conninfo.ok()) << conninfo.error().message;
    conninfo_ = *conninfo;
  }

  void TearDown() override {
    Status dropped = DropPostgresDatabase(dbname_);
    EXPECT_TRUE(dropped.ok()) << dropped.message();
  }

  Result<std::unique_ptr<PostgresStore>> Open(size_t readers = 2) const {
    PostgresStoreOptions options;
    options.conninfo = conninfo_;
    options.reader_connections = readers;
    options.connect_timeout = std::chrono::seconds(5);
    return PostgresStore::Open(options);
  }

  std::vector<std::string> Query(const std::string& sql) const {
    Result<std::vector<std::string>> rows = PostgresAdminQuery(sql, dbname_);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<std::string>{};
  }

  // Ends every connection to this test's database (as a crashed server or a network cut would)
  // and waits until the server has let them all go.
  void KillConnections() const {
    const std::string where = "FROM pg_stat_activity WHERE datname = '" + dbname_ + "'";
    ASSERT_TRUE(PostgresAdminQuery("SELECT pg_terminate_backend(pid) " + where).ok());
    // Another process's exit has nothing to wait on but polling.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      Result<std::vector<std::string>> left = PostgresAdminQuery("SELECT count(*) " + where);
      ASSERT_TRUE(left.ok()) << left.error().message;
      if (left->at(0) == "0") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the terminated connections did not go away";
  }

  TempDir dir_;
  std::string dbname_;
  std::string conninfo_;
};

// A loopback port nothing listens on (bound, then released).
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST_F(PostgresStoreTest, MigrationsRunOnceWhenFourStoresOpenAtOnceOnAFreshDatabase) {
  constexpr int kServers = 4;
  std::latch start(kServers);
  std::vector<Result<std::unique_ptr<PostgresStore>>> opened;
  for (int i = 0; i < kServers; ++i) opened.emplace_back(Error(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      opened[i] = Open(1);
    });
  }
  for (auto& thread : threads) thread.join();

  for (const auto& store : opened) ASSERT_TRUE(store.ok()) << store.error().message;
  std::vector<std::string> expected;
  for (const sql::Migration& migration : postgres::Migrations()) {
    expected.push_back(std::to_string(migration.version) + " " + std::string(migration.name));
  }
  EXPECT_EQ(Query("SELECT version || ' ' || name FROM pop_schema_migration ORDER BY version"),
            expected);
  // Every store works on the one schema.
  for (int i = 0; i < kServers; ++i) {
    ASSERT_TRUE(PutAgenda(**opened[i], "a" + std::to_string(i)).ok());
  }
  Result<int64_t> count = CountAgendas(**opened[0]);
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_EQ(*count, kServers);
}

TEST_F(PostgresStoreTest, ReopeningAnUpToDateDatabaseAppliesNothing) {
  ASSERT_TRUE(Open().ok());
  std::vector<std::string> applied = Query("SELECT applied_at FROM pop_schema_migration");

  Result<std::unique_ptr<PostgresStore>> again = Open();

  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(Query("SELECT applied_at FROM pop_schema_migration"), applied);
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefusedAndLeftUntouched) {
  {
    Result<std::unique_ptr<PostgresStore>> store = Open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(PutAgenda(**store, "kept").ok());
  }
  Query("INSERT INTO pop_schema_migration (version, name) VALUES (999, '0999_from_the_future')");

  Result<std::unique_ptr<PostgresStore>> refused = Open();

  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().message,
            "database schema version 999 is newer than this pop supports (" +
                std::to_string(postgres::Migrations().back().version) + "); upgrade pop");
  EXPECT_EQ(Query("SELECT count(*) FROM pop_schema_migration"),
            std::vector<std::string>{std::to_string(postgres::Migrations().size() + 1)});
  EXPECT_THAT(Query("SELECT id FROM agenda"), ElementsAre("kept"));
}

// A connection that broke while idle (PostgreSQL restarted, pg_terminate_backend) is found out
// at its next BEGIN, before anything was done on it: it is replaced and the call goes on, so the
// first request after a restart does not fail.
TEST_F(PostgresStoreTest, KilledIdleReadConnectionIsReplacedBeforeTheNextRead) {
  Result<std::unique_ptr<PostgresStore>> store = Open(/*readers=*/1);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(PutAgenda(**store, "a1").ok());
  ASSERT_TRUE(CountAgendas(**store).ok());

  KillConnections();
  Result<int64_t> next = CountAgendas(**store);

  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(*next, 1);
}

// A read's BEGIN goes with its first statement and its COMMIT is not waited for; the next read
// on the same connection reads that answer first and takes a new snapshot.
TEST_F(PostgresStoreTest, EachReadOnOneConnectionSeesWhatWasCommittedBeforeIt) {
  Result<std::unique_ptr<PostgresStore>> store = Open(/*readers=*/1);
  ASSERT_TRUE(store.ok()) << store.error().message;
  Status nothing_read = (*store)->Read([](StoreReader&) { return Status::Ok(); });
  ASSERT_TRUE(nothing_read.ok()) << nothing_read.message();

  for (int64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(PutAgenda(**store, "a" + std::to_string(i)).ok());
    Result<int64_t> counted = CountAgendas(**store);
    ASSERT_TRUE(counted.ok()) << counted.error().message;
    EXPECT_EQ(*counted, i);  // a snapshot kept from an earlier read would count fewer
  }
}

TEST_F(PostgresStoreTest, KilledIdleWriteConnectionIsReplacedBeforeTheNextWrite) {
  Result<std::unique_ptr<PostgresStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(PutAgenda(**store, "before").ok());

  KillConnections();
  Status next = PutAgenda(**store, "after");

  EXPECT_TRUE(next.ok()) << next.message();
  EXPECT_THAT(Query("SELECT id FROM agenda ORDER BY seq"), ElementsAre("before", "after"));
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailableNamingHostAndPortButNotThePassword) {
  const int port = UnusedPort();
  PostgresStoreOptions options;
  options.conninfo =
      "postgresql://pop:S3cret-never-shown@127.0.0.1:" + std::to_string(port) + "/pop";

  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message,
              HasSubstr("the PostgreSQL server is unreachable: cannot connect to 127.0.0.1:" +
                        std::to_string(port)));
  EXPECT_THAT(store.error().message, Not(HasSubstr("S3cret-never-shown")));
  // What a client's 503 says (api/error_mapping.h): the cause, named without libpq's text.
  EXPECT_EQ(store.error().cause,
            "the store is unavailable: connection to PostgreSQL at 127.0.0.1:" +
                std::to_string(port) + " refused");
}

TEST_F(PostgresStoreTest, WrongPasswordIsRefusedWithoutShowingIt) {
  Result<std::string> uri = PostgresTestUri();
  ASSERT_TRUE(uri.ok());
  PostgresStoreOptions options;
  // The test cluster's URI is postgresql://postgres:<password>@127.0.0.1:<port>/postgres.
  options.conninfo = std::regex_replace(*uri, std::regex(":[^:@/]+@"), ":Wrong-Pa55word@");
  ASSERT_NE(options.conninfo, *uri);

  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("password authentication failed"));
  EXPECT_THAT(store.error().message, Not(HasSubstr("Wrong-Pa55word")));
  EXPECT_THAT(store.error().cause,
              ::testing::MatchesRegex("the store is unavailable: PostgreSQL at "
                                      "127\\.0\\.0\\.1:[0-9]+ refused the login"));
}

TEST_F(PostgresStoreTest, MalformedConnectionStringIsInvalidAndRedacted) {
  PostgresStoreOptions options;
  options.conninfo = "postgresql://pop:Hidden-Pa55@127.0.0.1:5432/pop?no_such_option=1";

  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(store.error().message, HasSubstr("postgresql://pop:***@127.0.0.1:5432/pop"));
  EXPECT_THAT(store.error().message, Not(HasSubstr("Hidden-Pa55")));
}

TEST_F(PostgresStoreTest, OperationLogsKeepAnyBytes) {
  Result<std::unique_ptr<PostgresStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.error().message;
  constexpr char kBytes[] = "text\0nul \xff\xfe latin-1 \xe9\n";
  const std::string bytes(kBytes, sizeof(kBytes) - 1);

  Status appended = (*store)->Write([&](StoreWriter& writer) {
    return writer.AppendOperationLog("op-1", bytes, 1000, Timestamp::FromMillis(5));
  });

  ASSERT_TRUE(appended.ok()) << appended.message();
  std::optional<OperationLog> log;
  ASSERT_TRUE((*store)
                  ->Read([&](StoreReader& reader) -> Status {
                    POP_ASSIGN_OR_RETURN(log, reader.GetOperationLog("op-1"));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->text, bytes);
}

TEST_F(PostgresStoreTest, ManyConcurrentWritersAreCommittedInBoundedBatches) {
  PostgresStoreOptions options;
  options.conninfo = conninfo_;
  options.max_batch = 8;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  constexpr int kWriters = 40;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      Status put = PutAgenda(**store, "a" + std::to_string(i));
      EXPECT_TRUE(put.ok()) << put.message();
    });
  }
  for (auto& writer : writers) writer.join();

  PostgresStoreStats stats = (*store)->Stats();
  EXPECT_EQ(stats.writes, kWriters);
  EXPECT_GE(stats.commits, kWriters / 8);
  EXPECT_EQ(Query("SELECT count(*) FROM agenda"), std::vector<std::string>{"40"});
}

// A closure's writes (Put) are not sent one by one: they go to the server together with what
// surrounds them, here the transaction's BEGIN and its COMMIT, in one round trip.
TEST_F(PostgresStoreTest, WritesOfAClosureGoWithItsCommitInOneRoundTrip) {
  Result<std::unique_ptr<PostgresStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(PutAgenda(**store, "warm-up").ok());  // prepares the upsert on the connection
  const int64_t before = (*store)->Stats().writer_round_trips;

  Status written = (*store)->Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a1", "acme")));
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a2", "acme")));
    return writer.Put(AgendaWith("a3", "acme"));
  });

  ASSERT_TRUE(written.ok()) << written.message();
  EXPECT_EQ((*store)->Stats().writer_round_trips - before, 1);  // BEGIN, the puts, COMMIT
  EXPECT_THAT(Query("SELECT id FROM agenda ORDER BY seq"),
              ElementsAre("warm-up", "a1", "a2", "a3"));
}

// The server refuses agendas with the id `poison` (a trigger of this test's database).
void RefusePoison(const std::string& dbname) {
  ASSERT_TRUE(PostgresAdminQuery("CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql"
                                 " AS $$ BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION"
                                 " 'poisoned'; END IF; RETURN NEW; END $$",
                                 dbname)
                  .ok());
  ASSERT_TRUE(PostgresAdminQuery("CREATE TRIGGER refuse_poison BEFORE INSERT ON agenda"
                                 " FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
                                 dbname)
                  .ok());
}

// A write the server refuses fails its closure as if it had been sent alone: the statement
// after it reports the failure, nothing of the closure is kept, and the next write works.
TEST_F(PostgresStoreTest, RefusedDeferredWriteFailsItsClosureAndKeepsNothingOfIt) {
  Result<std::unique_ptr<PostgresStore>> store = Open();
  ASSERT_TRUE(store.ok()) << store.error().message;
  RefusePoison(dbname_);

  Status seen_by_next = Status::Ok();
  Status read_after = (*store)->Write([&](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("kept-not", "acme")));
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("poison", "acme")));
    seen_by_next = writer.Get(ObjectKind::kAgenda, "kept-not").status();
    return seen_by_next;
  });
  Status put_last = (*store)->Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("kept-not-either", "acme")));
    return writer.Put(AgendaWith("poison", "acme"));
  });
  Status next = PutAgenda(**store, "after");

  EXPECT_THAT(seen_by_next.message(), HasSubstr("poisoned"));
  EXPECT_THAT(read_after.message(), HasSubstr("poisoned"));
  EXPECT_THAT(put_last.message(), HasSubstr("poisoned"));
  EXPECT_TRUE(next.ok()) << next.message();
  EXPECT_THAT(Query("SELECT id FROM agenda ORDER BY seq"), ElementsAre("after"));
}

// In a batch of many closures (savepoints), a refused write fails its own closure only.
TEST_F(PostgresStoreTest, RefusedDeferredWriteInABatchFailsOnlyItsOwnClosure) {
  PostgresStoreOptions options;
  options.conninfo = conninfo_;
  options.max_batch = 8;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  RefusePoison(dbname_);
  constexpr int kWriters = 40;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      const bool poisoned = i % 5 == 0;
      Status put = (*store)->Write([&](StoreWriter& writer) -> Status {
        POP_RETURN_IF_ERROR(writer.Put(AgendaWith("a" + std::to_string(i), "acme")));
        if (poisoned) POP_RETURN_IF_ERROR(writer.Put(AgendaWith("poison", "acme")));
        return Status::Ok();
      });
      EXPECT_EQ(put.ok(), !poisoned) << i << ": " << put.message();
    });
  }
  for (auto& writer : writers) writer.join();

  EXPECT_EQ(Query("SELECT count(*) FROM agenda"), std::vector<std::string>{"32"});
  EXPECT_EQ(Query("SELECT count(*) FROM agenda WHERE (substr(id, 2)::int) % 5 = 0"),
            std::vector<std::string>{"0"});
}

// --- Connection strings as text (no cluster needed) ---

TEST(ConninfoTest, RecognisesPostgresUris) {
  EXPECT_TRUE(postgres::IsPostgresUri("postgresql://"));
  EXPECT_TRUE(postgres::IsPostgresUri("postgres://u@h/db"));
  EXPECT_FALSE(postgres::IsPostgresUri("sqlite:pop-data/pop.db"));
  EXPECT_FALSE(postgres::IsPostgresUri("host=h dbname=d"));
}

TEST(ConninfoTest, RedactsEveryFormOfPassword) {
  EXPECT_EQ(postgres::RedactPassword("postgresql://pop:s3cret@db.example:5432/pop"),
            "postgresql://pop:***@db.example:5432/pop");
  EXPECT_EQ(postgres::RedactPassword("postgres://pop:s3:c@ret@h1:1,h2:2/db?sslmode=require"),
            "postgres://pop:***@h1:1,h2:2/db?sslmode=require");
  EXPECT_EQ(postgres::RedactPassword("postgresql://h/db?user=pop&password=s3cret&sslmode=x"),
            "postgresql://h/db?user=pop&password=***&sslmode=x");
  EXPECT_EQ(postgres::RedactPassword("host=h password = 'it\\'s secret' dbname=d"),
            "host=h password = *** dbname=d");
  EXPECT_EQ(postgres::RedactPassword("host=h password=plain sslpassword=key dbname=d"),
            "host=h password=*** sslpassword=*** dbname=d");
  EXPECT_EQ(postgres::RedactPassword("postgresql://pop@h/db"), "postgresql://pop@h/db");
  EXPECT_EQ(postgres::RedactPassword("postgresql://"), "postgresql://");
  EXPECT_EQ(postgres::RedactPassword("sqlite:/data/pop.db"), "sqlite:/data/pop.db");
}

TEST(ConninfoTest, MasksPasswordsInPlaceKeepingTheLength) {
  std::string uri = "postgresql://pop:s3cret@h/db?password=x";
  std::vector<char> text(uri.begin(), uri.end());
  text.push_back('\0');

  EXPECT_TRUE(postgres::MaskPassword(text.data()));

  EXPECT_STREQ(text.data(), "postgresql://pop:******@h/db?password=*");
  char plain[] = "--listen";
  EXPECT_FALSE(postgres::MaskPassword(plain));
  EXPECT_STREQ(plain, "--listen");
}

}  // namespace
}  // namespace pop::testing
