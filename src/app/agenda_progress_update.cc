#include "app/agenda_progress_update.h"

#include <limits>

#include "app/messages.h"
#include "app/submit_agenda.h"
#include "core/access/visibility.h"
#include "core/merge/sparse_merge.h"
#include "core/model/params.h"
#include "core/progress/retry_rule.h"
#include "core/validate/numeric_ranges.h"

namespace pop::app {

Result<VisibleAgenda> ReadVisibleAgenda(StoreReader& tx, const std::string& agenda_id,
                                        const AuthContext& auth) {
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgenda, agenda_id));
  if (!found || !ScopeAllows(ReadScope(ObjectKind::kAgenda, auth), *found)) {
    return Error(ErrorCode::kNotFound, "Agenda " + agenda_id + " not found");
  }
  VisibleAgenda visible;
  visible.agenda = std::get<Agenda>(std::move(*found));
  const std::string progress_id = visible.agenda.progress_id.value_or("");
  POP_ASSIGN_OR_RETURN(auto stored, tx.Get(ObjectKind::kAgendaProgress, progress_id));
  if (!stored) return Error(ErrorCode::kNotFound, "AgendaProgress " + progress_id + " not found");
  visible.progress = std::get<AgendaProgress>(std::move(*stored));
  return visible;
}

Result<std::vector<OperationProgress>> OperationProgressOf(StoreReader& tx,
                                                           const std::string& progress_id) {
  ObjectQuery query;
  query.equals.push_back({"agendaProgressId", progress_id});
  query.scope = VisibilityScope::Everything();
  query.limit = std::numeric_limits<int32_t>::max();
  POP_ASSIGN_OR_RETURN(auto found, tx.Find(ObjectKind::kOperationProgress, query));
  std::vector<OperationProgress> ops;
  ops.reserve(found.size());
  for (auto& object : found) ops.push_back(std::get<OperationProgress>(std::move(object)));
  return ops;
}

namespace {

constexpr int kMaxOperationProgressIdSuffix = 64;

bool BelongsTo(const DataObject& object, const std::string& progress_id) {
  const auto* op = std::get_if<OperationProgress>(&object);
  return op != nullptr && op->agenda_progress_id == progress_id;
}

}  // namespace

Result<OperationProgressSlot> LocateOperationProgress(StoreReader& tx,
                                                      const std::string& progress_id,
                                                      const std::string& operation) {
  const std::string derived = OperationProgressId(progress_id, operation);
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kOperationProgress, derived));
  if (!found) return OperationProgressSlot{derived, std::nullopt};
  if (BelongsTo(*found, progress_id)) return OperationProgressSlot{derived, std::move(found)};
  // The derived id is another agenda's: this progress's record, if any, has a suffixed id.
  ObjectQuery query;
  query.equals.push_back({"agendaProgressId", progress_id});
  query.equals.push_back({"operation", operation});
  query.scope = VisibilityScope::Everything();
  query.limit = 1;
  POP_ASSIGN_OR_RETURN(auto mine, tx.Find(ObjectKind::kOperationProgress, query));
  if (!mine.empty()) {
    std::string id = *BaseOf(mine.front()).id;
    return OperationProgressSlot{std::move(id), std::move(mine.front())};
  }
  for (int n = 2; n <= kMaxOperationProgressIdSuffix; ++n) {
    std::string candidate = derived + "~" + std::to_string(n);
    POP_ASSIGN_OR_RETURN(auto taken, tx.Get(ObjectKind::kOperationProgress, candidate));
    if (!taken) return OperationProgressSlot{std::move(candidate), std::nullopt};
  }
  return Error(ErrorCode::kConflict, "No free OperationProgress id for operation " + operation +
                                         " of AgendaProgress " + progress_id +
                                         "; submit it with another progressId");
}

Status UpsertOperationProgress(StoreWriter& tx, const AgendaProgress& progress,
                               OperationProgress op, Timestamp now) {
  const std::string& progress_id = *progress.id;
  if (!op.operation || op.operation->empty()) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: All OperationProgress objects must specify the operation "
                  "field.");
  }
  op.agenda_progress_id = progress_id;
  std::optional<OperationProgressSlot> slot;
  if (op.id) {
    POP_ASSIGN_OR_RETURN(auto named, tx.Get(ObjectKind::kOperationProgress, *op.id));
    if (named && BelongsTo(*named, progress_id)) slot = OperationProgressSlot{*op.id, named};
  }
  if (!slot) {
    POP_ASSIGN_OR_RETURN(slot, LocateOperationProgress(tx, progress_id, *op.operation));
  }
  op.id = slot->id;
  if (slot->existing.has_value()) {
    op.added_time.reset();
    op.updated_time = now;
    op.customer_id.reset();
    return tx.Put(SparseMerge(*slot->existing, DataObject(std::move(op))));
  }
  // Not found: create it (spec §5.6 step 2, the 404 → POST path).
  op.customer_id = progress.customer_id;
  op.cid = progress.cid;
  if (!op.processing_state) op.processing_state = ProcessingState::kWaiting;
  if (!op.attempt_count) op.attempt_count = 0;
  op.added_time = now;
  op.updated_time = now;
  return tx.Put(DataObject(std::move(op)));
}

