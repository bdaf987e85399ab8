#include "adapters/postgres/postgres_store.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "adapters/postgres/connection.h"
#include "adapters/postgres/connection_pool.h"
#include "adapters/postgres/migrations.h"
#include "adapters/postgres/session.h"
#include "adapters/sql/run_guarded.h"

namespace pop {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::Rows;

// The oldest server accepted: an older one fails at start with this clear message rather than on
// the first statement using something it lacks. (The adapter is tested on PostgreSQL 15.)
constexpr int kMinimumServerVersion = 120000;

// The advisory lock that serialises migrations of one database ("pop-sch").
constexpr int64_t kMigrationLock = 0x706f702d736368;

// The table of applied migrations: one row per version, so applying one twice is impossible.
constexpr char kCreateMigrationTable[] =
    "CREATE TABLE IF NOT EXISTS pop_schema_migration (version integer PRIMARY KEY,"
    " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";

// One name serves every closure: savepoints are strictly sequential within a batch. Each
// savepoint statement rides in one round trip with its neighbour (the first SAVEPOINT with BEGIN
// and the first closure's first statement; then RELEASE with the next SAVEPOINT, or with COMMIT),
// as the writer connection's round trips are what every write of this server waits for in turn.
constexpr char kRelease[] = "RELEASE SAVEPOINT pop_write";
constexpr char kRollbackToAndRelease[] =
    "ROLLBACK TO SAVEPOINT pop_write; RELEASE SAVEPOINT pop_write";
constexpr char kThenSavepoint[] = "; SAVEPOINT pop_write";
constexpr char kThenCommit[] = "; COMMIT";

// What follows a closure's deferred writes in their round trip when they succeed: its
// savepoint's RELEASE and the next one's SAVEPOINT, or the COMMIT after the last closure.
std::vector<std::string> SettleAfterWrites(bool isolate, bool last) {
  std::vector<std::string> then;
  if (isolate) then.emplace_back(kRelease);
  if (last) {
    then.emplace_back("COMMIT");
  } else if (isolate) {
    then.emplace_back("SAVEPOINT pop_write");
  }
  return then;
}

int64_t NewestSchemaVersion() { return postgres::Migrations().back().version; }

Status CheckSchemaVersion(int64_t version) {
  if (version > NewestSchemaVersion()) {
    return Status(ErrorCode::kUnavailable, "database schema version " + std::to_string(version) +
                                               " is newer than this pop supports (" +
                                               std::to_string(NewestSchemaVersion()) +
                                               "); upgrade pop");
  }
  return Status::Ok();
}

// 0 when no migration was ever applied.
Result<int64_t> StoredSchemaVersion(Connection& connection) {
  POP_ASSIGN_OR_RETURN(
      Rows exists, connection.Execute("SELECT to_regclass('pop_schema_migration') IS NOT NULL"));
  if (!exists.Bool(0, 0)) return int64_t{0};
  POP_ASSIGN_OR_RETURN(Rows version, connection.Execute("SELECT coalesce(max(version), 0) FROM"
                                                        " pop_schema_migration"));
  return version.Int(0, 0);
}

Status ApplyPendingMigrations(Connection& connection) {
  // Every server starting at once waits here until the first one's transaction ends; the others
  // then find the schema up to date. Released by COMMIT or ROLLBACK.
  POP_RETURN_IF_ERROR(
      connection.Execute("SELECT pg_advisory_xact_lock($1)", {Param::Int(kMigrationLock)})
          .status());
  POP_RETURN_IF_ERROR(connection.Run(kCreateMigrationTable));
  POP_ASSIGN_OR_RETURN(int64_t version, StoredSchemaVersion(connection));
  POP_RETURN_IF_ERROR(CheckSchemaVersion(version));
  for (const sql::Migration& migration : postgres::Migrations()) {
    if (migration.version <= version) continue;
    Status applied = connection.Run(std::string(migration.sql));
    if (applied.ok()) {
      applied = connection
                    .Execute("INSERT INTO pop_schema_migration (version, name) VALUES ($1, $2)",
                             {Param::Int(migration.version), Param::Text(migration.name)})
                    .status();
    }
    if (!applied.ok()) {
      return Status(applied.code(),
                    "migration " + std::string(migration.name) + ": " + applied.message());
    }
  }
  return Status::Ok();
}

// All pending migrations in one transaction (PostgreSQL's DDL is transactional): a failure
// leaves the previous schema in place.
Status Migrate(Connection& connection) {
  // Checked before waiting for the lock or changing anything: a newer schema is left untouched.
  POP_ASSIGN_OR_RETURN(int64_t version, StoredSchemaVersion(connection));
  POP_RETURN_IF_ERROR(CheckSchemaVersion(version));
  if (version == NewestSchemaVersion()) return Status::Ok();
  POP_RETURN_IF_ERROR(connection.Run("BEGIN"));
  Status applied = ApplyPendingMigrations(connection);
  if (!applied.ok()) {
    // A failed ROLLBACK leaves nothing to do: closing the connection discards the transaction.
    Status rolled_back = connection.Run("ROLLBACK");
    static_cast<void>(rolled_back);
    return applied;
  }
  POP_ASSIGN_OR_RETURN(std::string committed, connection.RunForCommand("COMMIT"));
  if (committed != "COMMIT") {
    return Status(ErrorCode::kInternal, "the schema migration was rolled back at COMMIT");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Connection>> Connect(const PostgresStoreOptions& options) {
  return Connection::Open(options.conninfo, options.connect_timeout);
}

// The writer's connection: its changes are announced with the store's origin (migration
// 0002's pop_change_notify reads the setting).
Result<std::unique_ptr<Connection>> ConnectWriter(const PostgresStoreOptions& options) {
  POP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, Connect(options));
  if (!options.origin.empty()) {
    POP_RETURN_IF_ERROR(
        writer->Execute("SELECT set_config('pop.origin', $1, false)", {Param::Text(options.origin)})
            .status());
  }
  return writer;
}

// Why a broken connection failed, for a caller whose closure did not say.
Error BrokenError(const Connection& connection) {
  if (!connection.last_error().message.empty()) return connection.last_error();
  return Error(ErrorCode::kUnavailable,
               "the PostgreSQL server is unreachable: " + connection.endpoint(),
               postgres::LostConnectionCause(connection.endpoint()));
}

// Begins a read-only transaction on the lease's connection, lazily: its BEGIN goes with the
// closure's first statement (one round trip fewer per read). A connection that broke while it
// was idle (PostgreSQL restarted, pg_terminate_backend, a network cut) is only found out now; as
// nothing was done on it yet, it is replaced once, so that the first request after a restart
// does not fail for a connection that is already gone.
Result<Connection*> BeginRead(postgres::ConnectionPool::Lease& lease) {
  for (int attempt = 0;; ++attempt) {
    POP_ASSIGN_OR_RETURN(Connection * connection, lease.Get());
    // The previous read's COMMIT (sent without waiting); its failure leaves nothing to undo.
    static_cast<void>(connection->FinishSent());
    Status begun = Status::Ok();
    if (connection->InTransaction()) {
      // Left open only if an earlier COMMIT and ROLLBACK both failed.
      begun = connection->Run("ROLLBACK");
    }
    if (begun.ok() && !connection->FoundBroken()) {
      // The snapshot is taken at the first query and kept until the transaction ends.
      connection->BeginLazily({"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"});
      return connection;
    }
    if (begun.ok()) begun = Status(BrokenError(*connection));
    if (attempt > 0 || !connection->IsBroken()) return begun.error();
    lease.Reset();
  }
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresStoreOptions& options) {
  POP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, ConnectWriter(options));
  if (writer->server_version() < kMinimumServerVersion) {
    return Error(ErrorCode::kUnavailable, "PostgreSQL 12 or newer is required; " +
                                              writer->endpoint() + " runs version " +
                                              std::to_string(writer->server_version()));
  }
  POP_RETURN_IF_ERROR(Migrate(*writer));
  std::vector<std::unique_ptr<Connection>> readers;
  for (size_t i = 0; i < std::max<size_t>(options.reader_connections, 1); ++i) {
    POP_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, Connect(options));
    readers.push_back(std::move(reader));
  }
  auto pool = std::make_unique<postgres::ConnectionPool>(options.conninfo, options.connect_timeout,
                                                         std::move(readers));
  std::unique_ptr<PostgresStore> store(
      new PostgresStore(options, std::move(writer), std::move(pool)));
  store->queue_.Start();
  return store;
}

