// GroupCommitQueue: the queue and the thread behind group commit, shared by the SQL stores.
// Write() queues a closure and blocks; the thread hands everything queued so far (at most
// `max_batch` closures) to the store's BatchRunner, which runs them in one transaction, each in
// its own savepoint, and commits once for all of them, so many concurrent writers share one
// commit. Design: docs/design/storage.md, "Writes: group commit". Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "ports/metrics.h"
#include "ports/mutex.h"
#include "ports/store.h"

namespace pop::sql {

using WriteFn = std::function<Status(StoreWriter&)>;
// Runs the closures of one batch in one transaction on the queue's thread; returns one outcome
// per closure, in order. Never called concurrently with itself.
using BatchRunner = std::function<std::vector<Status>(std::span<const WriteFn* const> batch)>;

class GroupCommitQueue {
 public:
  // `max_batch`: at most this many closures per transaction; 0 for no limit. `metrics`, when set
  // (it outlives the queue), records each batch's duration in pop_store_commit_seconds{store}.
  GroupCommitQueue(BatchRunner run_batch, size_t max_batch, MetricsSink* metrics = nullptr,
                   std::string store_label = "");
  // Stop()s.
  ~GroupCommitQueue();
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;

  // Starts the thread. Called once.
  void Start();
  // Refuses new writes, finishes the queued ones, joins the thread. Idempotent.
  void Stop();

  // Store::Write. Errors: what the BatchRunner gave this closure; kUnavailable ("the store is
  // closed") after Stop(); kInternal when called from inside a write closure (it would wait for
  // itself forever).
  [[nodiscard]] Status Write(const WriteFn& fn);

  int64_t writes() const;   // closures run so far
  int64_t commits() const;  // batches run so far
  int64_t queued() const;   // closures waiting for the thread now

 private:
  // One caller's write. Its own lock, not mu_: the writer hands each caller its outcome without
  // holding the queue's lock, so a woken caller never wakes only to wait for mu_ while the
  // writer goes on notifying the rest of its batch.
  struct PendingWrite {
    const WriteFn* fn = nullptr;
    Mutex done_mu;
    std::condition_variable done_cv;  // wakes this write's caller only, not every waiter
    std::optional<Status> outcome POP_GUARDED_BY(done_mu);  // set once, by the thread
  };

  void Loop();

  const BatchRunner run_batch_;
  const size_t max_batch_;
  MetricsSink* const metrics_;
  const std::string store_label_;

  mutable Mutex mu_;
  std::condition_variable work_cv_;  // queue_ gained an entry, or stopping_
  std::vector<PendingWrite*> queue_ POP_GUARDED_BY(mu_);
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  int64_t writes_ POP_GUARDED_BY(mu_) = 0;
  int64_t commits_ POP_GUARDED_BY(mu_) = 0;

  std::mutex join_mu_;  // serialises Stop()'s join
  std::thread thread_;
  std::thread::id thread_id_;  // set by Start() before any Write can run
};

}  // namespace pop::sql