namespace {

// Spec §17.2 as part of the failing update: rerun `continue` (progress back to WAITING/pending,
// a ready entry after the backoff). Agendas with params.doNotRun are left failed: a retry could
// never run.
Result<std::optional<ReadyAgenda>> RetryIfDue(StoreWriter& tx, AgendaProgress& progress,
                                              const AgendaProgressUpdate& update) {
  if (!ShouldRetry(progress)) return std::optional<ReadyAgenda>();
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgenda, progress.agenda_id.value_or("")));
  if (!found) return std::optional<ReadyAgenda>();
  const Agenda& agenda = std::get<Agenda>(*found);
  if (HasParam(agenda.params, kParamDoNotRun)) return std::optional<ReadyAgenda>();
  progress.processing_state = ProcessingState::kWaiting;
  progress.processing_state_message = kMessagePending;
  POP_RETURN_IF_ERROR(tx.Put(DataObject(progress)));
  return AddReadyEntryUnlessScheduled(tx, agenda, update.retry_ready_id, update.now,
                                      update.now + *update.retry_backoff);
}

}  // namespace

Result<AgendaProgressUpdateResult> ApplyAgendaProgressUpdate(StoreWriter& tx,
                                                             const AgendaProgressUpdate& update) {
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgendaProgress, update.id));
  return ApplyAgendaProgressUpdate(tx, update, std::move(found));
}

Result<AgendaProgressUpdateResult> ApplyAgendaProgressUpdate(StoreWriter& tx,
                                                             const AgendaProgressUpdate& update,
                                                             std::optional<DataObject> found) {
  POP_RETURN_IF_ERROR(ValidateNumericRanges(update.patch));
  if (!found.has_value() ||
      !ScopeAllows(ReadScope(ObjectKind::kAgendaProgress, *update.auth), *found)) {
    return Error(ErrorCode::kNotFound, UnableToGetMessage(update.id));
  }
  const auto& stored = std::get<AgendaProgress>(*found);
  if (!ScopeAllows(WriteScope(*update.auth), *found)) {
    return Error(ErrorCode::kPermissionDenied,
                 NoPermissionMessage(stored.customer_id.value_or("")));
  }
  AgendaProgress patch = update.patch;
  if (patch.customer_id && patch.customer_id != stored.customer_id &&
      !ScopeAllowsCustomer(WriteScope(*update.auth), *patch.customer_id)) {
    return Error(ErrorCode::kPermissionDenied, NoPermissionMessage(*patch.customer_id));
  }
  if (patch.operation_progress) {
    for (OperationProgress& op : *patch.operation_progress) {
      POP_RETURN_IF_ERROR(UpsertOperationProgress(tx, stored, std::move(op), update.now));
    }
    patch.operation_progress.reset();
  }
  // attemptsCompleted counts transitions into COMPLETE (spec §5.6 step 3).
  const bool completes = patch.processing_state == ProcessingState::kComplete &&
                         stored.processing_state != ProcessingState::kComplete;
  if (completes) patch.attempts_completed = stored.attempts_completed.value_or(0) + 1;
  patch.id = update.id;
  patch.added_time.reset();
  patch.updated_time = update.now;
  DataObject merged = SparseMerge(*found, DataObject(std::move(patch)));
  POP_RETURN_IF_ERROR(tx.Put(merged));
  AgendaProgressUpdateResult result;
  result.stored = std::get<AgendaProgress>(std::move(merged));
  // The execution ended: the claim fence of the agenda (its confirmed ready entry) goes, before
  // a retry adds the next entry.
  if (completes && result.stored.agenda_id && !update.fence_deleted) {
    POP_RETURN_IF_ERROR(tx.DeleteConfirmedReadyAgendasOf(*result.stored.agenda_id).status());
  }
  if (completes && update.retry_backoff) {
    POP_ASSIGN_OR_RETURN(result.retry, RetryIfDue(tx, result.stored, update));
  }
  return result;
}

}  // namespace pop::app
