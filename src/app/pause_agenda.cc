#include "app/pause_agenda.h"

#include "app/agenda_progress_update.h"

namespace pop::app {
namespace {

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string StateText(const AgendaProgress& progress) {
  std::string text =
      ProcessingStateName(progress.processing_state.value_or(ProcessingState::kWaiting));
  if (progress.processing_state_message) text += "/" + *progress.processing_state_message;
  return text;
}

}  // namespace

Result<PauseResult> PauseAgenda::Pause(const PauseRequest& request, const RequestContext& ctx) {
  return Set(request, ctx, true);
}

Result<PauseResult> PauseAgenda::Resume(const PauseRequest& request, const RequestContext& ctx) {
  return Set(request, ctx, false);
}

Result<PauseResult> PauseAgenda::Set(const PauseRequest& request, const RequestContext& ctx,
                                     bool pause) {
  const char* verb = pause ? "pause" : "resume";
  if (!request.has_body) {
    return Error(ErrorCode::kValidation, std::string("agendaId is required on ") + verb);
  }
  if (IsBlank(request.agenda_id)) {
    return Error(ErrorCode::kValidation, "agendaId must be specified");
  }
  const std::string& agenda_id = *request.agenda_id;
  const Timestamp now = services_.clock.Now();
  PauseResult result;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    result = PauseResult();
    POP_ASSIGN_OR_RETURN(VisibleAgenda visible, ReadVisibleAgenda(tx, agenda_id, ctx.auth));
    result.progress = std::move(visible.progress);
    result.progress.operation_progress.reset();
    POP_ASSIGN_OR_RETURN(auto ready, tx.ReadyAgendasOf(agenda_id));
    POP_ASSIGN_OR_RETURN(std::optional<Timestamp> since,
                         tx.PausedSince(PauseTarget::kAgenda, agenda_id));
    // Finished: complete, with no ready entry left (a retry's entry, or a rerun's, is not).
    const bool finished =
        result.progress.processing_state == ProcessingState::kComplete && ready.empty();
    if (finished && (pause || !since)) {
      return Status(ErrorCode::kConflict,
                    "Agenda " + agenda_id + " has finished (" + StateText(result.progress) +
                        "); only an unfinished agenda can be " + (pause ? "paused" : "resumed") +
                        " (rerun it to run it again)");
    }
    result.running = result.progress.processing_state == ProcessingState::kExecuting;
    for (const ReadyAgenda& entry : ready) result.running |= entry.claimed_by.has_value();
    POP_ASSIGN_OR_RETURN(result.changed,
                         tx.SetPaused(PauseTarget::kAgenda, agenda_id,
                                      pause ? std::optional<Timestamp>(now) : std::nullopt));
    result.paused = pause;
    if (pause) result.paused_at = since.value_or(now);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (result.changed) {
    // This server's scheduler takes it out of (or puts it back into) its queue; other servers'
    // learn it from the store's change feed.
    changes_.Publish(Change::PauseChanged(PauseTarget::kAgenda, agenda_id, result.paused_at));
    if (running_ != nullptr) running_->SetPaused(agenda_id, pause);
  }
  return result;
}

}  // namespace pop::app
