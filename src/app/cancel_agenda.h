// CancelAgenda: POST /agenda/service/cancel (not in the spec; docs/api.md). In one store
// transaction a waiting, delayed or claimed Agenda loses its ready entries and its progress ends
// COMPLETE/"cancelled" (operations that had not finished likewise); then it leaves the scheduler's
// memory, and an executor of this process running it is cancelled at once. An executor elsewhere
// learns it from the 409 answer to its next report (ResourcePoolService::UpdateAgendaProgress).
// The automatic retry never runs a cancelled Agenda; an explicit rerun does. A pause ends with it.
// Design: docs/design/executor.md ("Cancel"). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "app/request_context.h"
#include "app/running_agendas.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/model/agenda_progress.h"

namespace pop::app {

struct CancelRequest {
  bool has_body = true;
  std::optional<std::string> agenda_id;
};

struct CancelResult {
  // False when the Agenda had already finished (COMPLETE and not scheduled): nothing changed.
  bool cancelled = false;
  // It was claimed by a puller or executing when it was cancelled.
  bool was_running = false;
  // It was paused: the cancel ended the pause too.
  bool was_paused = false;
  // The progress as stored after the call, with its operationProgress.
  AgendaProgress progress;
};

class CancelAgenda {
 public:
  // `running` may be null (no in-process executors).
  CancelAgenda(Services services, ChangeFeed& changes, RunningAgendas* running)
      : services_(services), changes_(changes), running_(running) {}

  // Visibility as rerun: the caller must be able to read the Agenda. Errors: kValidation
  // ("agendaId is required on cancel", "agendaId must be specified"), kNotFound ("Agenda <id> not
  // found" for a missing or invisible one, "AgendaProgress <id> not found").
  [[nodiscard]] Result<CancelResult> Run(const CancelRequest& request, const RequestContext& ctx);

 private:
  Services services_;
  ChangeFeed& changes_;
  RunningAgendas* running_;
};

}  // namespace pop::app
