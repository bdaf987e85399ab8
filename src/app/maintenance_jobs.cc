#include "app/maintenance_jobs.h"

#include <string>
#include <utility>
#include <vector>

#include "app/agenda_progress_update.h"
#include "app/submit_agenda.h"
#include "core/access/auth_context.h"
#include "core/model/params.h"

namespace pop::app {
namespace {

// Audit rows are small and deleted by one statement: a batch holds this many times more of them
// than of agendas.
constexpr size_t kAuditBatchFactor = 20;

ObjectQuery StateQuery(ProcessingState state, std::optional<Timestamp> updated_before,
                       size_t limit) {
  ObjectQuery query;
  query.scope = VisibilityScope::Everything();
  query.equals = {{"processingState", ProcessingStateName(state)}};
  query.updated_before = updated_before;
  // The longest-silent first, in the order of the (processing_state, updated_time) index both
  // stores keep: ordered by seq instead, with a million progress records PostgreSQL walked the
  // primary key (0.3-1 s per batch) and SQLite sorted every match (0.1-0.2 s), inside the
  // write transaction (BENCHMARKS.md, issue 11).
  query.oldest_updated_first = true;
  query.limit = limit;
  return query;
}

void Log(Logger& logger, LogLevel level, const std::string& message) {
  if (logger.Enabled(level)) logger.Log(level, message);
}

}  // namespace

// ---- AgendaReclaimer

AgendaReclaimer::AgendaReclaimer(MaintenanceDeps deps, ReclaimerOptions options)
    : deps_(deps), options_(options) {}

Result<ReclaimReport> AgendaReclaimer::RunOnce() {
  ReclaimReport report;
  const Timestamp started = deps_.services.clock.Now();
  const Timestamp cutoff = started - options_.age;
  for (;;) {
    const Timestamp now = deps_.services.clock.Now();
    std::vector<ReadyAgenda> retries;
    std::vector<std::string> reclaimed;
    Status status = deps_.services.store.Write([&](StoreWriter& tx) -> Status {
      retries.clear();
      reclaimed.clear();
      POP_ASSIGN_OR_RETURN(
          auto stale, tx.Find(ObjectKind::kAgendaProgress,
                              StateQuery(ProcessingState::kExecuting, cutoff, options_.batch)));
      for (const DataObject& object : stale) {
        const auto& progress = std::get<AgendaProgress>(object);
        reclaimed.push_back(*progress.id);
        if (options_.log_only) continue;
        // Spec §17.1: COMPLETE/failed, the existing diagnostics plus the time-out; the update
        // counts the attempt and applies the retry rule (§17.2) in this transaction.
        AgendaProgress patch;
        patch.processing_state = ProcessingState::kComplete;
        patch.processing_state_message = kMessageFailed;
        std::vector<DiagnosticEvent> events =
            progress.diagnostic_events.value_or(std::vector<DiagnosticEvent>{});
        DiagnosticEvent timed_out;
        timed_out.message = kReclaimMessage;
        timed_out.time = now;
        events.push_back(std::move(timed_out));
        patch.diagnostic_events = std::move(events);
        const AuthContext service = AuthContext::Service();
        POP_ASSIGN_OR_RETURN(AgendaProgressUpdateResult updated,
                             ApplyAgendaProgressUpdate(
                                 tx, {*progress.id, std::move(patch), &service, now,
                                      deps_.services.retry_backoff, deps_.services.ids.NewId()}));
        if (updated.retry) retries.push_back(std::move(*updated.retry));
      }
      return Status::Ok();
    });
    if (!status.ok()) return Error(status.code(), "reclaimer: " + status.message());
    for (const std::string& id : reclaimed) {
      Log(deps_.logger, LogLevel::kWarning,
          std::string(options_.log_only ? "reclaimer (log only) would fail "
                                        : "reclaimer failed ") +
              "agenda progress " + id + ": EXECUTING without an update since before " +
              std::to_string(cutoff.millis()) + " (" + kReclaimMessage + ")");
    }
    report.reclaimed += static_cast<int64_t>(reclaimed.size());
    report.retried += static_cast<int64_t>(retries.size());
    if (!options_.log_only) {
      deps_.metrics.Count("maintenance.reclaimer.reclaimed",
                          static_cast<int64_t>(reclaimed.size()));
      deps_.metrics.Count("maintenance.reclaimer.retried", static_cast<int64_t>(retries.size()));
    }
    for (const ReadyAgenda& ready : retries) deps_.changes.Publish(Change::ReadyAdded(ready));
    // log_only changes nothing, so the next batch would find the same records.
    if (options_.log_only || reclaimed.size() < options_.batch) break;
    if (deps_.services.clock.Now() - started >= options_.max_run) break;
  }
  deps_.metrics.Count("maintenance.reclaimer.runs", 1);
  return report;
}

// ---- DataObjectReaper

DataObjectReaper::DataObjectReaper(MaintenanceDeps deps, ReaperOptions options)
    : deps_(deps), options_(options) {}

Result<size_t> DataObjectReaper::ReapFinishedBatch(Timestamp cutoff, ReapReport& report) {
  struct Reaped {
    std::string agenda_id;
    std::string progress_id;
  };
  std::vector<Reaped> reaped;
  ReapReport counts;
  Status status = deps_.services.store.Write([&](StoreWriter& tx) -> Status {
    reaped.clear();
    counts = ReapReport{};
    POP_ASSIGN_OR_RETURN(auto finished,
                         tx.Find(ObjectKind::kAgendaProgress,
                                 StateQuery(ProcessingState::kComplete, cutoff, options_.batch)));
    for (const DataObject& object : finished) {
      const auto& progress = std::get<AgendaProgress>(object);
      const std::string agenda_id = progress.agenda_id.value_or("");
      reaped.push_back({agenda_id, *progress.id});
      if (options_.log_only) continue;
      // A ready entry means a rerun is pending: the work is not finished after all.
      if (!agenda_id.empty()) {
        POP_ASSIGN_OR_RETURN(auto ready, tx.ReadyAgendasOf(agenda_id));
        if (!ready.empty()) {
          reaped.pop_back();
          continue;
        }
      }
      ObjectQuery ops;
      ops.scope = VisibilityScope::Everything();
      ops.equals = {{"agendaProgressId", *progress.id}};
      ops.limit = static_cast<size_t>(-1);
      POP_ASSIGN_OR_RETURN(auto operations, tx.Find(ObjectKind::kOperationProgress, ops));
      for (const DataObject& op : operations) {
        const std::string& op_id = *BaseOf(op).id;
        POP_ASSIGN_OR_RETURN(bool had_log, tx.DeleteOperationLog(op_id));
        counts.logs += had_log ? 1 : 0;
        POP_ASSIGN_OR_RETURN(bool deleted, tx.Delete(ObjectKind::kOperationProgress, op_id));
        counts.operation_progress += deleted ? 1 : 0;
      }
      POP_ASSIGN_OR_RETURN(bool progress_deleted,
                           tx.Delete(ObjectKind::kAgendaProgress, *progress.id));
      counts.agenda_progress += progress_deleted ? 1 : 0;
      if (!agenda_id.empty()) {
        POP_ASSIGN_OR_RETURN(bool agenda_deleted, tx.Delete(ObjectKind::kAgenda, agenda_id));
        counts.agendas += agenda_deleted ? 1 : 0;
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return Error(status.code(), "reaper: " + status.message());
  for (const Reaped& item : reaped) {
    Log(deps_.logger, LogLevel::kInfo,
        std::string(options_.log_only ? "reaper (log only) would delete" : "reaper deleted") +
            " finished agenda " + item.agenda_id + " (progress " + item.progress_id + ")");
  }
  report.agendas += counts.agendas;
  report.agenda_progress += counts.agenda_progress;
  report.operation_progress += counts.operation_progress;
  report.logs += counts.logs;
  if (!options_.log_only) {
    for (const Reaped& item : reaped) {
      if (!item.agenda_id.empty()) deps_.changes.Publish(Change::AgendaDeleted(item.agenda_id));
    }
  }
  return reaped.size();
}

Result<size_t> DataObjectReaper::ReapTemplateBatch(Timestamp cutoff, ReapReport& report) {
  std::vector<std::string> ids;
  Status status = deps_.services.store.Write([&](StoreWriter& tx) -> Status {
    ids.clear();
    ObjectQuery query;
    query.scope = VisibilityScope::Everything();
    query.updated_before = cutoff;
    query.limit = options_.batch;
    POP_ASSIGN_OR_RETURN(auto templates, tx.Find(ObjectKind::kAgendaTemplate, query));
    for (const DataObject& object : templates) {
      ids.push_back(*BaseOf(object).id);
      if (options_.log_only) continue;
      POP_RETURN_IF_ERROR(tx.Delete(ObjectKind::kAgendaTemplate, ids.back()).status());
    }
    return Status::Ok();
  });
  if (!status.ok()) return Error(status.code(), "reaper: " + status.message());
  for (const std::string& id : ids) {
    Log(deps_.logger, LogLevel::kInfo,
        std::string(options_.log_only ? "reaper (log only) would delete" : "reaper deleted") +
            " agenda template " + id);
  }
  if (!options_.log_only) report.templates += static_cast<int64_t>(ids.size());
  return ids.size();
}

Result<size_t> DataObjectReaper::ReapAuditBatch(Timestamp cutoff, ReapReport& report) {
  int64_t deleted = 0;
  POP_RETURN_IF_ERROR(deps_.services.store.Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(deleted,
                         tx.DeleteAuditRecordsBefore(cutoff, kAuditBatchFactor * options_.batch));
    return Status::Ok();
  }));
  report.audit_records += deleted;
  return static_cast<size_t>(deleted);
}

Result<ReapReport> DataObjectReaper::RunOnce() {
  ReapReport report;
  const Timestamp started = deps_.services.clock.Now();
  auto out_of_time = [&] { return deps_.services.clock.Now() - started >= options_.max_run; };
  for (;;) {
    POP_ASSIGN_OR_RETURN(size_t n,
                         ReapFinishedBatch(started - options_.finished_retention, report));
    if (options_.log_only || n < options_.batch || out_of_time()) break;
  }
  if (options_.template_retention && !out_of_time()) {
    for (;;) {
      POP_ASSIGN_OR_RETURN(size_t n,
                           ReapTemplateBatch(started - *options_.template_retention, report));
      if (options_.log_only || n < options_.batch || out_of_time()) break;
    }
  }
  while (!options_.log_only && !out_of_time()) {
    POP_ASSIGN_OR_RETURN(size_t n, ReapAuditBatch(started - options_.audit_retention, report));
    if (n < kAuditBatchFactor * options_.batch) break;
  }
  deps_.metrics.Count("maintenance.reaper.agendas", report.agendas);
  deps_.metrics.Count("maintenance.reaper.agenda_progress", report.agenda_progress);
  deps_.metrics.Count("maintenance.reaper.operation_progress", report.operation_progress);
  deps_.metrics.Count("maintenance.reaper.logs", report.logs);
  deps_.metrics.Count("maintenance.reaper.templates", report.templates);
  deps_.metrics.Count("maintenance.reaper.audit_records", report.audit_records);
  deps_.metrics.Count("maintenance.reaper.runs", 1);
  return report;
}

// ---- RecoverLocalExecutions

Result<RecoveryReport> RecoverLocalExecutions(MaintenanceDeps deps) {
  RecoveryReport report;
  std::vector<ReadyAgenda> ready_entries;
  std::vector<std::string> resumed;
  const Timestamp now = deps.services.clock.Now();
  Status status = deps.services.store.Write([&](StoreWriter& tx) -> Status {
    report = RecoveryReport{};
    ready_entries.clear();
    resumed.clear();
    POP_ASSIGN_OR_RETURN(report.claims_released, tx.ReleaseAllClaims());
    POP_ASSIGN_OR_RETURN(
        auto executing,
        tx.Find(ObjectKind::kAgendaProgress,
                StateQuery(ProcessingState::kExecuting, std::nullopt, static_cast<size_t>(-1))));
    for (const DataObject& object : executing) {
      AgendaProgress progress = std::get<AgendaProgress>(object);
      POP_ASSIGN_OR_RETURN(auto found,
                           tx.Get(ObjectKind::kAgenda, progress.agenda_id.value_or("")));
      if (!found) continue;
      const Agenda& agenda = std::get<Agenda>(*found);
      std::vector<DiagnosticEvent> events =
          progress.diagnostic_events.value_or(std::vector<DiagnosticEvent>{});
      DiagnosticEvent lost;
      lost.message =
          "The executor running this agenda stopped (its process ended); resumed after "
          "restart. Operations that succeeded are not run again.";
      lost.time = now;
      events.push_back(std::move(lost));
      progress.diagnostic_events = std::move(events);
      progress.processing_state = ProcessingState::kWaiting;
      progress.processing_state_message = kMessagePending;
      progress.updated_time = now;
      POP_RETURN_IF_ERROR(tx.Put(DataObject(progress)));
      if (!HasParam(agenda.params, kParamDoNotRun)) {
        POP_ASSIGN_OR_RETURN(
            auto ready, AddReadyEntryUnlessScheduled(tx, agenda, deps.services.ids.NewId(), now));
        if (ready) ready_entries.push_back(std::move(*ready));
      }
      resumed.push_back(*agenda.id);
      ++report.resumed;
    }
    return Status::Ok();
  });
  if (!status.ok()) return Error(status.code(), "recovery: " + status.message());
  for (const std::string& id : resumed) {
    Log(deps.logger, LogLevel::kWarning,
        "recovery: agenda " + id + " was executing when the previous process ended; resumed");
  }
  if (report.claims_released > 0) {
    Log(deps.logger, LogLevel::kInfo,
        "recovery: released " + std::to_string(report.claims_released) +
            " claims of the previous process");
  }
  deps.metrics.Count("maintenance.recovery.resumed", report.resumed);
  deps.metrics.Count("maintenance.recovery.claims_released", report.claims_released);
  for (const ReadyAgenda& ready : ready_entries) deps.changes.Publish(Change::ReadyAdded(ready));
  return report;
}

}  // namespace pop::app
