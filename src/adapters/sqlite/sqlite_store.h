// SqliteStore: the Store port on one SQLite database file, the embedded default. WAL mode with
// synchronous=FULL, so a Write that returned OK survives power loss; one writer thread commits
// the writes of many callers together (group commit); reads run on pooled connections, each in
// its own snapshot. Schema, concurrency and error mapping: docs/design/storage.md.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/json/json_depth.h"
#include "ports/metrics.h"
#include "ports/store.h"

namespace pop {

namespace sqlite {
class GroupCommitWriter;
class ReaderPool;
}  // namespace sqlite

struct SqliteStoreOptions {
  std::string path;  // the database file; created when missing (its directory must exist)
  size_t reader_connections = 4;  // concurrent Read() calls; more wait for a free connection
  // How long a statement waits for a lock held by another process before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Put refuses (kValidation, naming the field) a document nesting deeper than this. Only tests
  // raise it, to store the too-deep rows that older versions could write.
  size_t max_document_depth = kMaxJsonDepth;
  // Records each write transaction's duration (pop_store_commit_seconds{store="sqlite"});
  // outlives the store. Null: not recorded.
  MetricsSink* metrics = nullptr;
};

// Counters for metrics and tests; `writes / commits` is the mean group-commit batch size.
struct SqliteStoreStats {
  int64_t writes = 0;   // Write() closures run
  int64_t commits = 0;  // transactions committed or abandoned
  int64_t queued = 0;   // Write() calls waiting for the writer thread now
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database, applies pending schema migrations and starts the writer
  // thread. Errors (the file is left untouched by a refusal):
  //   kUnavailable: the file cannot be opened or written (missing directory, permissions, a
  //     read-only file, disk full), the database is locked for longer than busy_timeout, or its
  //     schema is newer than this binary knows ("database schema version 7 is newer than this
  //     pop supports (1); upgrade pop");
  //   kInternal: the file is not an SQLite database, is corrupt, or another SQLite failure.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);

  // Stop()s, then closes every connection. No Read() or Write() may still be running.
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] Status Read(const std::function<Status(StoreReader&)>& fn) override;
  [[nodiscard]] Status Write(const std::function<Status(StoreWriter&)>& fn) override;

  // Finishes the queued writes and stops the writer thread; later Write() calls return
  // kUnavailable ("the store is closed"). Read() keeps working. Idempotent.
  void Stop();

  SqliteStoreStats Stats() const;

 private:
  SqliteStore(std::unique_ptr<sqlite::GroupCommitWriter> writer,
              std::unique_ptr<sqlite::ReaderPool> readers);

  // Destroyed in reverse order: the readers close before the writer, so that the writer's
  // connection is the last one and checkpoints the WAL into the database file.
  std::unique_ptr<sqlite::GroupCommitWriter> writer_;
  std::unique_ptr<sqlite::ReaderPool> readers_;
};

}  // namespace pop
