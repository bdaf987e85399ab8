// SqliteStore behaviour beyond the Store contract: opening and refusing database files, schema
// versions, a read-only file and a full disk, group commit and shutdown. The Store contract
// itself is store_contract_test.cc.
#include "adapters/sqlite/sqlite_store.h"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "adapters/sqlite/migrations.h"
#include "contract/store_factories_support.h"
#include "contract/store_samples_support.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// The unprivileged user a root test run switches to, so that file permissions apply.
constexpr uid_t kNobody = 65534;

// SQLite file format: the schema version (`PRAGMA user_version`) is a big-endian 32-bit integer
// at this offset of the database header.
constexpr std::streamoff kUserVersionOffset = 60;

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int32_t UserVersionInHeader(const std::string& path) {
  std::string bytes = ReadBytes(path);
  if (bytes.size() < 100) return -1;
  int32_t version = 0;
  for (int i = 0; i < 4; ++i) {
    version = (version << 8) | static_cast<unsigned char>(bytes[kUserVersionOffset + i]);
  }
  return version;
}

void WriteUserVersionInHeader(const std::string& path, int32_t version) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  file.seekp(kUserVersionOffset);
  for (int shift = 24; shift >= 0; shift -= 8) {
    file.put(static_cast<char>((version >> shift) & 0xFF));
  }
}

int NewestVersion() { return sqlite::Migrations().back().version; }

Result<std::unique_ptr<SqliteStore>> OpenAt(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  return SqliteStore::Open(options);
}

// CountAgendas, or -1 when the read fails.
int64_t AgendaCount(Store& store) {
  Result<int64_t> count = CountAgendas(store);
  return count.ok() ? *count : -1;
}

// Creates a database at `path` holding one agenda, then closes it.
void CreateDatabase(const std::string& path) {
  auto store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(PutAgenda(**store, "kept").ok());
}

// In a child process (EXPECT_EXIT): report a failed expectation and end the child.
[[noreturn]] void ChildFails(int code, const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(code);
}

// Root ignores file permissions, so a root child switches to an unprivileged user first.
void BecomeUnprivileged() {
  if (geteuid() != 0) return;
  if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) {
    ChildFails(10, "cannot switch to an unprivileged user");
  }
}

[[noreturn]] void OpenAsUnprivilegedAndExpectUnavailable(const std::string& path,
                                                         const std::string& expected_text) {
  BecomeUnprivileged();
  auto store = OpenAt(path);
  if (store.ok()) ChildFails(1, "a read-only database was opened for writing");
  if (store.error().code != ErrorCode::kUnavailable) {
    ChildFails(2, "expected kUnavailable, got: " + store.error().message);
  }
  if (store.error().message.find(expected_text) == std::string::npos) {
    ChildFails(3, "message lacks '" + expected_text + "': " + store.error().message);
  }
  std::_Exit(0);
}

// Writes ~64 KiB agendas until one fails; returns that failure and how many agendas the
// store holds (one was there before). Ends the child if no write fails.
std::pair<Status, int64_t> WriteUntilFull(Store& store) {
  int64_t written = 1;
  for (int i = 0; i < 10000; ++i) {
    Agenda big = AgendaWith("big-" + std::to_string(i), "acme");
    Operation operation;
    operation.name = "op";
    operation.payload = Json(std::string(size_t{64} * 1024, static_cast<char>('a' + i % 26)));
    big.operations = std::vector<Operation>{operation};
    Status write = store.Write([&](StoreWriter& writer) { return writer.Put(big); });
    if (!write.ok()) return {write, written};
    ++written;
  }
  ChildFails(4, "no write failed although the space is limited");
}

// The checks common to both ways of filling the disk: the failed write is kUnavailable, kept
// nothing, and `make_room` lets writing continue.
[[noreturn]] void FillAndRecover(const std::string& path, const std::function<void()>& limit,
                                 const std::function<void()>& make_room) {
  auto opened = OpenAt(path);
  if (!opened.ok()) ChildFails(1, "open: " + opened.error().message);
  Store& store = **opened;
  if (!PutAgenda(store, "kept").ok()) ChildFails(2, "first write failed");

  limit();
  auto [failed, written] = WriteUntilFull(store);
  if (failed.code() != ErrorCode::kUnavailable) {
    ChildFails(5, "expected kUnavailable, got: " + failed.message());
  }
  std::fprintf(stderr, "full disk reported as: %s\n", failed.message().c_str());
  if (AgendaCount(store) != written) ChildFails(6, "the failed write left something behind");

  make_room();
  Status again = PutAgenda(store, "after");
  if (!again.ok()) ChildFails(8, "no recovery after space returned: " + again.message());
  if (AgendaCount(store) != written + 1) ChildFails(9, "the write after recovery is missing");
  std::_Exit(0);
}

