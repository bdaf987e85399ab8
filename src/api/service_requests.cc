#include "api/service_requests.h"

#include <utility>

#include "api/unknown_fields.h"
#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::api {
namespace {

Error FieldError(const std::string& field, const char* expected, const Json& got) {
  return Error(ErrorCode::kInvalidArgument, "Invalid value for field '" + field + "': expected " +
                                                expected + ", got " +
                                                JsonTypeDescription(got.type()));
}

Result<std::optional<std::string>> StringField(const Json& body, const char* name) {
  const Json* value = body.Find(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (value->is_string()) return std::optional<std::string>(value->AsString());
  if (value->is_number() || value->is_bool()) return std::optional<std::string>(ToJsonText(*value));
  return FieldError(name, "a string", *value);
}

Result<std::optional<int64_t>> IntField(const Json& body, const char* name) {
  const Json* value = body.Find(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_integer()) return std::optional<int64_t>(value->AsInt());
  return FieldError(name, "an integer", *value);
}

template <typename T>
const char* ObjectName();
template <>
const char* ObjectName<Agenda>() {
  return "Agenda";
}
template <>
const char* ObjectName<AgendaProgress>() {
  return "AgendaProgress";
}
template <>
const char* ObjectName<Operation>() {
  return "Operation";
}

// Decodes a nested model object, naming the field path from the body's root in errors; refuses
// fields the model does not have unless the options accept them.
template <typename T>
Result<T> NestedField(const Json& value, const std::string& prefix,
                      const ServiceBodyOptions& options) {
  if (!options.accept_unknown_fields) {
    POP_RETURN_IF_ERROR(RefuseUnknownFields(UnknownFields<T>(value), ObjectName<T>(), prefix));
  }
  Result<T> decoded = Decode<T>(value);
  if (decoded.ok()) return decoded;
  std::string message = decoded.error().message;
  const std::string marker = "field '";
  if (size_t at = message.find(marker); at != std::string::npos) {
    message.insert(at + marker.size(), prefix + ".");
  } else {
    message = "Invalid value for field '" + prefix + "': expected an object";
  }
  return Error(ErrorCode::kInvalidArgument, message);
}

template <typename T>
Result<std::optional<std::vector<T>>> ListField(const Json& body, const char* name,
                                                const ServiceBodyOptions& options) {
  const Json* value = body.Find(name);
  if (value == nullptr || value->is_null()) return std::optional<std::vector<T>>();
  if (!value->is_array()) return FieldError(name, "an array", *value);
  std::vector<T> items;
  size_t index = 0;
  for (const Json& element : value->AsArray()) {
    std::string path = std::string(name) + "[" + std::to_string(index++) + "]";
    if (element.is_null()) continue;
    POP_ASSIGN_OR_RETURN(T item, NestedField<T>(element, path, options));
    items.push_back(std::move(item));
  }
  return std::optional<std::vector<T>>(std::move(items));
}

}  // namespace

Result<Json> ParseServiceBody(std::string_view text, size_t max_json_depth) {
  // An empty body is a null request: each service reports its own "required" message.
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return Json();
  POP_ASSIGN_OR_RETURN(Json parsed, ParseJson(text, {max_json_depth}));
  if (parsed.is_null() || parsed.is_object()) return parsed;
  return Error(ErrorCode::kInvalidArgument,
               std::string("Invalid request body: expected a JSON object, got ") +
                   JsonTypeDescription(parsed.type()));
}

Result<app::RunTemplateRequest> ParseRunTemplateRequest(const Json& body) {
  app::RunTemplateRequest request;
  if (body.is_null()) return request;
  POP_ASSIGN_OR_RETURN(request.agenda_template_id, StringField(body, "agendaTemplateId"));
  const Json* payload = body.Find("payload");
  if (payload != nullptr && !payload->is_null()) {
    // The contract is a string holding JSON; an embedded object is accepted as its text.
    request.payload = payload->is_string() ? payload->AsString() : ToJsonText(*payload);
  }
  return request;
}

Result<app::RerunRequest> ParseRerunRequest(const Json& body) {
  if (body.is_null()) return Error(ErrorCode::kValidation, "agendaId is required on rerun");
  app::RerunRequest request;
  POP_ASSIGN_OR_RETURN(request.agenda_id, StringField(body, "agendaId"));
  if (const Json* params = body.Find("params"); params != nullptr && !params->is_null()) {
    if (!params->is_array()) return FieldError("params", "an array of strings", *params);
    for (const Json& param : params->AsArray()) {
      if (param.is_string()) request.params.push_back(param.AsString());  // nulls are ignored
    }
  }
  return request;
}

Result<app::CancelRequest> ParseCancelRequest(const Json& body) {
  app::CancelRequest request;
  request.has_body = !body.is_null();
  if (request.has_body) {
    POP_ASSIGN_OR_RETURN(request.agenda_id, StringField(body, "agendaId"));
  }
  return request;
}

Result<app::PauseRequest> ParsePauseRequest(const Json& body) {
  app::PauseRequest request;
  request.has_body = !body.is_null();
  if (request.has_body) {
    POP_ASSIGN_OR_RETURN(request.agenda_id, StringField(body, "agendaId"));
  }
  return request;
}

Result<app::PauseInsightRequest> ParsePauseInsightRequest(const Json& body) {
  app::PauseInsightRequest request;
  request.has_body = !body.is_null();
  if (request.has_body) {
    POP_ASSIGN_OR_RETURN(request.insight_id, StringField(body, "insightId"));
  }
  return request;
}

Result<std::optional<std::string>> ParseProgressSummaryRequest(const Json& body) {
  if (body.is_null()) return std::optional<std::string>();
  return StringField(body, "linkId");
}

Result<app::GetAgendaRequest> ParseGetAgendaRequest(const Json& body) {
  app::GetAgendaRequest request;
  request.has_body = !body.is_null();
  if (!request.has_body) return request;
  POP_ASSIGN_OR_RETURN(request.insight_id, StringField(body, "insightId"));
  POP_ASSIGN_OR_RETURN(request.count, IntField(body, "count"));
  POP_ASSIGN_OR_RETURN(request.wait_seconds, IntField(body, "waitSeconds"));
  POP_ASSIGN_OR_RETURN(request.puller_id, StringField(body, "pullerId"));
  return request;
}

Result<std::vector<Agenda>> ParseCreateAgendaRequest(const Json& body,
                                                     const ServiceBodyOptions& options) {
  if (body.is_null()) return std::vector<Agenda>();
  POP_ASSIGN_OR_RETURN(auto list, ListField<Agenda>(body, "agendas", options));
  if (!list) return std::vector<Agenda>();
  return std::move(*list);
}

Result<UpdateAgendaProgressRequest> ParseUpdateAgendaProgressRequest(
    const Json& body, const ServiceBodyOptions& options) {
  UpdateAgendaProgressRequest request;
  if (body.is_null()) return request;
  if (const Json* value = body.Find("agendaProgress"); value != nullptr && !value->is_null()) {
    POP_ASSIGN_OR_RETURN(request.progress,
                         NestedField<AgendaProgress>(*value, "agendaProgress", options));
  }
  POP_ASSIGN_OR_RETURN(request.puller_id, StringField(body, "pullerId"));
  return request;
}

Result<app::UpdateAgendaRequest> ParseUpdateAgendaRequest(const Json& body,
                                                          const ServiceBodyOptions& options) {
  app::UpdateAgendaRequest request;
  request.has_body = !body.is_null();
  if (!request.has_body) return request;
  POP_ASSIGN_OR_RETURN(request.agenda_id, StringField(body, "agendaId"));
  POP_ASSIGN_OR_RETURN(request.operations, ListField<Operation>(body, "operations", options));
  if (const Json* params = body.Find("params"); params != nullptr && !params->is_null()) {
    if (!params->is_object()) return FieldError("params", "an object", *params);
    request.params = *params;
  }
  return request;
}

Result<SetCustomerWeightRequest> ParseSetCustomerWeightRequest(const Json& body) {
  SetCustomerWeightRequest request;
  if (body.is_null()) return request;
  POP_ASSIGN_OR_RETURN(request.customer_id, StringField(body, "customerId"));
  if (const Json* weight = body.Find("weight"); weight != nullptr && !weight->is_null()) {
    if (!weight->is_number()) return FieldError("weight", "a number", *weight);
    request.weight = weight->AsDouble();
  }
  return request;
}

Result<std::map<std::string, std::string>> ParseAppendOperationLogRequest(const Json& body) {
  std::map<std::string, std::string> logs;
  const Json* value = body.is_null() ? nullptr : body.Find("logs");
  if (value == nullptr || value->is_null()) return logs;
  if (!value->is_object()) return FieldError("logs", "an object of strings", *value);
  for (const auto& [id, text] : value->AsObject()) {
    if (!text.is_string()) return FieldError("logs." + id, "a string", text);
    logs.emplace(id, text.AsString());
  }
  return logs;
}

}  // namespace pop::api
