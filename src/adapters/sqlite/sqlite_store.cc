#include "adapters/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "adapters/sql/run_guarded.h"
#include "adapters/sqlite/connection.h"
#include "adapters/sqlite/group_commit_writer.h"
#include "adapters/sqlite/migrations.h"
#include "adapters/sqlite/reader_pool.h"
#include "adapters/sqlite/session.h"

namespace pop {
namespace {

using sqlite::Connection;

// JSON operators `->` and `->>` (used by by-field queries) arrived in SQLite 3.38.
constexpr int kMinimumSqliteVersion = 3038000;

// Keeps the WAL file from staying at its largest size after a checkpoint.
constexpr char kJournalSizeLimit[] = "PRAGMA journal_size_limit = 67108864";

// The writer's page cache (KiB; SQLite's default is 2 MiB). Each batch touches pages across
// several tables and their indexes; with the default cache a busy store evicted pages that the
// next batch read again from the file. 4 MiB, not the 32 it was: a W1 of 8,000 Agendas grows the
// file to 18 MB, which a 32 MiB cache kept whole in the server's memory (peak RSS 55 MiB; 45 with
// 4 MiB under W1 of 10,000) for no measured gain in CPU per Agenda (BENCHMARKS.md, issue 15).
constexpr char kWriterCacheSize[] = "PRAGMA cache_size = -4096";

int64_t NewestSchemaVersion() { return sqlite::Migrations().back().version; }

Status CheckSchemaVersion(int64_t version) {
  if (version > NewestSchemaVersion()) {
    return Status(ErrorCode::kUnavailable, "database schema version " + std::to_string(version) +
                                               " is newer than this pop supports (" +
                                               std::to_string(NewestSchemaVersion()) +
                                               "); upgrade pop");
  }
  if (version < 0) {
    return Status(ErrorCode::kInternal,
                  "database schema version " + std::to_string(version) + " is invalid");
  }
  return Status::Ok();
}

Status ApplyPendingMigrations(Connection& connection) {
  // Read again inside the write lock: another process may have migrated in the meantime.
  POP_ASSIGN_OR_RETURN(int64_t version, connection.QueryInt("PRAGMA user_version"));
  POP_RETURN_IF_ERROR(CheckSchemaVersion(version));
  if (version == NewestSchemaVersion()) return Status::Ok();
  for (const sql::Migration& migration : sqlite::Migrations()) {
    if (migration.version <= version) continue;
    Status applied = connection.Execute(std::string(migration.sql));
    if (!applied.ok()) {
      return Status(applied.code(),
                    "migration " + std::string(migration.name) + ": " + applied.message());
    }
  }
  return connection.Execute("PRAGMA user_version = " + std::to_string(NewestSchemaVersion()));
}

// All pending migrations in one transaction: a failure leaves the previous schema in place.
Status Migrate(Connection& connection) {
  POP_RETURN_IF_ERROR(connection.Run("BEGIN IMMEDIATE"));
  Status applied = ApplyPendingMigrations(connection);
  if (!applied.ok()) {
    // A failed ROLLBACK leaves nothing to do: closing the connection discards the transaction.
    Status rolled_back = connection.Run("ROLLBACK");
    static_cast<void>(rolled_back);
    return applied;
  }
  return connection.Run("COMMIT");
}

// Takes group and other permissions off a file if it exists.
void TakeAwayGroupAndOther(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    ::chmod(path.c_str(), st.st_mode & 0700);
  }
}

// The database holds every customer's objects and the tokens' hashes: owner-only, like the admin
// token file. SQLite would create it 0644 less the umask, and creates its -wal and -shm files
// with the database file's mode; so the file is created 0600 here first, and files an older
// version left readable by others are tightened. Special names (":memory:", URIs) are left alone;
// a failure here is left for SQLite's open to report.
void CreateOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) TakeAwayGroupAndOther(path + suffix);
}

