// GroupCommitWriter: the single writer connection of a SqliteStore and its group commit. The
// queue and thread are sql::GroupCommitQueue's; this class runs each batch on the connection:
// one transaction, each closure in its own savepoint (a batch of one needs none), one commit for
// all of them, so many concurrent writers share one fsync. Design: docs/design/storage.md, "Group
// commit". Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "adapters/sql/group_commit_queue.h"
#include "adapters/sqlite/connection.h"
#include "ports/store.h"

namespace pop::sqlite {

class GroupCommitWriter {
 public:
  // `max_document_depth`: see SqliteStoreOptions.
  // `metrics` (may be null) records each commit's duration; it outlives the writer.
  GroupCommitWriter(std::unique_ptr<Connection> connection, size_t max_document_depth,
                    MetricsSink* metrics = nullptr);
  // Stop()s, then closes the connection.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Starts the writer thread. Called once.
  void Start() { queue_.Start(); }
  // Refuses new writes, finishes the queued ones, joins the thread. Idempotent.
  void Stop() { queue_.Stop(); }

  // Store::Write. Errors: fn's own error; kUnavailable after Stop() or when the database cannot
  // write; kInternal for other database failures and when called from inside a write.
  [[nodiscard]] Status Write(const std::function<Status(StoreWriter&)>& fn) {
    return queue_.Write(fn);
  }

  int64_t writes() const { return queue_.writes(); }    // closures run so far
  int64_t commits() const { return queue_.commits(); }  // transactions (batches) run so far
  int64_t queued() const { return queue_.queued(); }    // closures waiting for the thread now

 private:
  // Runs one batch in one transaction; one outcome per closure. On the queue's thread only.
  std::vector<Status> CommitBatch(std::span<const sql::WriteFn* const> batch);
  // Rolls the transaction back (if SQLite has not) and gives every closure `error`.
  std::vector<Status> AbandonBatch(size_t size, const Error& error);

  const std::unique_ptr<Connection> connection_;  // used only by the queue's thread once started
  const size_t max_document_depth_;
  sql::GroupCommitQueue queue_;  // last: its thread stops before the connection goes
};

}  // namespace pop::sqlite
