#include "app/http_pool_client.h"

#include "core/base/error_status.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::app {
Result<Json> HttpPoolClient::Post(const std::string& route, const Json& body,
                                  Duration extra_timeout) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = options_.server + options_.base_path + "/resourcepool/service/" + route;
  request.headers = {{"Authorization", "Bearer " + options_.token},
                     {"Content-Type", "application/json"}};
  request.body = ToJsonText(body);
  request.timeout = std::chrono::milliseconds((options_.timeout + extra_timeout).millis());
  POP_ASSIGN_OR_RETURN(HttpClientResponse response, http_.Send(request));
  Result<Json> parsed = ParseJson(response.body);
  if (response.status >= 200 && response.status < 300 && parsed.ok()) return parsed;
  std::string description = "HTTP " + std::to_string(response.status) + " from " + route;
  if (parsed.ok()) {
    const Json* error = parsed->Find("errorResponse");
    const Json* text = error != nullptr ? error->Find("description") : nullptr;
    if (text != nullptr && text->is_string()) description = text->AsString();
  }
  return Error(CodeForHttpStatus(response.status), description);
}

Result<ClaimedWork> HttpPoolClient::GetAgenda(const std::string& insight_id, int64_t count,
                                              Duration wait, const std::string& puller_id) {
  JsonObject body;
  body.Set("insightId", Json(insight_id));
  body.Set("count", Json(count));
  body.Set("waitSeconds", Json(wait.millis() / 1000));
  body.Set("pullerId", Json(puller_id));
  POP_ASSIGN_OR_RETURN(Json answer, Post("getAgenda", Json(std::move(body)), wait));
  ClaimedWork work;
  if (const Json* agendas = answer.Find("agendas"); agendas && agendas->is_array()) {
    for (const Json& item : agendas->AsArray()) {
      POP_ASSIGN_OR_RETURN(Agenda agenda, Decode<Agenda>(item));
      work.agendas.push_back(std::move(agenda));
    }
  }
  if (const Json* progresses = answer.Find("agendaProgresses");
      progresses && progresses->is_array()) {
    for (const Json& item : progresses->AsArray()) {
      POP_ASSIGN_OR_RETURN(AgendaProgress progress, Decode<AgendaProgress>(item));
      work.prior_progress.push_back(std::move(progress));
    }
  }
  return work;
}

Result<ProgressReportAnswer> HttpPoolClient::UpdateAgendaProgress(const AgendaProgress& progress,
                                                                  const std::string& puller_id) {
  JsonObject body;
  body.Set("agendaProgress", Encode(progress));
  body.Set("pullerId", Json(puller_id));
  POP_ASSIGN_OR_RETURN(Json answer,
                       Post("updateAgendaProgress", Json(std::move(body)), Duration()));
  ProgressReportAnswer report;
  // A server without pause (older) says nothing: not paused.
  const Json* paused = answer.is_object() ? answer.Find("paused") : nullptr;
  report.paused = paused != nullptr && paused->is_bool() && paused->AsBool();
  return report;
}

Status HttpPoolClient::UpdateAgenda(const std::string& agenda_id,
                                    const std::vector<Operation>& operations,
                                    const std::optional<ParamsMap>& params) {
  JsonObject body;
  body.Set("agendaId", Json(agenda_id));
  JsonArray ops;
  for (const Operation& op : operations) ops.push_back(Encode(op));
  body.Set("operations", Json(std::move(ops)));
  if (params) body.Set("params", *params);
  return Post("updateAgenda", Json(std::move(body)), Duration()).status();
}

Status HttpPoolClient::AppendOperationLogs(const std::map<std::string, std::string>& chunks) {
  JsonObject logs;
  for (const auto& [id, text] : chunks) logs.Set(id, Json(text));
  JsonObject body;
  body.Set("logs", Json(std::move(logs)));
  return Post("appendOperationLog", Json(std::move(body)), Duration()).status();
}

}  // namespace pop::app
