#include "api/service_routes.h"

#include <utility>

#include "api/service_requests.h"
#include "core/access/visibility.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::api {
namespace {

ResponseIds IdsOf(const app::RequestContext& ctx) {
  return ResponseIds{ctx.cid, ctx.correlation_id};
}

JsonArray EncodeAgendas(const std::vector<Agenda>& agendas) {
  JsonArray items;
  items.reserve(agendas.size());
  for (const Agenda& agenda : agendas) items.push_back(Encode(agenda));
  return items;
}

const char* StateName(app::QueueExplanation::State state) {
  switch (state) {
    case app::QueueExplanation::State::kWaiting:
      return "WAITING";
    case app::QueueExplanation::State::kQueued:
      return "QUEUED";
    case app::QueueExplanation::State::kClaimed:
      return "CLAIMED";
    case app::QueueExplanation::State::kDelayed:
      return "DELAYED";
    case app::QueueExplanation::State::kPaused:
      return "PAUSED";
  }
  return "WAITING";
}

const char* PullerActivityName(app::PullerActivity activity) {
  switch (activity) {
    case app::PullerActivity::kNone:
      return "NONE";
    case app::PullerActivity::kIdle:
      return "IDLE";
    case app::PullerActivity::kActive:
      return "ACTIVE";
  }
  return "ACTIVE";
}

}  // namespace

const std::vector<std::pair<std::string, ServiceRoute>>& ServiceRouteTable() {
  static const std::vector<std::pair<std::string, ServiceRoute>> kRoutes = {
      {"/agenda/service/run", ServiceRoute::kRunTemplate},
      {"/agenda/service/rerun", ServiceRoute::kRerun},
      {"/agenda/service/cancel", ServiceRoute::kCancel},
      {"/agenda/service/pause", ServiceRoute::kPause},
      {"/agenda/service/resume", ServiceRoute::kResume},
      {"/insight/service/pause", ServiceRoute::kPauseInsight},
      {"/insight/service/resume", ServiceRoute::kResumeInsight},
      {"/progress/agenda/service", ServiceRoute::kProgressSummary},
      {"/resourcepool/service/getAgenda", ServiceRoute::kGetAgenda},
      {"/resourcepool/service/createAgenda", ServiceRoute::kCreateAgenda},
      {"/resourcepool/service/updateAgendaProgress", ServiceRoute::kUpdateAgendaProgress},
      {"/resourcepool/service/updateAgenda", ServiceRoute::kUpdateAgenda},
      {"/resourcepool/service/setCustomerWeight", ServiceRoute::kSetCustomerWeight},
      {"/resourcepool/service/appendOperationLog", ServiceRoute::kAppendOperationLog},
  };
  return kRoutes;
}

std::optional<ServiceRoute> MatchServiceRoute(const std::vector<std::string>& relative) {
  std::string path;
  for (const auto& segment : relative) path += "/" + segment;
  for (const auto& [pattern, route] : ServiceRouteTable()) {
    if (pattern == path) return route;
  }
  return std::nullopt;
}

ServiceRoutes::ServiceRoutes(const DataRoutesOptions& input, app::AgendaService& agendas,
                             app::ResourcePoolService& pools, app::InsightQueues& queues,
                             app::DataObjectService& data)
    : max_json_depth_(input.max_json_depth),
      body_options_{input.accept_unknown_fields},
      agendas_(agendas),
      pools_(pools),
      queues_(queues),
      data_(data) {}