PostgresStore::PostgresStore(const PostgresStoreOptions& options,
                             std::unique_ptr<postgres::Connection> writer,
                             std::unique_ptr<postgres::ConnectionPool> readers)
    : options_(options),
      writer_(std::move(writer)),
      readers_(std::move(readers)),
      queue_([this](std::span<const sql::WriteFn* const> batch) { return CommitBatch(batch); },
             options.max_batch, options.metrics, "postgres") {
  writer_->CountRoundTripsIn(&writer_round_trips_);
}

PostgresStore::~PostgresStore() { Stop(); }

void PostgresStore::Stop() { queue_.Stop(); }

PostgresStoreStats PostgresStore::Stats() const {
  return PostgresStoreStats{queue_.writes(), queue_.commits(), queue_.queued(),
                            writer_round_trips_.load(std::memory_order_relaxed)};
}

Status PostgresStore::Read(const std::function<Status(StoreReader&)>& fn) {
  postgres::ConnectionPool::Lease lease = readers_->Acquire();
  POP_ASSIGN_OR_RETURN(Connection * connection, BeginRead(lease));
  connection->ClearLastError();
  postgres::Session session(*connection, options_.max_document_depth);
  Status outcome = sql::RunGuarded(fn, session);
  if (connection->BeginPending()) {
    // The closure read nothing: its transaction never reached the server.
    connection->DiscardUnsent();
    return outcome;
  }
  if (connection->IsBroken()) return outcome.ok() ? Status(BrokenError(*connection)) : outcome;
  // A closure that went on after a failed statement read from a failed transaction.
  const bool failed = connection->InFailedTransaction();
  if (!failed && outcome.ok()) {
    // Everything read is in hand, and a read-only transaction has nothing to lose at its end:
    // the caller does not wait for the COMMIT's answer (the connection's next user reads it).
    connection->SendWithoutWaiting("COMMIT");
    return outcome;
  }
  Status ended = connection->Run("ROLLBACK");
  static_cast<void>(ended);  // the closure's failure is the one to report
  if (!outcome.ok()) return outcome;
  return Status(connection->last_error());
}

