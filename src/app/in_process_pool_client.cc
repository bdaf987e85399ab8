#include "app/in_process_pool_client.h"

#include <future>

namespace pop::app {

RequestContext InProcessPoolClient::Context() const {
  return RequestContext{identity_, std::nullopt, "in-process"};
}

Result<ClaimedWork> InProcessPoolClient::GetAgenda(const std::string& insight_id, int64_t count,
                                                   Duration wait, const std::string& puller_id) {
  GetAgendaRequest request;
  request.insight_id = insight_id;
  request.count = count;
  request.wait_seconds = wait.millis() / 1000;
  request.puller_id = puller_id;
  std::promise<Result<GetAgendaResult>> answer;
  auto future = answer.get_future();
  service_.GetAgenda(request, Context(), [&answer](Result<GetAgendaResult> result) {
    answer.set_value(std::move(result));
  });
  Result<GetAgendaResult> result = future.get();
  if (!result.ok()) return result.error();
  return ClaimedWork{std::move(result->agendas), std::move(result->agenda_progresses)};
}

Result<ProgressReportAnswer> InProcessPoolClient::UpdateAgendaProgress(
    const AgendaProgress& progress, const std::string& puller_id) {
  return service_.UpdateAgendaProgress(progress, puller_id, Context());
}

Status InProcessPoolClient::UpdateAgenda(const std::string& agenda_id,
                                         const std::vector<Operation>& operations,
                                         const std::optional<ParamsMap>& params) {
  UpdateAgendaRequest request;
  request.agenda_id = agenda_id;
  request.operations = operations;
  request.params = params;
  return service_.UpdateAgenda(request, Context()).status();
}

Status InProcessPoolClient::AppendOperationLogs(const std::map<std::string, std::string>& chunks) {
  return service_.AppendOperationLogs(chunks, Context());
}

}  // namespace pop::app
