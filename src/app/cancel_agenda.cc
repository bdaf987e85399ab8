#include "app/cancel_agenda.h"

#include "app/agenda_progress_update.h"

namespace pop::app {
namespace {

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

// The patch that ends every operation that has not finished as COMPLETE/"cancelled". Operations
// that ended keep their state and output.
std::vector<OperationProgress> CancelledOperations(const std::vector<OperationProgress>& ops,
                                                   Timestamp now) {
  std::vector<OperationProgress> patch;
  for (const OperationProgress& op : ops) {
    if (!op.operation || op.processing_state == ProcessingState::kComplete) continue;
    OperationProgress cancelled;
    cancelled.id = op.id;
    cancelled.operation = op.operation;
    cancelled.processing_state = ProcessingState::kComplete;
    cancelled.processing_state_message = kMessageCancelled;
    cancelled.completed_time = now;
    patch.push_back(std::move(cancelled));
  }
  return patch;
}

}  // namespace

Result<CancelResult> CancelAgenda::Run(const CancelRequest& request, const RequestContext& ctx) {
  if (!request.has_body) return Error(ErrorCode::kValidation, "agendaId is required on cancel");
  if (IsBlank(request.agenda_id)) {
    return Error(ErrorCode::kValidation, "agendaId must be specified");
  }
  const std::string& agenda_id = *request.agenda_id;
  const Timestamp now = services_.clock.Now();
  CancelResult result;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    result = CancelResult();
    POP_ASSIGN_OR_RETURN(VisibleAgenda visible, ReadVisibleAgenda(tx, agenda_id, ctx.auth));
    const AgendaProgress& progress = visible.progress;
    const std::string progress_id = visible.agenda.progress_id.value_or("");
    POP_ASSIGN_OR_RETURN(auto ops, OperationProgressOf(tx, progress_id));
    POP_ASSIGN_OR_RETURN(auto ready, tx.ReadyAgendasOf(agenda_id));
    if (progress.processing_state == ProcessingState::kComplete && ready.empty()) {
      result.progress = progress;
      result.progress.operation_progress = std::move(ops);
      return Status::Ok();  // finished: nothing to cancel
    }
    result.cancelled = true;
    result.was_running = progress.processing_state == ProcessingState::kExecuting;
    for (const ReadyAgenda& entry : ready) result.was_running |= entry.claimed_by.has_value();
    POP_RETURN_IF_ERROR(tx.DeleteReadyAgendasOf(agenda_id).status());
    // A cancel ends a pause too: a rerun of the cancelled agenda runs.
    POP_ASSIGN_OR_RETURN(result.was_paused,
                         tx.SetPaused(PauseTarget::kAgenda, agenda_id, std::nullopt));
    AgendaProgress patch;
    patch.processing_state = ProcessingState::kComplete;
    patch.processing_state_message = kMessageCancelled;
    patch.completed_time = now;
    patch.operation_progress = CancelledOperations(ops, now);
    // No retry_backoff: a cancel is never retried.
    const AuthContext service = AuthContext::Service();
    POP_ASSIGN_OR_RETURN(
        AgendaProgressUpdateResult updated,
        ApplyAgendaProgressUpdate(tx, {progress_id, patch, &service, now, {}, {}}));
    result.progress = std::move(updated.stored);
    POP_ASSIGN_OR_RETURN(result.progress.operation_progress, OperationProgressOf(tx, progress_id));
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (result.cancelled) {
    // Out of the scheduler's policy, queue, claims or delayed set, as a deleted agenda leaves it.
    changes_.Publish(Change::AgendaDeleted(agenda_id));
    changes_.Publish(Change::ObjectChanged(DataObject(result.progress)));
    if (result.was_paused) {
      changes_.Publish(Change::PauseChanged(PauseTarget::kAgenda, agenda_id, std::nullopt));
    }
    if (running_ != nullptr) running_->Cancel(agenda_id);
  }
  return result;
}

}  // namespace pop::app