// A full disk as seen by one process: RLIMIT_FSIZE stops files from growing past 1 MiB (it
// binds root too). SQLite sees EFBIG and reports an I/O error.
[[noreturn]] void FillFileSizeLimitAndRecover(const std::string& path) {
  signal(SIGXFSZ, SIG_IGN);  // over-limit writes then fail with EFBIG instead of killing us
  rlimit original{};
  getrlimit(RLIMIT_FSIZE, &original);
  FillAndRecover(
      path,
      [&] {
        rlimit limited = original;
        limited.rlim_cur = rlim_t{1024} * 1024;
        if (setrlimit(RLIMIT_FSIZE, &limited) != 0) ChildFails(3, "cannot limit the file size");
      },
      [&] {
        if (setrlimit(RLIMIT_FSIZE, &original) != 0) ChildFails(7, "cannot lift the limit");
      });
}

// Mounts a tmpfs of `bytes` on `dir` in a private mount namespace of this process only.
bool MountSmallTmpfs(const std::string& dir, size_t bytes) {
  std::string options = "size=" + std::to_string(bytes);
  return unshare(CLONE_NEWNS) == 0 &&
         mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

// Whether mounting works here (root with CAP_SYS_ADMIN); probed in a child so that this
// process keeps its mounts.
bool CanMountTmpfs(const std::string& dir) {
  pid_t child = fork();
  if (child == 0) std::_Exit(MountSmallTmpfs(dir, size_t{64} * 1024) ? 0 : 1);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A really full file system (ENOSPC, which SQLite reports as SQLITE_FULL): a 2 MiB tmpfs, with
// a 512 KiB filler file that is deleted to make room again.
[[noreturn]] void FillTmpfsAndRecover(const std::string& dir) {
  if (!MountSmallTmpfs(dir, size_t{2} * 1024 * 1024)) ChildFails(3, "cannot mount a tmpfs");
  const std::string filler = dir + "/filler";
  std::ofstream(filler, std::ios::binary) << std::string(size_t{512} * 1024, 'f');
  FillAndRecover(
      dir + "/pop.db", [] {},
      [&] {
        if (!fs::remove(filler)) ChildFails(7, "cannot delete the filler file");
      });
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string DatabasePath() const { return dir_.path() + "/pop.db"; }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, NewDatabaseGetsTheNewestSchemaVersion) {
  CreateDatabase(DatabasePath());

  EXPECT_EQ(UserVersionInHeader(DatabasePath()), NewestVersion());
}

TEST_F(SqliteStoreTest, MigrationsAreNumberedFromOneWithoutGaps) {
  int expected = 1;
  for (const sqlite::Migration& migration : sqlite::Migrations()) {
    EXPECT_EQ(migration.version, expected);
    EXPECT_EQ(std::stoi(std::string(migration.name.substr(0, 4))), expected) << migration.name;
    EXPECT_FALSE(migration.sql.empty());
    ++expected;
  }
  EXPECT_GT(expected, 1);
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaAndLeavesTheFileUntouched) {
  CreateDatabase(DatabasePath());
  ASSERT_FALSE(fs::exists(DatabasePath() + "-wal"));
  const int newer = NewestVersion() + 1;
  WriteUserVersionInHeader(DatabasePath(), newer);
  const std::string before = ReadBytes(DatabasePath());

  auto store = OpenAt(DatabasePath());

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.error().message, "database schema version " + std::to_string(newer) +
                                       " is newer than this pop supports (" +
                                       std::to_string(NewestVersion()) + "); upgrade pop");
  EXPECT_EQ(ReadBytes(DatabasePath()), before);
  EXPECT_FALSE(fs::exists(DatabasePath() + "-wal"));
}

TEST_F(SqliteStoreTest, ReopensDatabaseOfTheCurrentVersionWithoutMigrating) {
  CreateDatabase(DatabasePath());

  auto store = OpenAt(DatabasePath());

  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(AgendaCount(**store), 1);
}

TEST_F(SqliteStoreTest, TokensOfSchemaFiveKeepWorkingWithEveryAccountPendingAfterUpgrade) {
  {  // A database as pop wrote it at schema version 5, holding one token.
    auto connection = sqlite::Connection::Open(DatabasePath(), sqlite::Connection::Mode::kReadWrite,
                                               std::chrono::milliseconds(1000));
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    for (const sqlite::Migration& migration : sqlite::Migrations()) {
      if (migration.version > 5) break;
      ASSERT_TRUE((*connection)->Execute(std::string(migration.sql)).ok()) << migration.name;
    }
    ASSERT_TRUE((*connection)
                    ->Execute("INSERT INTO api_token (id, secret_hash, accounts, super_user, title,"
                              " created) VALUES ('t1', 'hash-1', '[\"acme\",\"beta\"]', 0,"
                              " 'old', 7); PRAGMA user_version = 5;")
                    .ok());
  }

  auto store = OpenAt(DatabasePath());

  ASSERT_TRUE(store.ok()) << store.error().message;
  Status read = (*store)->Read([](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto token, reader.FindTokenByHash("hash-1"));
    EXPECT_TRUE(token.has_value());
    if (token.has_value()) {
      EXPECT_THAT(token->pending_accounts, ::testing::ElementsAre("acme", "beta"));
      EXPECT_FALSE(token->expires_at || token->last_used || token->revoked_at);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.message();
  store->reset();  // closing checkpoints the write-ahead log into the file
  EXPECT_EQ(UserVersionInHeader(DatabasePath()), NewestVersion());
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailable) {
  auto store = OpenAt(dir_.path() + "/missing/pop.db");

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(store.error().message, HasSubstr("cannot open database"));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefusedAndLeftUntouched) {
  const std::string garbage(4096, 'x');
  std::ofstream(DatabasePath(), std::ios::binary) << garbage;

  auto store = OpenAt(DatabasePath());

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_THAT(store.error().message, HasSubstr("not an SQLite database"));
  EXPECT_EQ(ReadBytes(DatabasePath()), garbage);
}

TEST_F(SqliteStoreTest, ReadOnlyDatabaseFileIsUnavailable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  CreateDatabase(DatabasePath());
  // Only the file is read-only: the directory lets SQLite create its -wal and -shm files.
  ASSERT_EQ(chmod(DatabasePath().c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0777), 0);

  EXPECT_EXIT(OpenAsUnprivilegedAndExpectUnavailable(DatabasePath(), "read-only"),
              ::testing::ExitedWithCode(0), "");
}

TEST_F(SqliteStoreTest, DatabaseInReadOnlyDirectoryIsUnavailable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  CreateDatabase(DatabasePath());
  ASSERT_EQ(chmod(DatabasePath().c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0555), 0);

  EXPECT_EXIT(OpenAsUnprivilegedAndExpectUnavailable(DatabasePath(), "database"),
              ::testing::ExitedWithCode(0), "");
}

TEST_F(SqliteStoreTest, FileSizeLimitFailsTheWriteAsUnavailableAndTheStoreRecovers) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");

  EXPECT_EXIT(FillFileSizeLimitAndRecover(DatabasePath()), ::testing::ExitedWithCode(0),
              "full disk reported as: database I/O error");
}

TEST_F(SqliteStoreTest, FullFileSystemFailsTheWriteAsUnavailableAndTheStoreRecovers) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string mount_point = dir_.path() + "/small";
  ASSERT_TRUE(fs::create_directory(mount_point));
  if (!CanMountTmpfs(mount_point)) {
    GTEST_SKIP() << "needs permission to mount a tmpfs (root with CAP_SYS_ADMIN)";
  }

  EXPECT_EXIT(FillTmpfsAndRecover(mount_point), ::testing::ExitedWithCode(0),
              "full disk reported as: database is full");
}

TEST_F(SqliteStoreTest, ConcurrentWritesShareOneCommit) {
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  SqliteStore& store = **opened;
  // The first write holds the writer thread until the others have queued behind it.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::thread blocker([&] {
    Status write = store.Write([&](StoreWriter& writer) {
      started.set_value();
      released.wait();
      return writer.Put(AgendaWith("blocker", "acme"));
    });
    EXPECT_TRUE(write.ok()) << write.message();
  });
  started.get_future().wait();
  const int64_t commits_before = store.Stats().commits;
  constexpr int kQueued = 15;
  std::vector<std::thread> writers;
  writers.reserve(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    writers.emplace_back(
        [&, i] { EXPECT_TRUE(PutAgenda(store, "queued-" + std::to_string(i)).ok()); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store.Stats().queued < kQueued && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store.Stats().queued, kQueued);

  release.set_value();
  blocker.join();
  for (auto& writer : writers) writer.join();

  // The blocker's batch, then one batch for all fifteen.
  EXPECT_EQ(store.Stats().commits - commits_before, 2);
  EXPECT_EQ(AgendaCount(store), kQueued + 1);
}

TEST_F(SqliteStoreTest, WriteAfterStopIsUnavailableAndReadsStillWork) {
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(PutAgenda(**opened, "a1").ok());

  (*opened)->Stop();
  (*opened)->Stop();
  Status write = PutAgenda(**opened, "a2");

  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(AgendaCount(**opened), 1);
}

TEST_F(SqliteStoreTest, ExceptionFromAClosureBecomesAnInternalError) {
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;

  Status write = store.Write([](StoreWriter& writer) -> Status {
    POP_RETURN_IF_ERROR(writer.Put(AgendaWith("lost", "acme")));
    throw std::runtime_error("boom");
  });
  Status read = store.Read([](StoreReader&) -> Status { throw std::runtime_error("bang"); });

  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.code(), ErrorCode::kInternal);
  EXPECT_THAT(write.message(), HasSubstr("boom"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), ErrorCode::kInternal);
  EXPECT_THAT(read.message(), HasSubstr("bang"));
  EXPECT_EQ(AgendaCount(store), 0);
  EXPECT_TRUE(PutAgenda(store, "after").ok());
}

