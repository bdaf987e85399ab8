// PostgresStore: the Store port on a PostgreSQL database, for several `pop server`s sharing one
// store. Read() runs in its own REPEATABLE READ, READ ONLY transaction (one snapshot) on a pooled
// connection; Write() closures are committed by one writer connection in groups, each closure in
// its own savepoint (the same group commit as SqliteStore, so writes of one server are
// serialised exactly as on SQLite). Schema, isolation and errors: docs/design/storage.md,
// "PostgreSQL". Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "adapters/sql/group_commit_queue.h"
#include "core/base/result.h"
#include "core/json/json_depth.h"
#include "ports/metrics.h"
#include "ports/store.h"

namespace pop {

namespace postgres {
class Connection;
class ConnectionPool;
}  // namespace postgres

struct PostgresStoreOptions {
  // A libpq connection string: a URI (postgresql://user@host:port/db, also postgres://) or
  // key=value pairs; whatever it leaves out comes from the PG* environment variables (PGHOST,
  // PGPORT, PGUSER, PGPASSWORD, PGDATABASE ...) and ~/.pgpass, as in psql.
  std::string conninfo;
  size_t reader_connections = 8;  // concurrent Read() calls; one more connection writes
  // Closures per write transaction at most: each is a savepoint (a subtransaction), and
  // PostgreSQL keeps up to 64 of them per transaction in shared memory before readers slow down.
  size_t max_batch = 64;
  std::chrono::seconds connect_timeout{10};  // unless the connection string sets one
  // Put refuses (kValidation, naming the field) a document nesting deeper than this.
  size_t max_document_depth = kMaxJsonDepth;
  // Names this store's writes in the change feed's announcements (the setting pop.origin of the
  // writer connection), so that the server's own PostgresChangeFeed skips them; empty: unnamed.
  std::string origin;
  // Records each write transaction's duration (pop_store_commit_seconds{store="postgres"});
  // outlives the store. Null: not recorded.
  MetricsSink* metrics = nullptr;
};

// Counters for metrics and tests; `writes / commits` is the mean group-commit batch size.
struct PostgresStoreStats {
  int64_t writes = 0;   // Write() closures run
  int64_t commits = 0;  // transactions committed or abandoned
  int64_t queued = 0;   // Write() calls waiting for the writer thread now
  // Round trips to PostgreSQL on the writer connection (statements, pipelines of deferred
  // writes, preparations).
  int64_t writer_round_trips = 0;
};

class PostgresStore final : public Store {
 public:
  // Connects, brings the schema up to date (under an advisory lock: several servers starting at
  // once migrate exactly once) and starts the writer thread. Errors (never with the password):
  //   kInvalidArgument: a malformed connection string;
  //   kUnavailable: the server cannot be reached or refuses the login ("the PostgreSQL server is
  //     unreachable: cannot connect to host:port: ..."), or the schema is newer than this
  //     binary knows ("database schema version 7 is newer than this pop supports (1); upgrade
  //     pop"), or the server is older than PostgreSQL 12;
  //   kInternal: a migration failed (nothing of it is kept), or another database failure.
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> Open(
      const PostgresStoreOptions& options);

  // Stop()s, then closes every connection. No Read() or Write() may still be running.
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // Errors besides fn's own: kUnavailable when the server is unreachable ("the PostgreSQL
  // server is unreachable: host:port: ..."); the connection is replaced on the next call.
  [[nodiscard]] Status Read(const std::function<Status(StoreReader&)>& fn) override;
  // Errors besides fn's own: kUnavailable when the server is unreachable (when the connection
  // was lost during COMMIT the message says that the write may or may not have been saved),
  // after Stop(), or on PostgreSQL's transient failures; kInternal for other database failures.
  [[nodiscard]] Status Write(const std::function<Status(StoreWriter&)>& fn) override;

  // Finishes the queued writes and stops the writer thread; later Write() calls return
  // kUnavailable ("the store is closed"). Read() keeps working. Idempotent.
  void Stop();

  PostgresStoreStats Stats() const;

 private:
  PostgresStore(const PostgresStoreOptions& options, std::unique_ptr<postgres::Connection> writer,
                std::unique_ptr<postgres::ConnectionPool> readers);

  // On the queue's thread only. BeginWrite connects the writer if needed and begins a
  // transaction on it with `begin` ("BEGIN", and a first SAVEPOINT), lazily: sent with the
  // transaction's first statement.
  [[nodiscard]] Status BeginWrite(std::vector<std::string> begin);
  std::vector<Status> CommitBatch(std::span<const sql::WriteFn* const> batch);
  std::vector<Status> AbandonBatch(size_t size, const Error& error, bool outcome_unknown);

  const PostgresStoreOptions options_;
  std::unique_ptr<postgres::Connection> writer_;  // the queue's thread's; nullptr: reconnect
  std::unique_ptr<postgres::ConnectionPool> readers_;
  std::atomic<int64_t> writer_round_trips_{0};
  sql::GroupCommitQueue queue_;  // last: its thread stops before the connections go
};

}  // namespace pop
