#include "adapters/sql/group_commit_queue.h"

#include <chrono>
#include <iterator>
#include <utility>

#include "core/metrics/catalogue.h"

namespace pop::sql {

GroupCommitQueue::GroupCommitQueue(BatchRunner run_batch, size_t max_batch, MetricsSink* metrics,
                                   std::string store_label)
    : run_batch_(std::move(run_batch)),
      max_batch_(max_batch),
      metrics_(metrics),
      store_label_(std::move(store_label)) {}

GroupCommitQueue::~GroupCommitQueue() { Stop(); }

void GroupCommitQueue::Start() {
  thread_ = std::thread([this] { Loop(); });
  thread_id_ = thread_.get_id();
}

void GroupCommitQueue::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

Status GroupCommitQueue::Write(const WriteFn& fn) {
  if (std::this_thread::get_id() == thread_id_) {
    return Status(ErrorCode::kInternal, "Store::Write called from inside a write closure");
  }
  PendingWrite pending;
  pending.fn = &fn;
  bool wake_writer = false;
  {
    MutexLock lock(mu_);
    if (stopping_) {
      return Status(Error(ErrorCode::kUnavailable, "the store is closed",
                          "the store is unavailable: the server is stopping"));
    }
    wake_writer = queue_.empty();  // otherwise the writer is awake or already has work queued
    queue_.push_back(&pending);
  }
  if (wake_writer) work_cv_.notify_one();
  // Not a semaphore: libstdc++'s spins and yields before it sleeps, and a commit takes long.
  MutexLock lock(pending.done_mu);
  while (!pending.outcome.has_value()) pending.done_mu.Wait(pending.done_cv);
  return *std::move(pending.outcome);
}

int64_t GroupCommitQueue::writes() const {
  MutexLock lock(mu_);
  return writes_;
}

int64_t GroupCommitQueue::commits() const {
  MutexLock lock(mu_);
  return commits_;
}

int64_t GroupCommitQueue::queued() const {
  MutexLock lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

void GroupCommitQueue::Loop() {
  for (;;) {
    std::vector<PendingWrite*> batch;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) mu_.Wait(work_cv_);
      if (queue_.empty()) return;  // stopping, and every queued write is done
      if (max_batch_ == 0 || queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        // The oldest first; the rest stay queued and make the next batch without a wait.
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_);
        batch.assign(queue_.begin(), end);
        queue_.erase(queue_.begin(), end);
      }
    }
    std::vector<const WriteFn*> fns;
    fns.reserve(batch.size());
    for (const PendingWrite* pending : batch) fns.push_back(pending->fn);
    // A histogram of sub-millisecond commits needs a finer clock than the Clock port's
    // milliseconds; this measures the store's own I/O and decides nothing.
    const auto started = std::chrono::steady_clock::now();
    std::vector<Status> outcomes = run_batch_(fns);
    if (metrics_ != nullptr) {
      metrics_->Observe(
          metrics::kStoreCommit, {store_label_},
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    {
      MutexLock lock(mu_);
      writes_ += static_cast<int64_t>(batch.size());
      ++commits_;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      PendingWrite& pending = *batch[i];
      // Notified under the write's own lock: its caller destroys it once it sees the outcome.
      MutexLock lock(pending.done_mu);
      pending.outcome = i < outcomes.size()
                            ? std::move(outcomes[i])
                            : Status(ErrorCode::kInternal, "the batch runner lost an outcome");
      pending.done_cv.notify_one();
    }
  }
}

}  // namespace pop::sql
