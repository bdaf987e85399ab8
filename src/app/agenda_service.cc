#include "app/agenda_service.h"

#include <set>

#include "app/agenda_progress_update.h"
#include "app/messages.h"
#include "core/access/visibility.h"
#include "core/agenda_template/template_expander.h"
#include "core/base/error_status.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/json/json_depth.h"
#include "core/model/params.h"
#include "core/rerun/reset_plan.h"

namespace pop::app {
namespace {

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

AgendaService::AgendaService(Services services, ChangeFeed& changes, RunningAgendas* running)
    : services_(services),
      changes_(changes),
      submit_agenda_(services, changes),
      cancel_agenda_(services, changes, running),
      pause_agenda_(services, changes, running) {}

Result<Agenda> AgendaService::RunTemplate(const RunTemplateRequest& request,
                                          const RequestContext& ctx) {
  if (IsBlank(request.agenda_template_id) || IsBlank(request.payload)) {
    return Error(ErrorCode::kValidation, "agendaTemplateId and payload must be specified");
  }
  Result<Json> payload = ParseJson(*request.payload);
  if (!payload.ok()) {
    return Error(ErrorCode::kInvalidArgument, "Unable to parse input payload as JSON");
  }
  const std::string& template_id = *request.agenda_template_id;
  std::optional<DataObject> found;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(found, reader.Get(ObjectKind::kAgendaTemplate, template_id));
    return Status::Ok();
  }));
  if (!found || !ScopeAllows(ReadScope(ObjectKind::kAgendaTemplate, ctx.auth), *found)) {
    return Error(ErrorCode::kNotFound, "AgendaTemplate " + template_id + " not found");
  }
  const auto& agenda_template = std::get<AgendaTemplate>(*found);
  POP_ASSIGN_OR_RETURN(Agenda agenda, ExpandTemplate(agenda_template, *payload));
  // The payload lands inside the template's skeleton, so the expansion can nest deeper than
  // either did alone: refused here (422, naming the field) rather than stored unreadable.
  POP_RETURN_IF_ERROR(CheckJsonDepth(EncodeObject(DataObject(agenda)), "Expanded Agenda"));
  if (IsBlank(agenda.cid)) agenda.cid = ctx.cid ? *ctx.cid : ctx.correlation_id;
  if (IsBlank(agenda.title)) agenda.title = agenda_template.title;
  // The original submitted the agenda as whatever customer the template's expansion named,
  // checking only that the caller could read the template (spec §8.1 step 7): any reader of a
  // template could run work in, and read the results of, another customer's account. The
  // caller must be able to act for the agenda's customer, as for a POST.
  const std::string customer_id = agenda.customer_id.value_or("");
  if (!IsBlank(agenda.customer_id) && !ScopeAllowsCustomer(WriteScope(ctx.auth), customer_id)) {
    return Error(ErrorCode::kPermissionDenied, NoPermissionMessage(customer_id));
  }
  Result<Agenda> submitted = submit_agenda_.Run(std::move(agenda), ctx, SubmitOptions{});
  if (!submitted.ok() && (submitted.error().code == ErrorCode::kInternal ||
                          submitted.error().code == ErrorCode::kUnavailable)) {
    return submitted;  // the store's own failure: its text is for the log, not the caller
  }
  if (!submitted.ok()) {
    return Error(ErrorCode::kInvalidArgument, std::string("[") +
                                                  ErrorTitleFor(submitted.error().code) + " : " +
                                                  submitted.error().message + "]");
  }
  return submitted;
}

Status AgendaService::Rerun(const RerunRequest& request, const RequestContext& ctx) {
  if (IsBlank(request.agenda_id)) {
    return Status(ErrorCode::kValidation, "agendaId must be specified");
  }
  const std::string& agenda_id = *request.agenda_id;
  const RerunParams params = ParseRerunParams(request.params);
  const Timestamp now = services_.clock.Now();
  const std::string ready_id = services_.ids.NewId();
  std::optional<ReadyAgenda> ready;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    ready.reset();
    POP_ASSIGN_OR_RETURN(VisibleAgenda visible, ReadVisibleAgenda(tx, agenda_id, ctx.auth));
    Agenda agenda = std::move(visible.agenda);
    const std::string progress_id = agenda.progress_id.value_or("");
    POP_ASSIGN_OR_RETURN(auto ops, OperationProgressOf(tx, progress_id));
    POP_ASSIGN_OR_RETURN(ResetPlan plan, PlanReset(agenda, ops, params));

    AgendaProgress reset;
    reset.processing_state = ProcessingState::kWaiting;
    reset.processing_state_message = kMessagePending;
    reset.operation_progress.emplace();
    for (const OperationProgress& op : ops) {
      if (!op.operation || plan.reset.count(*op.operation) == 0) continue;
      OperationProgress cleared;
      cleared.id = op.id;
      cleared.operation = op.operation;
      cleared.processing_state = ProcessingState::kWaiting;
      cleared.processing_state_message = kMessagePending;
      cleared.result_payload = "{}";
      cleared.diagnostic_events.emplace();
      cleared.percent_complete = 0.0;
      reset.operation_progress->push_back(std::move(cleared));
    }
    const AuthContext service = AuthContext::Service();
    POP_RETURN_IF_ERROR(
        ApplyAgendaProgressUpdate(tx, {progress_id, std::move(reset), &service, now, {}, {}})
            .status());
    if (!plan.remove.empty() && agenda.operations) {
      std::vector<Operation> kept;
      for (Operation& op : *agenda.operations) {
        if (!op.name || plan.remove.count(*op.name) == 0) kept.push_back(std::move(op));
      }
      agenda.operations = std::move(kept);
      agenda.updated_time = now;
      POP_RETURN_IF_ERROR(tx.Put(DataObject(agenda)));
      for (const auto& name : plan.remove) {
        POP_ASSIGN_OR_RETURN(OperationProgressSlot slot,
                             LocateOperationProgress(tx, progress_id, name));
        if (!slot.existing) continue;
        POP_RETURN_IF_ERROR(tx.Delete(ObjectKind::kOperationProgress, slot.id).status());
      }
    }
    if (params.skip_execution || HasParam(agenda.params, kParamDoNotRun)) return Status::Ok();
    POP_ASSIGN_OR_RETURN(ready, AddReadyEntryUnlessScheduled(tx, agenda, ready_id, now));
    return Status::Ok();
  });
  if (status.ok() && ready) changes_.Publish(Change::ReadyAdded(*ready));
  return status;
}

}  // namespace pop::app
