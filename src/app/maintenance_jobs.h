// The timed maintenance jobs of spec §17, fixed per docs/compat.md (docs/operations.md tells
// operators what each does and how to set it):
//   AgendaReclaimer   fails EXECUTING agendas whose progress has not been updated for a while
//                     (their executor died after its first report), which sends them through
//                     the retry rule (§17.1, §17.2);
//   DataObjectReaper  deletes finished work past its retention in bounded batches (§17.3);
//   RecoverLocalExecutions  (pop dev only) resumes at start the executions its previous
//                     process left behind, without charging the customer an attempt.
// Each RunOnce is a sequence of short store transactions; the MaintenanceRunner
// (maintenance_runner.h) schedules them under a store lease. Thread-safe (no shared state
// besides the ports).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "app/services.h"
#include "core/base/result.h"
#include "ports/change_feed.h"
#include "ports/logger.h"
#include "ports/metrics.h"

namespace pop::app {

inline constexpr char kReclaimMessage[] = "AgendaProgress timed out.";

struct MaintenanceDeps {
  Services services;
  ChangeFeed& changes;  // told of retries and deletions
  Logger& logger;
  MetricsSink& metrics;
};

struct ReclaimerOptions {
  // An EXECUTING agenda whose progress is older than this is failed (the executor heartbeats
  // every 5 s, so a live one is never that old).
  Duration age = Duration::Minutes(5);
  size_t batch = 50;                         // progress records per transaction
  Duration max_run = Duration::Seconds(60);  // a run stops between batches after this long
  bool log_only = false;                     // only log what would be reclaimed
};

struct ReclaimReport {
  int64_t reclaimed = 0;  // failed with kReclaimMessage (or, log_only, would have been)
  int64_t retried = 0;    // of those, rerun by the retry rule
};

class AgendaReclaimer {
 public:
  AgendaReclaimer(MaintenanceDeps deps, ReclaimerOptions options);
  [[nodiscard]] Result<ReclaimReport> RunOnce();

 private:
  MaintenanceDeps deps_;
  ReclaimerOptions options_;
};

struct ReaperOptions {
  // Finished agendas (progress COMPLETE) are deleted this long after their last update, with
  // their Agenda, OperationProgress records and logs.
  Duration finished_retention = Duration::Minutes(int64_t{3} * 24 * 60);
  // AgendaTemplates not updated for this long are deleted; nullopt keeps them forever.
  std::optional<Duration> template_retention;
  // Audit records older than this are deleted (docs/security.md "Audit log").
  Duration audit_retention = Duration::Minutes(int64_t{90} * 24 * 60);
  size_t batch = 50;                         // agendas (or templates) per transaction
  Duration max_run = Duration::Seconds(60);  // a run stops between batches after this long
  bool log_only = false;                     // only log what would be deleted
};

struct ReapReport {
  int64_t agendas = 0;             // finished agendas removed (with everything below)
  int64_t agenda_progress = 0;     // AgendaProgress records deleted
  int64_t operation_progress = 0;  // OperationProgress records deleted
  int64_t logs = 0;                // operation logs deleted
  int64_t templates = 0;           // AgendaTemplates deleted
  int64_t audit_records = 0;       // audit records deleted
};

class DataObjectReaper {
 public:
  DataObjectReaper(MaintenanceDeps deps, ReaperOptions options);
  [[nodiscard]] Result<ReapReport> RunOnce();

 private:
  Result<size_t> ReapFinishedBatch(Timestamp cutoff, ReapReport& report);
  Result<size_t> ReapTemplateBatch(Timestamp cutoff, ReapReport& report);
  Result<size_t> ReapAuditBatch(Timestamp cutoff, ReapReport& report);

  MaintenanceDeps deps_;
  ReaperOptions options_;
};

struct RecoveryReport {
  int64_t resumed = 0;          // EXECUTING agendas put back into their queue
  int64_t claims_released = 0;  // claims of the previous process returned to their queue
};

// For a process that is the only executor of its store (pop dev), at start and before the
// scheduler starts: every EXECUTING agenda was being run by the previous, dead process, and
// every claim was held by it. Each such agenda goes back to WAITING/"pending" with a diagnostic
// and a ready entry (like a rerun with `continue`: operations that succeeded are not run again);
// attemptsCompleted is not changed, because the customer's operation did not fail. Claims are
// cleared so that the claimed agendas are scheduled at once instead of after their lease.
[[nodiscard]] Result<RecoveryReport> RecoverLocalExecutions(MaintenanceDeps deps);

}  // namespace pop::app
