// The JSON bodies of the service routes (spec §8-§10) parsed into the requests their use cases
// take: what api::ServiceRoutes does before it calls a service, as pure functions, so that they
// can be tested and fuzzed without a store. Errors name the field (path from the body's root).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/agenda_service.h"
#include "app/cancel_agenda.h"
#include "app/pause_agenda.h"
#include "app/pause_insight.h"
#include "app/resource_pool_service.h"
#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/agenda.h"

namespace pop::api {

// The body as the services see it: null when it is empty, blank or the JSON null, else the
// object. Errors: kInvalidArgument (not JSON, nested deeper than `max_json_depth`, not an object).
[[nodiscard]] Result<Json> ParseServiceBody(std::string_view text, size_t max_json_depth);

// Each takes the result of ParseServiceBody. Errors: kInvalidArgument naming the field; rerun
// without a body is kValidation ("agendaId is required on rerun").
[[nodiscard]] Result<app::RunTemplateRequest> ParseRunTemplateRequest(const Json& body);
[[nodiscard]] Result<app::RerunRequest> ParseRerunRequest(const Json& body);
[[nodiscard]] Result<app::CancelRequest> ParseCancelRequest(const Json& body);
// agenda/service/pause and resume: {"agendaId": ...}, as cancel.
[[nodiscard]] Result<app::PauseRequest> ParsePauseRequest(const Json& body);
// insight/service/pause and resume: {"insightId": ...}.
[[nodiscard]] Result<app::PauseInsightRequest> ParsePauseInsightRequest(const Json& body);
// progress/agenda/service: the linkId, if any.
[[nodiscard]] Result<std::optional<std::string>> ParseProgressSummaryRequest(const Json& body);
[[nodiscard]] Result<app::GetAgendaRequest> ParseGetAgendaRequest(const Json& body);
// createAgenda: the agendas to create (null entries skipped).
// How the parsers below treat fields the model does not have in the objects a body carries.
struct ServiceBodyOptions {
  bool accept_unknown_fields = false;  // else 400 naming the field (api/unknown_fields.h)
};

[[nodiscard]] Result<std::vector<Agenda>> ParseCreateAgendaRequest(
    const Json& body, const ServiceBodyOptions& options = {});

struct UpdateAgendaProgressRequest {
  std::optional<AgendaProgress> progress;
  std::optional<std::string> puller_id;
};
[[nodiscard]] Result<UpdateAgendaProgressRequest> ParseUpdateAgendaProgressRequest(
    const Json& body, const ServiceBodyOptions& options = {});
[[nodiscard]] Result<app::UpdateAgendaRequest> ParseUpdateAgendaRequest(
    const Json& body, const ServiceBodyOptions& options = {});
// appendOperationLog: operation progress id -> text.
struct SetCustomerWeightRequest {
  std::optional<std::string> customer_id;
  std::optional<double> weight;
};
[[nodiscard]] Result<SetCustomerWeightRequest> ParseSetCustomerWeightRequest(const Json& body);

[[nodiscard]] Result<std::map<std::string, std::string>> ParseAppendOperationLogRequest(
    const Json& body);

}  // namespace pop::api