Status PostgresStore::Write(const std::function<Status(StoreWriter&)>& fn) {
  return queue_.Write(fn);
}

Status PostgresStore::BeginWrite(std::vector<std::string> begin) {
  // As BeginRead: a connection found broken before anything was done on it is replaced once.
  for (int attempt = 0;; ++attempt) {
    if (writer_ == nullptr || writer_->IsBroken()) {
      writer_.reset();
      POP_ASSIGN_OR_RETURN(writer_, ConnectWriter(options_));
      writer_->CountRoundTripsIn(&writer_round_trips_);
    }
    writer_->ClearLastError();
    writer_->DiscardUnsent();
    Status begun = Status::Ok();
    if (writer_->InTransaction()) {
      // Left open only if a previous ROLLBACK failed; BEGIN would fail on it forever.
      begun = writer_->Run("ROLLBACK");
    }
    if (begun.ok() && !writer_->FoundBroken()) {
      // Sent with the first closure's first statement, in its round trip.
      writer_->BeginLazily(std::move(begin));
      return Status::Ok();
    }
    if (begun.ok()) begun = Status(BrokenError(*writer_));
    if (attempt > 0 || !writer_->IsBroken()) return begun;
  }
}

std::vector<Status> PostgresStore::CommitBatch(std::span<const sql::WriteFn* const> batch) {
  // A closure alone in its transaction needs no savepoint: when it fails, the whole transaction
  // is rolled back, which is all that savepoint would undo.
  const bool isolate = batch.size() > 1;
  Status begun = isolate ? BeginWrite({"BEGIN", "SAVEPOINT pop_write"}) : BeginWrite({"BEGIN"});
  if (!begun.ok()) return AbandonBatch(batch.size(), begun.error(), false);
  Connection& connection = *writer_;

  postgres::Session session(connection, options_.max_document_depth);
  std::vector<Status> outcomes;
  outcomes.reserve(batch.size());
  std::string commit = "COMMIT";
  std::optional<std::string> committed_with_writes;  // the tag of a COMMIT sent with them
  for (size_t index = 0; index < batch.size(); ++index) {
    Status outcome = sql::RunGuarded(*batch[index], session);
    // A failed closure's deferred writes are rolled back with its savepoint: never sent.
    if (!outcome.ok()) connection.DiscardDeferred();
    if (connection.IsBroken()) return AbandonBatch(batch.size(), BrokenError(connection), false);
    const bool last = index + 1 == batch.size();
    if (outcome.ok() && connection.HasDeferred()) {
      // The closure's deferred writes go with what settles it (and with the COMMIT after the
      // last one), in one round trip; a failure skips everything after it.
      Result<std::string> flushed = connection.Flush(SettleAfterWrites(isolate, last));
      if (connection.IsBroken()) {
        return AbandonBatch(batch.size(), BrokenError(connection), /*outcome_unknown=*/last);
      }
      if (!flushed.ok() && !connection.InTransaction()) {
        // COMMIT itself failed: the whole transaction is gone.
        return AbandonBatch(batch.size(), flushed.error(), false);
      }
      if (flushed.ok()) {
        outcomes.push_back(Status::Ok());
        if (last) committed_with_writes = *flushed;
        continue;
      }
      outcome = Status(flushed.error());
    }
    if (outcome.ok() && connection.InFailedTransaction()) {
      // The closure went on after a failed statement: PostgreSQL refused everything after it.
      outcome = Status(connection.last_error());
    }
    if (!isolate && !outcome.ok()) {
      if (connection.BeginPending()) {
        // It failed before its first statement: the transaction never reached the server.
        connection.DiscardUnsent();
        return {std::move(outcome)};
      }
      Status rolled_back = connection.Run("ROLLBACK");
      if (!rolled_back.ok()) return AbandonBatch(batch.size(), rolled_back.error(), false);
      return {std::move(outcome)};
    }
    if (isolate) {
      // Settle this closure's savepoint; the next one's SAVEPOINT or the COMMIT goes with it.
      std::string settle = outcome.ok() ? kRelease : kRollbackToAndRelease;
      if (last) {
        commit = settle + kThenCommit;
      } else {
        Status settled = connection.Run(settle + kThenSavepoint);
        if (!settled.ok()) return AbandonBatch(batch.size(), settled.error(), false);
      }
    }
    outcomes.push_back(std::move(outcome));
  }
  if (connection.BeginPending()) {
    // No closure sent a statement: there is nothing to commit.
    connection.DiscardUnsent();
    return outcomes;
  }
  // The command tag is the last statement's: COMMIT's ("ROLLBACK" if the transaction failed).
  Result<std::string> committed = committed_with_writes
                                      ? Result<std::string>(*committed_with_writes)
                                      : connection.RunForCommand(commit);
  if (!committed.ok()) {
    return AbandonBatch(batch.size(), committed.error(), /*outcome_unknown=*/connection.IsBroken());
  }
  if (*committed != "COMMIT") {
    return AbandonBatch(batch.size(),
                        Error(ErrorCode::kInternal, "the transaction was rolled back at COMMIT"),
                        false);
  }
  return outcomes;
}

std::vector<Status> PostgresStore::AbandonBatch(size_t size, const Error& error,
                                                bool outcome_unknown) {
  if (writer_ != nullptr) writer_->DiscardUnsent();
  if (writer_ != nullptr && !writer_->IsBroken() && writer_->InTransaction()) {
    // If even ROLLBACK fails, the next batch rolls back first and reports it; the error that
    // ended this batch is the one its callers need.
    Status rolled_back = writer_->Run("ROLLBACK");
    static_cast<void>(rolled_back);
  }
  if (writer_ != nullptr && writer_->IsBroken()) writer_.reset();  // the next batch reconnects
  if (error.code != ErrorCode::kUnavailable) return std::vector<Status>(size, Status(error));
  // What happened, and whether the caller may simply retry: in the log's message and in the
  // cause a client of the API reads in its 503.
  const std::string outcome = outcome_unknown
                                  ? "; the connection was lost during COMMIT, so the write may or "
                                    "may not have been saved"
                                  : "; nothing was saved";
  return std::vector<Status>(
      size, Status(Error(ErrorCode::kUnavailable,
                         error.message + outcome + (outcome_unknown ? "" : ", retry later"),
                         error.cause.empty() ? std::string() : error.cause + outcome)));
}

}  // namespace pop
