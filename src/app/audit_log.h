// AuditLog: records state-changing API calls (docs/security.md "Audit log"). Record() only
// queues the record and returns, so a request never waits for the audit write; one thread writes
// whatever has queued in one store transaction, so a burst costs one commit, not one per call.
// A record whose write fails is written to the log in full at kError, never silently dropped.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "core/model/audit_record.h"
#include "ports/clock.h"
#include "ports/logger.h"
#include "ports/mutex.h"
#include "ports/store.h"

namespace pop::app {

struct AuditLogOptions {
  // Records queued beyond this (the store is down or far behind) go to the log at kError instead
  // of the queue, so that memory stays bounded.
  size_t max_queued = 100'000;
  size_t max_batch = 1'000;  // records per store transaction
};

class AuditLog {
 public:
  AuditLog(Store& store, const Clock& clock, Logger& logger, AuditLogOptions options = {});
  // Stop()s.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Starts the writer thread. Called once.
  void Start();
  // Writes what is queued, then joins the thread. Later records are written synchronously.
  // Idempotent.
  void Stop();

  // Stamps `record.time` with the clock and queues it.
  void Record(AuditRecord record);
  // Returns once every record queued before the call has been written (or logged as failed).
  void Flush();

  [[nodiscard]] Result<std::vector<AuditRecord>> Find(const AuditQuery& query);

  int64_t failed() const;  // records whose write failed (each logged)

 private:
  void Loop();
  // Writes one batch; logs every record of a failed one.
  void WriteBatch(const std::vector<AuditRecord>& batch);

  Store& store_;
  const Clock& clock_;
  Logger& logger_;
  const AuditLogOptions options_;

  mutable Mutex mu_;
  std::condition_variable work_cv_;     // queue_ gained a record, or stopping_
  std::condition_variable written_cv_;  // written_ advanced
  std::deque<AuditRecord> queue_ POP_GUARDED_BY(mu_);
  int64_t queued_total_ POP_GUARDED_BY(mu_) = 0;   // records ever queued
  int64_t written_total_ POP_GUARDED_BY(mu_) = 0;  // of those, written or logged as failed
  int64_t failed_ POP_GUARDED_BY(mu_) = 0;
  bool started_ POP_GUARDED_BY(mu_) = false;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// One log line with every field of `record`, for the server log.
std::string AuditLine(const AuditRecord& record);

}  // namespace pop::app
