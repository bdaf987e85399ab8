// GroupCommitWriter: the single writer connection of a SqliteStore and the thread that owns it.
// Write() queues a closure and blocks; the thread runs every closure queued so far inside one
// transaction, each in its own savepoint, and commits once for all of them, so many concurrent
// writers share one fsync. Design: docs/design/storage.md, "Group commit". Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "ports/mutex.h"
#include "ports/store.h"

namespace pop::sqlite {

class GroupCommitWriter {
 public:
  // `max_document_depth`: see SqliteStoreOptions.
  GroupCommitWriter(std::unique_ptr<Connection> connection, size_t max_document_depth);
  // Stop()s, then closes the connection.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Starts the writer thread. Called once.
  void Start();
  // Refuses new writes, finishes the queued ones, joins the thread. Idempotent.
  void Stop();

  // Store::Write. Errors: fn's own error; kUnavailable after Stop() or when the database cannot
  // write; kInternal for other database failures and when called from inside a write.
  [[nodiscard]] Status Write(const std::function<Status(StoreWriter&)>& fn);

  int64_t writes() const;   // closures run so far
  int64_t commits() const;  // transactions (batches) run so far
  int64_t queued() const;   // closures waiting for the thread now

 private:
  struct PendingWrite {
    const std::function<Status(StoreWriter&)>* fn = nullptr;
    std::optional<Status> outcome;        // set by the writer thread, under mu_
    std::condition_variable_any done_cv;  // wakes this write's caller only, not every waiter
  };

  void Loop();
  // Runs one batch in one transaction; one outcome per closure.
  std::vector<Status> CommitBatch(const std::vector<PendingWrite*>& batch);
  // Rolls the transaction back (if SQLite has not) and gives every closure `error`.
  std::vector<Status> AbandonBatch(size_t size, const Error& error);

  const std::unique_ptr<Connection> connection_;  // used only by the writer thread once started
  const size_t max_document_depth_;

  mutable Mutex mu_;
  std::condition_variable_any work_cv_;  // queue_ gained an entry, or stopping_
  std::vector<PendingWrite*> queue_ POP_GUARDED_BY(mu_);
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  int64_t writes_ POP_GUARDED_BY(mu_) = 0;
  int64_t commits_ POP_GUARDED_BY(mu_) = 0;

  std::mutex join_mu_;  // serialises Stop()'s join
  std::thread thread_;
  std::thread::id thread_id_;  // set by Start() before any Write can run
};

}  // namespace pop::sqlite