TEST_F(SqliteStoreTest, WriteFromInsideAWriteIsRefusedInsteadOfDeadlocking) {
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;

  Status inner;
  Status outer = store.Write([&](StoreWriter&) {
    inner = PutAgenda(store, "nested");
    return Status::Ok();
  });

  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.code(), ErrorCode::kInternal);
}

// An agenda whose one operation's payload nests `depth` objects deep ({"a":{"a":...}}).
Agenda AgendaNestedTo(const std::string& id, size_t depth) {
  Json payload = Json::Object();
  for (size_t i = 1; i < depth; ++i) payload = Json(JsonObject{{"a", std::move(payload)}});
  Agenda agenda = AgendaWith(id, "acme");
  Operation operation;
  operation.name = "op";
  operation.payload = std::move(payload);
  agenda.operations = std::vector<Operation>{operation};
  return agenda;
}

TEST_F(SqliteStoreTest, DatabaseFilesAreOwnerOnly) {
  // Even with a umask that would leave them open to everyone.
  mode_t previous = umask(0);
  auto opened = OpenAt(DatabasePath());
  umask(previous);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(PutAgenda(**opened, "a").ok());

  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat info {};
    ASSERT_EQ(stat((DatabasePath() + suffix).c_str(), &info), 0) << suffix;
    EXPECT_EQ(info.st_mode & 0777, 0600) << "pop.db" << suffix;
  }
}

