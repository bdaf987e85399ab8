// PauseAgenda: POST /agenda/service/pause and /agenda/service/resume (not in the spec;
// docs/api.md, "Pause and resume"). A paused Agenda is not claimed (the store refuses the claim,
// so every server sharing the store honours it) and its executor starts no new operation while
// the running ones finish; its claim stays (the executor keeps reporting). Resume lets it be
// claimed again, and an executor that runs it starts the ready operations at once. The pause is
// a row of the store: it survives restarts, and lasts until resumed (a rerun of a paused Agenda
// is queued paused). Executors of this process learn of it at once (RunningAgendas); those of
// other processes from the answer to their next progress report.
// Design: docs/design/executor.md ("Pause"). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "app/request_context.h"
#include "app/running_agendas.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/model/agenda_progress.h"

namespace pop::app {

struct PauseRequest {
  bool has_body = true;
  std::optional<std::string> agenda_id;
};

struct PauseResult {
  // Whether this call changed anything: false when pausing what was paused already, or resuming
  // what was not paused (both answer OK: the calls are idempotent).
  bool changed = false;
  bool paused = false;                 // as it is now
  std::optional<Timestamp> paused_at;  // when it was paused (the first pause), if it is
  // An executor holds it (claimed or running): its running operations go on.
  bool running = false;
  // The progress as stored, without its operationProgress.
  AgendaProgress progress;
};

class PauseAgenda {
 public:
  // `running` may be null (no in-process executors).
  PauseAgenda(Services services, ChangeFeed& changes, RunningAgendas* running)
      : services_(services), changes_(changes), running_(running) {}

  // Access as cancel: the caller must be able to read the Agenda. Errors: kValidation
  // ("agendaId is required on pause", "agendaId must be specified"), kNotFound ("Agenda <id> not
  // found" for a missing or invisible one, "AgendaProgress <id> not found"), kConflict ("Agenda
  // <id> has finished (COMPLETE/succeeded); only an unfinished agenda can be paused ...").
  [[nodiscard]] Result<PauseResult> Pause(const PauseRequest& request, const RequestContext& ctx);
  // As Pause. A finished Agenda that is still paused (it ended while paused) may be resumed: its
  // pause is lifted; one that is not paused is refused with kConflict.
  [[nodiscard]] Result<PauseResult> Resume(const PauseRequest& request, const RequestContext& ctx);

 private:
  Result<PauseResult> Set(const PauseRequest& request, const RequestContext& ctx, bool pause);

  Services services_;
  ChangeFeed& changes_;
  RunningAgendas* running_;
};

}  // namespace pop::app