// Opens the writer connection and brings the schema up to date.
Result<std::unique_ptr<Connection>> OpenWriter(const SqliteStoreOptions& options) {
  CreateOwnerOnly(options.path);
  POP_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      Connection::Open(options.path, Connection::Mode::kReadWrite, options.busy_timeout));
  if (writer->IsReadOnly()) {
    return Error(ErrorCode::kUnavailable,
                 "database is read-only: " + options.path +
                     " (check the permissions of the file and of its directory)");
  }
  // Checked before anything could change the file, so a newer database is left untouched.
  POP_ASSIGN_OR_RETURN(int64_t version, writer->QueryInt("PRAGMA user_version"));
  POP_RETURN_IF_ERROR(CheckSchemaVersion(version));
  POP_ASSIGN_OR_RETURN(std::string journal_mode, writer->QueryText("PRAGMA journal_mode = WAL"));
  if (journal_mode != "wal") {
    return Error(ErrorCode::kUnavailable, "cannot switch " + options.path +
                                              " to WAL mode (journal mode: " + journal_mode + ")");
  }
  // FULL: the WAL is synced on every commit, so a commit survives power loss.
  POP_RETURN_IF_ERROR(writer->Run("PRAGMA synchronous = FULL"));
  POP_RETURN_IF_ERROR(writer->Run(kJournalSizeLimit));
  // Savepoint journals (one per Write closure) stay in memory instead of a temporary file that
  // every commit would create, write and unlink. They hold only one batch's undo pages.
  POP_RETURN_IF_ERROR(writer->Run("PRAGMA temp_store = MEMORY"));
  POP_RETURN_IF_ERROR(writer->Run(kWriterCacheSize));
  POP_RETURN_IF_ERROR(Migrate(*writer));
  return writer;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (sqlite3_libversion_number() < kMinimumSqliteVersion) {
    return Error(ErrorCode::kUnavailable,
                 std::string("SQLite 3.38 or newer is required; found ") + sqlite3_libversion());
  }
  POP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, OpenWriter(options));
  std::vector<std::unique_ptr<Connection>> readers;
  for (size_t i = 0; i < std::max<size_t>(options.reader_connections, 1); ++i) {
    POP_ASSIGN_OR_RETURN(
        std::unique_ptr<Connection> reader,
        Connection::Open(options.path, Connection::Mode::kReadOnly, options.busy_timeout));
    readers.push_back(std::move(reader));
  }
  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::make_unique<sqlite::GroupCommitWriter>(
                          std::move(writer), options.max_document_depth, options.metrics),
                      std::make_unique<sqlite::ReaderPool>(std::move(readers))));
  store->writer_->Start();
  return store;
}

SqliteStore::SqliteStore(std::unique_ptr<sqlite::GroupCommitWriter> writer,
                         std::unique_ptr<sqlite::ReaderPool> readers)
    : writer_(std::move(writer)), readers_(std::move(readers)) {}

SqliteStore::~SqliteStore() { Stop(); }

void SqliteStore::Stop() { writer_->Stop(); }

Status SqliteStore::Read(const std::function<Status(StoreReader&)>& fn) {
  sqlite::ReaderPool::Lease lease = readers_->Acquire();
  Connection& connection = lease.connection();
  if (connection.InTransaction()) {
    // Left open only if an earlier COMMIT and ROLLBACK both failed.
    POP_RETURN_IF_ERROR(connection.Run("ROLLBACK"));
  }
  // A deferred BEGIN: the snapshot is taken at the first read and kept until COMMIT.
  POP_RETURN_IF_ERROR(connection.Run("BEGIN"));
  sqlite::Session session(connection);
  Status outcome = sql::RunGuarded(fn, session);
  Status ended = connection.Run("COMMIT");
  if (!ended.ok() && connection.InTransaction()) {
    // Nothing was written, so ROLLBACK only has to release the snapshot; if it fails too, the
    // next BEGIN on this connection reports the problem.
    Status rolled_back = connection.Run("ROLLBACK");
    static_cast<void>(rolled_back);
  }
  if (!outcome.ok()) return outcome;
  return ended;
}

Status SqliteStore::Write(const std::function<Status(StoreWriter&)>& fn) {
  return writer_->Write(fn);
}

SqliteStoreStats SqliteStore::Stats() const {
  return SqliteStoreStats{writer_->writes(), writer_->commits(), writer_->queued()};
}

}  // namespace pop