void ServiceRoutes::Handle(ServiceRoute route, const HttpRequest& request,
                           const app::RequestContext& ctx, Responder respond) {
  const ResponseIds ids = IdsOf(ctx);
  if (request.method != "POST") {
    return respond(
        ServiceErrorResponse(Error(ErrorCode::kInvalidArgument,
                                   request.method + " is not implemented for this endpoint"),
                             ids));
  }
  // Null for no body: services distinguish "no body" from an empty object.
  Result<Json> parsed = ParseServiceBody(request.body, max_json_depth_);
  if (!parsed.ok()) return respond(ServiceErrorResponse(parsed.error(), ids));
  const Json body = std::move(parsed).value();
  switch (route) {
    case ServiceRoute::kRunTemplate:
      return respond(RunTemplate(body, ctx));
    case ServiceRoute::kRerun:
      return respond(Rerun(body, ctx));
    case ServiceRoute::kCancel:
      return respond(Cancel(body, ctx));
    case ServiceRoute::kPause:
      return respond(PauseOrResume(body, ctx, true));
    case ServiceRoute::kResume:
      return respond(PauseOrResume(body, ctx, false));
    case ServiceRoute::kPauseInsight:
      return respond(PauseOrResumeInsight(body, ctx, true));
    case ServiceRoute::kResumeInsight:
      return respond(PauseOrResumeInsight(body, ctx, false));
    case ServiceRoute::kProgressSummary:
      return respond(ProgressSummary(body, ctx));
    case ServiceRoute::kGetAgenda:
      return GetAgenda(body, ctx, std::move(respond));
    case ServiceRoute::kCreateAgenda:
      return respond(CreateAgenda(body, ctx));
    case ServiceRoute::kUpdateAgendaProgress:
      return respond(UpdateAgendaProgress(body, ctx));
    case ServiceRoute::kUpdateAgenda:
      return respond(UpdateAgenda(body, ctx));
    case ServiceRoute::kSetCustomerWeight:
      return respond(SetCustomerWeight(body, ctx));
    case ServiceRoute::kAppendOperationLog:
      return respond(AppendOperationLog(body, ctx));
  }
}

