// AgendaService: the agenda service routes of spec §8: `run` (instantiate a template with a
// payload and submit the result) and `rerun` (reset an agenda's progress from the point of
// failure and schedule it again), plus `cancel`, `pause` and `resume` (app/cancel_agenda.h,
// app/pause_agenda.h; not in the spec). Each is one store transaction. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/cancel_agenda.h"
#include "app/pause_agenda.h"
#include "app/request_context.h"
#include "app/services.h"
#include "app/submit_agenda.h"
#include "core/base/result.h"
#include "core/model/agenda.h"

namespace pop::app {

struct RunTemplateRequest {
  std::optional<std::string> agenda_template_id;
  std::optional<std::string> payload;  // a string holding JSON
};

struct RerunRequest {
  std::optional<std::string> agenda_id;
  std::vector<std::string> params;  // "resetAll", "operationsToReset=a,b", "continue", ...
};

class AgendaService {
 public:
  // `running`: the executors of this process, told at once about a cancel (pop dev); may be null.
  AgendaService(Services services, ChangeFeed& changes, RunningAgendas* running = nullptr);

  // Errors: kValidation ("agendaTemplateId and payload must be specified", "Parameter [x] is
  // duplicated."), kInvalidArgument ("Unable to parse input payload as JSON"), kNotFound
  // ("AgendaTemplate <id> not found"), kInvalidArgument "[<Title> : <description>]" wrapping any
  // failure of the submission itself.
  [[nodiscard]] Result<Agenda> RunTemplate(const RunTemplateRequest& request,
                                           const RequestContext& ctx);

  // Errors: kValidation (missing id, bad params), kNotFound ("Agenda <id> not found",
  // "AgendaProgress <id> not found").
  [[nodiscard]] Status Rerun(const RerunRequest& request, const RequestContext& ctx);

  // See CancelAgenda::Run.
  [[nodiscard]] Result<CancelResult> Cancel(const CancelRequest& request,
                                            const RequestContext& ctx) {
    return cancel_agenda_.Run(request, ctx);
  }

  // See PauseAgenda.
  [[nodiscard]] Result<PauseResult> Pause(const PauseRequest& request, const RequestContext& ctx) {
    return pause_agenda_.Pause(request, ctx);
  }
  [[nodiscard]] Result<PauseResult> Resume(const PauseRequest& request, const RequestContext& ctx) {
    return pause_agenda_.Resume(request, ctx);
  }

 private:
  Services services_;
  ChangeFeed& changes_;
  SubmitAgenda submit_agenda_;
  CancelAgenda cancel_agenda_;
  PauseAgenda pause_agenda_;
};

}  // namespace pop::app
