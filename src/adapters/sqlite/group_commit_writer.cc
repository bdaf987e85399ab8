#include "adapters/sqlite/group_commit_writer.h"

#include <utility>

#include "adapters/sqlite/session.h"

namespace pop::sqlite {
namespace {

// One name serves every closure: savepoints are strictly sequential within a batch.
constexpr char kSavepoint[] = "SAVEPOINT pop_write";
constexpr char kRelease[] = "RELEASE pop_write";
constexpr char kRollbackTo[] = "ROLLBACK TO pop_write";

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> connection,
                                     size_t max_document_depth)
    : connection_(std::move(connection)), max_document_depth_(max_document_depth) {}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

void GroupCommitWriter::Start() {
  thread_ = std::thread([this] { Loop(); });
  thread_id_ = thread_.get_id();
}

void GroupCommitWriter::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

Status GroupCommitWriter::Write(const std::function<Status(StoreWriter&)>& fn) {
  if (std::this_thread::get_id() == thread_id_) {
    return Status(ErrorCode::kInternal, "Store::Write called from inside a write closure");
  }
  PendingWrite pending;
  pending.fn = &fn;
  bool wake_writer = false;
  {
    MutexLock lock(mu_);
    if (stopping_) return Status(ErrorCode::kUnavailable, "the store is closed");
    wake_writer = queue_.empty();  // otherwise the writer is awake or already has work queued
    queue_.push_back(&pending);
  }
  if (wake_writer) work_cv_.notify_one();
  // Not a semaphore: libstdc++'s spins and yields before it sleeps, and a commit takes long.
  MutexLock lock(mu_);
  while (!pending.outcome.has_value()) pending.done_cv.wait(mu_);
  return *std::move(pending.outcome);
}

int64_t GroupCommitWriter::writes() const {
  MutexLock lock(mu_);
  return writes_;
}

int64_t GroupCommitWriter::commits() const {
  MutexLock lock(mu_);
  return commits_;
}

int64_t GroupCommitWriter::queued() const {
  MutexLock lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

void GroupCommitWriter::Loop() {
  for (;;) {
    std::vector<PendingWrite*> batch;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) work_cv_.wait(mu_);
      if (queue_.empty()) return;  // stopping, and every queued write is done
      batch.swap(queue_);
    }
    std::vector<Status> outcomes = CommitBatch(batch);
    MutexLock lock(mu_);
    writes_ += static_cast<int64_t>(batch.size());
    ++commits_;
    // Notified under mu_: a caller owns its PendingWrite and destroys it once it sees the outcome.
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->outcome = std::move(outcomes[i]);
      batch[i]->done_cv.notify_one();
    }
  }
}

std::vector<Status> GroupCommitWriter::CommitBatch(const std::vector<PendingWrite*>& batch) {
  Connection& connection = *connection_;
  connection.ClearLastError();
  if (connection.InTransaction()) {
    // Left open only if a previous ROLLBACK failed; BEGIN would fail on it forever.
    Status rolled_back = connection.Run("ROLLBACK");
    if (!rolled_back.ok()) return AbandonBatch(batch.size(), rolled_back.error());
  }
  Status begun = connection.Run("BEGIN IMMEDIATE");
  if (!begun.ok()) return AbandonBatch(batch.size(), begun.error());

  Session session(connection, max_document_depth_);
  std::vector<Status> outcomes;
  outcomes.reserve(batch.size());
  for (PendingWrite* pending : batch) {
    Status saved = connection.Run(kSavepoint);
    if (!saved.ok()) return AbandonBatch(batch.size(), saved.error());
    Status outcome = RunGuarded(*pending->fn, session);
    if (!connection.InTransaction()) {
      // SQLite rolled the whole transaction back on its own (disk full, I/O error): the
      // closures already run lost their writes too.
      return AbandonBatch(batch.size(), Error(ErrorCode::kUnavailable,
                                              "the database rolled back the transaction: " +
                                                  (connection.last_error().message.empty()
                                                       ? std::string("no reason given")
                                                       : connection.last_error().message)));
    }
    Status settled = outcome.ok() ? connection.Run(kRelease) : connection.Run(kRollbackTo);
    if (settled.ok() && !outcome.ok()) settled = connection.Run(kRelease);
    if (!settled.ok()) return AbandonBatch(batch.size(), settled.error());
    outcomes.push_back(std::move(outcome));
  }
  Status committed = connection.Run("COMMIT");
  if (!committed.ok()) return AbandonBatch(batch.size(), committed.error());
  return outcomes;
}

std::vector<Status> GroupCommitWriter::AbandonBatch(size_t size, const Error& error) {
  if (connection_->InTransaction()) {
    // If even ROLLBACK fails, the next BEGIN IMMEDIATE fails and reports it; the error that
    // ended this batch is the one its callers need.
    Status rolled_back = connection_->Run("ROLLBACK");
    static_cast<void>(rolled_back);
  }
  if (error.code != ErrorCode::kUnavailable) return std::vector<Status>(size, Status(error));
  // What a client of the API reads in its 503: what happened, and that it may simply retry.
  return std::vector<Status>(
      size, Status(ErrorCode::kUnavailable,
                   error.message +
                       "; nothing was saved: the storage cannot be written (full, read-only or "
                       "failing), retry later"));
}

}  // namespace pop::sqlite
