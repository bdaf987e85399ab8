#include "adapters/sqlite/group_commit_writer.h"

#include <utility>

#include "adapters/sql/run_guarded.h"
#include "adapters/sqlite/session.h"

namespace pop::sqlite {
namespace {

// One name serves every closure: savepoints are strictly sequential within a batch.
constexpr char kSavepoint[] = "SAVEPOINT pop_write";
constexpr char kRelease[] = "RELEASE pop_write";
constexpr char kRollbackTo[] = "ROLLBACK TO pop_write";

// SQLite rolled the whole transaction back on its own (disk full, I/O error).
Error RolledBack(const Connection& connection) {
  return Error(ErrorCode::kUnavailable,
               "the database rolled back the transaction: " +
                   (connection.last_error().message.empty() ? std::string("no reason given")
                                                            : connection.last_error().message));
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> connection,
                                     size_t max_document_depth, MetricsSink* metrics)
    : connection_(std::move(connection)),
      max_document_depth_(max_document_depth),
      queue_([this](std::span<const sql::WriteFn* const> batch) { return CommitBatch(batch); },
             /*max_batch=*/0, metrics, "sqlite") {}

GroupCommitWriter::~GroupCommitWriter() { Stop(); }

std::vector<Status> GroupCommitWriter::CommitBatch(std::span<const sql::WriteFn* const> batch) {
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
  // A batch of one needs no savepoint: the transaction is its closure's alone, and ROLLBACK
  // undoes exactly what it wrote (two statements fewer per write while writes do not overlap).
  const bool isolate = batch.size() > 1;
  std::vector<Status> outcomes;
  outcomes.reserve(batch.size());
  for (const sql::WriteFn* fn : batch) {
    if (isolate) {
      Status saved = connection.Run(kSavepoint);
      if (!saved.ok()) return AbandonBatch(batch.size(), saved.error());
    }
    Status outcome = sql::RunGuarded(*fn, session);
    if (!connection.InTransaction()) {
      // SQLite rolled the whole transaction back on its own (disk full, I/O error): the
      // closures already run lost their writes too.
      return AbandonBatch(batch.size(), RolledBack(connection));
    }
    if (isolate) {
      Status settled = outcome.ok() ? connection.Run(kRelease) : connection.Run(kRollbackTo);
      if (settled.ok() && !outcome.ok()) settled = connection.Run(kRelease);
      if (!settled.ok()) return AbandonBatch(batch.size(), settled.error());
    }
    outcomes.push_back(std::move(outcome));
  }
  // Without a savepoint, a failed closure's writes go with its transaction.
  const bool keep = isolate || outcomes.front().ok();
  Status committed = connection.Run(keep ? "COMMIT" : "ROLLBACK");
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
