#include "app/audit_log.h"

#include <utility>

namespace pop::app {
namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? "," : "") + items[i];
  return out + "]";
}

}  // namespace

std::string AuditLine(const AuditRecord& record) {
  return "audit time=" + std::to_string(record.time.millis()) + " token=" + record.token_id +
         " accounts=" + JoinList(record.accounts) +
         " superUser=" + (record.super_user ? "true" : "false") + " " + record.method + " " +
         record.route + " objects=" + JoinList(record.object_ids) +
         " status=" + std::to_string(record.status) + " cid=" + record.correlation_id;
}

AuditLog::AuditLog(Store& store, const Clock& clock, Logger& logger, AuditLogOptions options)
    : store_(store), clock_(clock), logger_(logger), options_(options) {}

AuditLog::~AuditLog() { Stop(); }

void AuditLog::Start() {
  MutexLock lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void AuditLog::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditLog::Record(AuditRecord record) {
  record.time = clock_.Now();
  MutexLock lock(mu_);
  if (!started_ || stopping_) {
    // No writer thread: written here, so that nothing recorded during shutdown is lost.
    ++queued_total_;
    lock.Unlock();
    WriteBatch({record});
    return;
  }
  if (queue_.size() >= options_.max_queued) {
    ++failed_;
    lock.Unlock();
    logger_.Log(LogLevel::kError, "audit queue full (" + std::to_string(options_.max_queued) +
                                      " records); not stored: " + AuditLine(record));
    return;
  }
  queue_.push_back(std::move(record));
  ++queued_total_;
  lock.Unlock();
  work_cv_.notify_one();
}

void AuditLog::Flush() {
  MutexLock lock(mu_);
  const int64_t target = queued_total_;
  while (written_total_ < target) mu_.Wait(written_cv_);
}

Result<std::vector<AuditRecord>> AuditLog::Find(const AuditQuery& query) {
  std::vector<AuditRecord> records;
  Status status = store_.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(records, reader.FindAuditRecords(query));
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return records;
}

int64_t AuditLog::failed() const {
  MutexLock lock(mu_);
  return failed_;
}

void AuditLog::Loop() {
  MutexLock lock(mu_);
  for (;;) {
    while (queue_.empty() && !stopping_) mu_.Wait(work_cv_);
    if (queue_.empty()) return;  // stopping, and everything is written
    std::vector<AuditRecord> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.Unlock();
    WriteBatch(batch);
    lock.Lock();
  }
}

void AuditLog::WriteBatch(const std::vector<AuditRecord>& batch) {
  Status written = store_.Write([&](StoreWriter& writer) { return writer.AddAuditRecords(batch); });
  if (!written.ok()) {
    logger_.Log(LogLevel::kError, "audit write of " + std::to_string(batch.size()) +
                                      " records failed: " + written.message());
    for (const AuditRecord& record : batch) {
      logger_.Log(LogLevel::kError, "not stored: " + AuditLine(record));
    }
  }
  {
    MutexLock lock(mu_);
    written_total_ += static_cast<int64_t>(batch.size());
    if (!written.ok()) failed_ += static_cast<int64_t>(batch.size());
  }
  written_cv_.notify_all();
}

}  // namespace pop::app