HttpResponse ServiceRoutes::RunTemplate(const Json& body, const app::RequestContext& ctx) {
  auto fail = [&](const Error& error) {
    JsonObject fields;
    fields.Set("agendas", Json(JsonArray{Json()}));  // the original's [null] (spec §8.1)
    fields.Set("all", Json(JsonArray{Json()}));
    return ServiceErrorResponse(error, IdsOf(ctx), std::move(fields));
  };
  Result<app::RunTemplateRequest> request = ParseRunTemplateRequest(body);
  if (!request.ok()) return fail(request.error());
  Result<Agenda> agenda = agendas_.RunTemplate(*request, ctx);
  if (!agenda.ok()) return fail(agenda.error());
  JsonObject fields;
  fields.Set("all", Json(JsonArray{Encode(*agenda)}));
  fields.Set("agendas", Json(JsonArray{Encode(*agenda)}));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::Rerun(const Json& body, const app::RequestContext& ctx) {
  Result<app::RerunRequest> request = ParseRerunRequest(body);
  if (!request.ok()) return ServiceErrorResponse(request.error(), IdsOf(ctx));
  Status status = agendas_.Rerun(*request, ctx);
  if (!status.ok()) return ServiceErrorResponse(status.error(), IdsOf(ctx));
  return ServiceResponse({}, IdsOf(ctx));
}

HttpResponse ServiceRoutes::Cancel(const Json& body, const app::RequestContext& ctx) {
  Result<app::CancelRequest> parsed = ParseCancelRequest(body);
  if (!parsed.ok()) return ServiceErrorResponse(parsed.error(), IdsOf(ctx));
  const app::CancelRequest& request = *parsed;
  auto result = agendas_.Cancel(request, ctx);
  if (!result.ok()) return ServiceErrorResponse(result.error(), IdsOf(ctx));
  const AgendaProgress& progress = result->progress;
  std::string message = "Agenda " + *request.agenda_id + " cancelled";
  if (!result->cancelled) {
    message = "Agenda " + *request.agenda_id + " had already finished (" +
              ProcessingStateName(progress.processing_state.value_or(ProcessingState::kComplete)) +
              "/" + progress.processing_state_message.value_or("") + "); nothing was changed";
  }
  JsonObject fields;
  fields.Set("agendaId", Json(*request.agenda_id));
  fields.Set("cancelled", Json(result->cancelled));
  fields.Set("wasRunning", Json(result->was_running));
  fields.Set("message", Json(message));
  fields.Set("agendaProgress", Encode(progress));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

// The answer of agenda/service/pause and resume (docs/api.md): 200 whether or not this call
// changed anything (`changed` says; pausing twice answers changed false), the state now
// (`paused`, `pausedTime`), whether an executor holds it (`running`: its operations that run go
// on), and its progress without operationProgress.
HttpResponse ServiceRoutes::PauseOrResume(const Json& body, const app::RequestContext& ctx,
                                          bool pause) {
  Result<app::PauseRequest> parsed = ParsePauseRequest(body);
  if (!parsed.ok()) return ServiceErrorResponse(parsed.error(), IdsOf(ctx));
  const app::PauseRequest& request = *parsed;
  auto result = pause ? agendas_.Pause(request, ctx) : agendas_.Resume(request, ctx);
  if (!result.ok()) return ServiceErrorResponse(result.error(), IdsOf(ctx));
  const std::string& id = *request.agenda_id;
  std::string message;
  if (pause) {
    message = result->changed ? "Agenda " + id + " paused" +
                                    (result->running ? "; its running operations go on and no "
                                                       "new one starts until it is resumed"
                                                     : "; it is not claimed until it is resumed")
                              : "Agenda " + id + " was paused already; nothing was changed";
  } else {
    message = result->changed ? "Agenda " + id + " resumed"
                              : "Agenda " + id + " was not paused; nothing was changed";
  }
  JsonObject fields;
  fields.Set("agendaId", Json(id));
  fields.Set("paused", Json(result->paused));
  fields.Set("changed", Json(result->changed));
  if (result->paused_at) fields.Set("pausedTime", Json(result->paused_at->millis()));
  fields.Set("running", Json(result->running));
  fields.Set("message", Json(message));
  fields.Set("agendaProgress", Encode(result->progress));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::PauseOrResumeInsight(const Json& body, const app::RequestContext& ctx,
                                                 bool pause) {
  Result<app::PauseInsightRequest> parsed = ParsePauseInsightRequest(body);
  if (!parsed.ok()) return ServiceErrorResponse(parsed.error(), IdsOf(ctx));
  const app::PauseInsightRequest& request = *parsed;
  auto result =
      pause ? pools_.PauseInsightQueue(request, ctx) : pools_.ResumeInsightQueue(request, ctx);
  if (!result.ok()) return ServiceErrorResponse(result.error(), IdsOf(ctx));
  const std::string& id = *request.insight_id;
  std::string message;
  if (pause) {
    message = result->changed ? "Insight " + id +
                                    " paused; nothing is claimed from it until it is resumed "
                                    "(claimed and running agendas go on)"
                              : "Insight " + id + " was paused already; nothing was changed";
  } else {
    message = result->changed ? "Insight " + id + " resumed"
                              : "Insight " + id + " was not paused; nothing was changed";
  }
  JsonObject fields;
  fields.Set("insightId", Json(id));
  fields.Set("paused", Json(result->paused));
  fields.Set("changed", Json(result->changed));
  if (result->paused_at) fields.Set("pausedTime", Json(result->paused_at->millis()));
  fields.Set("message", Json(message));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::ProgressSummary(const Json& body, const app::RequestContext& ctx) {
  Result<std::optional<std::string>> link_id = ParseProgressSummaryRequest(body);
  if (!link_id.ok()) return ServiceErrorResponse(link_id.error(), IdsOf(ctx));
  auto result = pools_.ProgressSummary(*link_id, ctx);
  if (!result.ok()) return ServiceErrorResponse(result.error(), IdsOf(ctx));
  JsonArray list;
  for (const AgendaProgress& progress : result->progress_list) list.push_back(Encode(progress));
  JsonObject fields;
  fields.Set("progressList", Json(std::move(list)));
  fields.Set("processingState", Json(ProcessingStateName(result->summary.state)));
  if (result->summary.percent) fields.Set("processingPercent", Json(*result->summary.percent));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

void ServiceRoutes::GetAgenda(const Json& body, const app::RequestContext& ctx, Responder respond) {
  Result<app::GetAgendaRequest> request = ParseGetAgendaRequest(body);
  if (!request.ok()) return respond(ServiceErrorResponse(request.error(), IdsOf(ctx)));
  const ResponseIds ids = IdsOf(ctx);
  pools_.GetAgenda(*request, ctx,
                   [ids, respond = std::move(respond)](Result<app::GetAgendaResult> result) {
                     if (!result.ok()) return respond(ServiceErrorResponse(result.error(), ids));
                     JsonObject fields;
                     fields.Set("all", Json(EncodeAgendas(result->agendas)));
                     fields.Set("agendas", Json(EncodeAgendas(result->agendas)));
                     if (!result->agenda_progresses.empty()) {
                       JsonArray progresses;
                       for (const auto& progress : result->agenda_progresses) {
                         progresses.push_back(Encode(progress));
                       }
                       fields.Set("agendaProgresses", Json(std::move(progresses)));
                     }
                     respond(ServiceResponse(std::move(fields), ids));
                   });
}

HttpResponse ServiceRoutes::CreateAgenda(const Json& body, const app::RequestContext& ctx) {
  Result<std::vector<Agenda>> agendas = ParseCreateAgendaRequest(body, body_options_);
  if (!agendas.ok()) return ServiceErrorResponse(agendas.error(), IdsOf(ctx));
  app::CreateAgendaResult result = pools_.CreateAgenda(*agendas, ctx);
  JsonObject fields;
  fields.Set("all", Json(EncodeAgendas(result.created)));
  fields.Set("agendas", Json(EncodeAgendas(result.created)));
  if (result.error) return ServiceErrorResponse(*result.error, IdsOf(ctx), std::move(fields));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::UpdateAgendaProgress(const Json& body, const app::RequestContext& ctx) {
  Result<UpdateAgendaProgressRequest> request =
      ParseUpdateAgendaProgressRequest(body, body_options_);
  if (!request.ok()) return ServiceErrorResponse(request.error(), IdsOf(ctx));
  auto answer = pools_.UpdateAgendaProgress(request->progress, request->puller_id, ctx);
  if (!answer.ok()) return ServiceErrorResponse(answer.error(), IdsOf(ctx));
  // Not in the spec: true while the agenda is paused (the executor starts nothing new).
  JsonObject fields;
  fields.Set("paused", Json(answer->paused));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::UpdateAgenda(const Json& body, const app::RequestContext& ctx) {
  Result<app::UpdateAgendaRequest> request = ParseUpdateAgendaRequest(body, body_options_);
  if (!request.ok()) return ServiceErrorResponse(request.error(), IdsOf(ctx));
  auto agenda = pools_.UpdateAgenda(*request, ctx);
  if (!agenda.ok()) return ServiceErrorResponse(agenda.error(), IdsOf(ctx));
  JsonObject fields;
  fields.Set("agenda", Encode(*agenda));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::AppendOperationLog(const Json& body, const app::RequestContext& ctx) {
  Result<std::map<std::string, std::string>> logs = ParseAppendOperationLogRequest(body);
  if (!logs.ok()) return ServiceErrorResponse(logs.error(), IdsOf(ctx));
  Status status = pools_.AppendOperationLogs(*logs, ctx);
  if (!status.ok()) return ServiceErrorResponse(status.error(), IdsOf(ctx));
  return ServiceResponse({}, IdsOf(ctx));
}

HttpResponse ServiceRoutes::SetCustomerWeight(const Json& body, const app::RequestContext& ctx) {
  Result<SetCustomerWeightRequest> request = ParseSetCustomerWeightRequest(body);
  if (!request.ok()) return ServiceErrorResponse(request.error(), IdsOf(ctx));
  auto customer = pools_.SetCustomerWeight(request->customer_id, request->weight, ctx);
  if (!customer.ok()) return ServiceErrorResponse(customer.error(), IdsOf(ctx));
  JsonObject fields;
  fields.Set("customer", Encode(*customer));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::OperationLog(const std::string& operation_progress_id,
                                         const app::RequestContext& ctx) {
  auto log = pools_.GetOperationLog(operation_progress_id, ctx);
  if (!log.ok()) return ServiceErrorResponse(log.error(), IdsOf(ctx));
  HttpResponse response;
  AddStandardHeaders(response);
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  if (log->dropped_bytes > 0) {
    response.SetHeader("X-pop-log-dropped-bytes", std::to_string(log->dropped_bytes));
    response.body = "[... " + std::to_string(log->dropped_bytes) + " earlier bytes dropped ...]\n";
  }
  response.body += log->text;
  return response;
}

// The numbers of a whole queue (other customers' agendas, the pullers' names) are for the
// insight's owner and global callers; every other customer gets app::TenantView.
bool ServiceRoutes::SeesWholeQueue(const std::string& insight_id, const app::RequestContext& ctx) {
  if (ctx.auth.IsGlobal()) return true;
  app::ObjectGet get;
  get.kind = ObjectKind::kInsight;
  get.id = insight_id;
  auto found = data_.Get(get, ctx);
  return found.ok() && !found->objects.empty() &&
         ScopeAllows(OwnerScope(ctx.auth), found->objects.front());
}

HttpResponse ServiceRoutes::Why(const std::string& agenda_id, const app::RequestContext& ctx) {
  app::ObjectGet get;
  get.kind = ObjectKind::kAgenda;
  get.id = agenda_id;
  auto found = data_.Get(get, ctx);
  if (!found.ok()) return ServiceErrorResponse(found.error(), IdsOf(ctx));
  if (found->objects.empty()) {
    return ServiceErrorResponse(Error(ErrorCode::kNotFound, "Agenda " + agenda_id + " not found"),
                                IdsOf(ctx));
  }
  const auto& agenda = std::get<Agenda>(found->objects.front());
  JsonObject fields;
  fields.Set("agendaId", Json(agenda_id));
  if (agenda.agenda_insight && agenda.agenda_insight->insight_id) {
    fields.Set("insightId", Json(*agenda.agenda_insight->insight_id));
  }
  if (auto place = queues_.Explain(agenda_id)) {
    if (!SeesWholeQueue(place->insight_id, ctx)) place = app::TenantView(std::move(*place));
    fields.Set("state", Json(StateName(place->state)));
    if (place->algorithm) fields.Set("algorithm", Json(SchedulingAlgorithmName(*place->algorithm)));
    fields.Set("queueSize", Json(place->queue_size));
    if (place->counts_shown) {
      fields.Set("position", Json(static_cast<int64_t>(place->position)));
      fields.Set("queued", Json(static_cast<int64_t>(place->queued)));
      fields.Set("waiting", Json(static_cast<int64_t>(place->waiting)));
      fields.Set("pausedAgendas", Json(static_cast<int64_t>(place->paused)));
    }
    if (place->claimed_by) fields.Set("claimedBy", Json(*place->claimed_by));
    if (place->lease_until) fields.Set("leaseUntil", Json(place->lease_until->millis()));
    if (place->not_before) fields.Set("notBefore", Json(place->not_before->millis()));
    if (place->paused_at) {
      fields.Set("paused", Json(true));
      fields.Set("pausedTime", Json(place->paused_at->millis()));
      if (place->insight_paused) fields.Set("insightPaused", Json(true));
    }
    fields.Set("pullers", Json(PullerActivityName(place->pullers)));
    if (place->last_poll) fields.Set("lastPollTime", Json(place->last_poll->millis()));
    if (place->last_poller) fields.Set("lastPolledBy", Json(*place->last_poller));
    fields.Set("reason", Json(place->reason));
    return ServiceResponse(std::move(fields), IdsOf(ctx));
  }
  // Not in any queue: its progress tells the rest.
  app::ObjectGet progress_get;
  progress_get.kind = ObjectKind::kAgendaProgress;
  progress_get.id = agenda.progress_id.value_or("");
  progress_get.include_operation_progress = false;
  auto progress = data_.Get(progress_get, ctx);
  std::optional<ProcessingState> state;
  std::optional<std::string> message;
  if (progress.ok() && !progress->objects.empty()) {
    const auto& stored = std::get<AgendaProgress>(progress->objects.front());
    state = stored.processing_state;
    message = stored.processing_state_message;
  }
  const bool do_not_run = agenda.params && agenda.params->Find("doNotRun") != nullptr;
  // Paused (a pause outlives the run it was made in: a rerun is queued paused).
  const std::optional<Timestamp> paused_at = queues_.AgendaPausedAt(agenda_id);
  if (paused_at) {
    fields.Set("paused", Json(true));
    fields.Set("pausedTime", Json(paused_at->millis()));
  }
  if (state == ProcessingState::kComplete && message == kMessageCancelled) {
    fields.Set("state", Json("COMPLETE"));
    fields.Set("reason", Json("it was cancelled; rerun it to run it again"));
  } else if (state == ProcessingState::kComplete) {
    fields.Set("state", Json("COMPLETE"));
    fields.Set("reason", Json("it has finished; rerun it to run it again"));
  } else if (state == ProcessingState::kExecuting && paused_at) {
    fields.Set("state", Json("PAUSED"));
    fields.Set("reason", Json("paused while an executor runs it: its running operations go on and "
                              "no new one starts until it is resumed (pop agenda resume " +
                              agenda_id + ")"));
  } else if (state == ProcessingState::kExecuting) {
    fields.Set("state", Json("RUNNING"));
    fields.Set("reason", Json("an executor is running it"));
  } else if (do_not_run) {
    fields.Set("state", Json("NOT_SCHEDULED"));
    fields.Set("reason", Json("params.doNotRun is present, so it is never scheduled; remove the "
                              "key (PUT the agenda) and rerun it"));
  } else {
    fields.Set("state", Json("NOT_SCHEDULED"));
    fields.Set("reason", Json("it is in no queue: an executor took it and has not reported yet, "
                              "or it was rerun with skipExecution"));
  }
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

HttpResponse ServiceRoutes::PoolStatus(const std::string& pool_id, const app::RequestContext& ctx) {
  auto status = pools_.GetPoolStatus(pool_id, ctx);
  if (!status.ok()) return ServiceErrorResponse(status.error(), IdsOf(ctx));
  JsonArray insights;
  for (const app::InsightPollStatus& insight : status->insights) {
    JsonObject row;
    row.Set("insightId", Json(insight.insight_id));
    if (insight.last_poll) {
      row.Set("lastPollTime", Json(insight.last_poll->millis()));
      row.Set("secondsSincePoll", Json((status->now - *insight.last_poll).millis() / 1000));
    }
    insights.push_back(Json(std::move(row)));
  }
  JsonArray agendas;
  for (const app::HeldAgendaStatus& held : status->agendas) {
    JsonObject row;
    row.Set("agendaId", Json(held.agenda_id));
    row.Set("insightId", Json(held.insight_id));
    row.Set("customerId", Json(held.customer_id));
    row.Set("state", Json(held.running ? "RUNNING" : "CLAIMED"));
    row.Set("claimedBy", Json(held.claimed_by));
    if (held.claimed_at) row.Set("claimedTime", Json(held.claimed_at->millis()));
    if (held.lease_until && !held.running) row.Set("leaseUntil", Json(held.lease_until->millis()));
    if (held.progress_id) row.Set("agendaProgressId", Json(*held.progress_id));
    if (held.processing_state) {
      row.Set("processingState", Json(ProcessingStateName(*held.processing_state)));
    }
    if (held.percent_complete) row.Set("percentComplete", Json(*held.percent_complete));
    agendas.push_back(Json(std::move(row)));
  }
  JsonObject fields;
  fields.Set("resourcePoolId", Json(status->pool_id));
  fields.Set("time", Json(status->now.millis()));
  fields.Set("insights", Json(std::move(insights)));
  fields.Set("runningAgendas", Json(std::move(agendas)));
  return ServiceResponse(std::move(fields), IdsOf(ctx));
}

}  // namespace pop::api