TEST_F(SqliteStoreTest, DatabaseLeftReadableByOthersIsMadeOwnerOnlyOnOpen) {
  CreateDatabase(DatabasePath());
  ASSERT_EQ(chmod(DatabasePath().c_str(), 0644), 0);

  auto opened = OpenAt(DatabasePath());

  ASSERT_TRUE(opened.ok()) << opened.error().message;
  struct stat info {};
  ASSERT_EQ(stat(DatabasePath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  EXPECT_EQ(AgendaCount(**opened), 1);
}

TEST_F(SqliteStoreTest, PutRefusesDocumentNestedDeeperThanTheLimitNamingTheField) {
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  // The agenda document is {operations:[{payload:...}]}: three levels above the payload.
  Status at_limit = (*opened)->Write(
      [&](StoreWriter& writer) { return writer.Put(AgendaNestedTo("fits", kMaxJsonDepth - 3)); });
  Status over = (*opened)->Write(
      [&](StoreWriter& writer) { return writer.Put(AgendaNestedTo("deep", kMaxJsonDepth - 2)); });

  EXPECT_TRUE(at_limit.ok()) << at_limit.message();
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.code(), ErrorCode::kValidation);
  EXPECT_THAT(over.message(), HasSubstr("'operations[0].payload.a"));
  EXPECT_THAT(over.message(), HasSubstr("deeper than 128 levels"));
  EXPECT_EQ(AgendaCount(**opened), 1);
}

TEST_F(SqliteStoreTest, RowTooDeepToReadIsAClearErrorAndCanBeDeleted) {
  {
    SqliteStoreOptions legacy;  // as an older version wrote it
    legacy.path = DatabasePath();
    legacy.max_document_depth = 4 * kMaxStoredJsonDepth;
    auto old = SqliteStore::Open(legacy);
    ASSERT_TRUE(old.ok()) << old.error().message;
    Status put = (*old)->Write([&](StoreWriter& writer) {
      return writer.Put(AgendaNestedTo("poison", kMaxStoredJsonDepth + 10));
    });
    ASSERT_TRUE(put.ok()) << put.message();
  }
  auto opened = OpenAt(DatabasePath());
  ASSERT_TRUE(opened.ok()) << opened.error().message;

  Status read = (*opened)->Read(
      [&](StoreReader& reader) { return reader.Get(ObjectKind::kAgenda, "poison").status(); });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.code(), ErrorCode::kValidation);
  EXPECT_THAT(read.message(), HasSubstr("cannot be read"));

  bool deleted = false;
  Status write = (*opened)->Write([&](StoreWriter& writer) -> Status {
    POP_ASSIGN_OR_RETURN(deleted, writer.Delete(ObjectKind::kAgenda, "poison"));
    return Status::Ok();
  });
  ASSERT_TRUE(write.ok()) << write.message();
  EXPECT_TRUE(deleted);
  EXPECT_EQ(AgendaCount(**opened), 0);
}

}  // namespace
}  // namespace pop::testing
