#include "api/data_routes.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/unknown_fields.h"
#include "core/codec/object_codec.h"

namespace pop::api {
namespace {

ResponseIds IdsOf(const app::RequestContext& ctx) {
  return ResponseIds{ctx.cid, ctx.correlation_id};
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsBlankBody(const std::string& body) {
  return body.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::vector<std::string> SplitFields(std::string_view list) {
  std::vector<std::string> fields;
  while (true) {
    size_t comma = list.find(',');
    std::string_view field = list.substr(0, comma);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    if (!field.empty()) fields.emplace_back(field);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return fields;
}

// The id of spec §4.6: the path segment, else the `id` query parameter, else the body's id.
std::optional<std::string> RequestId(const std::optional<std::string>& path_id,
                                     const Target& target, const std::optional<Json>& body) {
  if (path_id) return path_id;
  if (const std::string* id = target.QueryValue("id")) return *id;
  if (body && body->is_object()) {
    const Json* id = body->Find("id");
    if (id != nullptr && id->is_string()) return id->AsString();
  }
  return std::nullopt;
}

// A row an older version stored deeper than kMaxJsonDepth is read, but not served: a client held
// to the same limit could not parse the answer. kValidation names the object and the field.
Status CheckServable(const Json& encoded, const DataObject& object) {
  std::optional<std::string> path = PathDeeperThan(encoded, kMaxJsonDepth);
  if (!path) return Status::Ok();
  return Status(ErrorCode::kValidation,
                std::string("Stored ") + ObjectKindName(KindOf(object)) + " " +
                    BaseOf(object).id.value_or("") + " field '" + *path + "' nests deeper than " +
                    std::to_string(kMaxJsonDepth) +
                    " levels (stored by an older version); it can be deleted or replaced");
}

Result<JsonArray> EncodeAll(const std::vector<DataObject>& objects,
                            const std::optional<std::vector<std::string>>& fields) {
  JsonArray items;
  items.reserve(objects.size());
  for (const DataObject& object : objects) {
    Json encoded = EncodeObject(object);
    POP_RETURN_IF_ERROR(CheckServable(encoded, object));
    items.push_back(fields ? ProjectFields(encoded, *fields) : std::move(encoded));
  }
  return items;
}

}  // namespace

Json ProjectFields(const Json& object, const std::vector<std::string>& fields) {
  JsonObject projected;
  for (const auto& [key, value] : object.AsObject()) {
    if (std::find(fields.begin(), fields.end(), key) != fields.end()) {
      projected.AppendUnchecked(key, value);
    }
  }
  return Json(std::move(projected));
}

DataRoutes::DataRoutes(DataRoutesOptions options, app::DataObjectService& service)
    : options_(options), service_(service) {}

HttpResponse DataRoutes::Handle(ObjectKind kind, const std::optional<std::string>& path_id,
                                const HttpRequest& request, const Target& target,
                                const app::RequestContext& ctx) {
  Result<HttpResponse> response = Error(ErrorCode::kMethodNotAllowed, "unsupported method");
  if (request.method == "GET") {
    response = Get(kind, path_id, request, target, ctx);
  } else if (request.method == "POST") {
    response = Post(kind, request, ctx);
  } else if (request.method == "PUT") {
    response = Put(kind, path_id, request, target, ctx);
  } else if (request.method == "DELETE") {
    response = Delete(kind, path_id, request, target, ctx);
  }
  if (!response.ok()) return ErrorResponse(response.error(), IdsOf(ctx));
  return std::move(response).value();
}

Result<Json> DataRoutes::ParseJsonBody(const HttpRequest& request, const char* verb) {
  const std::string null_message = std::string("Unable to ") + verb + " a null object";
  if (IsBlankBody(request.body)) return Error(ErrorCode::kValidation, null_message);
  POP_ASSIGN_OR_RETURN(Json body, ParseJson(request.body, {options_.max_json_depth}));
  if (body.is_null()) return Error(ErrorCode::kValidation, null_message);
  return body;
}

Result<DataObject> DataRoutes::DecodeBody(ObjectKind kind, const Json& body,
                                          std::optional<size_t> index) {
  const std::string element = index ? "[" + std::to_string(*index) + "]" : "";
  if (!options_.accept_unknown_fields) {
    POP_RETURN_IF_ERROR(
        RefuseUnknownFields(UnknownObjectFields(kind, body), ObjectKindName(kind), element));
  }
  if (!index) return DecodeObject(kind, body);
  if (body.is_null()) {
    return Error(ErrorCode::kValidation, element + ": Unable to POST a null object");
  }
  return DecodeObjectAt(kind, body, *index);
}

Result<DataObject> DataRoutes::ParseBody(ObjectKind kind, const HttpRequest& request,
                                         const char* verb) {
  POP_ASSIGN_OR_RETURN(Json body, ParseJsonBody(request, verb));
  return DecodeBody(kind, body);
}

Result<HttpResponse> DataRoutes::Get(ObjectKind kind, const std::optional<std::string>& path_id,
                                     const HttpRequest& request, const Target& target,
                                     const app::RequestContext& ctx) {
  std::optional<Json> body;
  if (!IsBlankBody(request.body)) {
    POP_ASSIGN_OR_RETURN(body, ParseJson(request.body, {options_.max_json_depth}));
  }
  app::ObjectGet get;
  get.kind = kind;
  get.id = RequestId(path_id, target, body);
  std::optional<std::vector<std::string>> fields;
  for (const auto& [name, value] : target.query) {
    if (name.rfind("by", 0) != 0) continue;
    std::string field = name.substr(2);
    if (field == "limit") {
      size_t limit = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit == 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "bylimit must be a positive integer, got '" + value + "'");
      }
      get.limit = std::min(limit, options_.max_limit);
    } else if (field == "order") {
      if (value != "newest" && value != "oldest") {
        return Error(ErrorCode::kInvalidArgument,
                     "byorder must be 'newest' or 'oldest', got '" + value + "'");
      }
      get.newest_first = value == "newest";
    } else if (field == "since") {
      int64_t since = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), since);
      if (ec != std::errc() || end != value.data() + value.size() || since < 0) {
        return Error(
            ErrorCode::kInvalidArgument,
            "bysince must be epoch milliseconds (a non-negative integer), got '" + value + "'");
      }
      get.updated_since = Timestamp::FromMillis(since);
    } else if (field == "count") {
      get.count_only = Lower(value) == "true";
    } else if (field == "fields") {
      fields = SplitFields(value);
    } else {
      get.equals.push_back({field, value});
    }
  }
  if (get.equals.size() > options_.max_by_filters) {
    return Error(ErrorCode::kInvalidArgument,
                 "Too many by<field> filters: " + std::to_string(get.equals.size()) +
                     " given, at most " + std::to_string(options_.max_by_filters) +
                     " are allowed (the by-filter limit)");
  }
  if (fields && kind == ObjectKind::kAgendaProgress) {
    const std::string* list = target.QueryValue("byfields");
    get.include_operation_progress =
        list != nullptr && Lower(*list).find("operationprogress") != std::string::npos;
  }
  POP_ASSIGN_OR_RETURN(app::ObjectGetResult result, service_.Get(get, ctx));
  POP_ASSIGN_OR_RETURN(JsonArray items, EncodeAll(result.objects, fields));
  return DataResponse(std::move(items), result.count, IdsOf(ctx));
}

Result<HttpResponse> DataRoutes::Post(ObjectKind kind, const HttpRequest& request,
                                      const app::RequestContext& ctx) {
  POP_ASSIGN_OR_RETURN(Json body, ParseJsonBody(request, "POST"));
  std::optional<std::string> idempotency_key;
  if (const std::string* key = request.Header("idempotency-key"); key && !key->empty()) {
    idempotency_key = *key;
  }
  if (kind == ObjectKind::kAgenda && body.is_array()) {
    return PostAgendas(body, idempotency_key, ctx);
  }
  POP_ASSIGN_OR_RETURN(DataObject object, DecodeBody(kind, body));
  POP_ASSIGN_OR_RETURN(DataObject created,
                       service_.Create(std::move(object), ctx, idempotency_key));
  JsonArray items;
  items.push_back(EncodeObject(created));
  return DataResponse(std::move(items), 1, IdsOf(ctx));
}

Result<HttpResponse> DataRoutes::PostAgendas(const Json& body,
                                             const std::optional<std::string>& idempotency_key,
                                             const app::RequestContext& ctx) {
  const JsonArray& elements = body.AsArray();
  if (elements.empty()) {
    return Error(ErrorCode::kValidation, "Unable to POST an empty array: send 1 to " +
                                             std::to_string(options_.max_batch) + " agendas");
  }
  if (elements.size() > options_.max_batch) {
    return Error(ErrorCode::kPayloadTooLarge, "A bulk submission holds at most " +
                                                  std::to_string(options_.max_batch) +
                                                  " agendas (--max-batch); this array holds " +
                                                  std::to_string(elements.size()) + ": split it");
  }
  std::vector<Agenda> agendas;
  agendas.reserve(elements.size());
  for (size_t index = 0; index < elements.size(); ++index) {
    POP_ASSIGN_OR_RETURN(DataObject object,
                         DecodeBody(ObjectKind::kAgenda, elements[index], index));
    agendas.push_back(std::get<Agenda>(std::move(object)));
  }
  POP_ASSIGN_OR_RETURN(std::vector<Agenda> created,
                       service_.CreateAgendas(std::move(agendas), ctx, idempotency_key));
  JsonArray items;
  items.reserve(created.size());
  for (const Agenda& agenda : created) items.push_back(Encode(agenda));
  const auto count = static_cast<int64_t>(items.size());
  return DataResponse(std::move(items), count, IdsOf(ctx));
}

Result<HttpResponse> DataRoutes::Put(ObjectKind kind, const std::optional<std::string>& path_id,
                                     const HttpRequest& request, const Target& target,
                                     const app::RequestContext& ctx) {
  POP_ASSIGN_OR_RETURN(DataObject patch, ParseBody(kind, request, "PUT"));
  const auto& body_id = BaseOf(patch).id;
  std::optional<std::string> id = path_id;
  if (!id) {
    if (const std::string* query_id = target.QueryValue("id")) id = *query_id;
  }
  if (!id) id = body_id;
  if (!id) {
    return Error(ErrorCode::kValidation, "Unable to PUT an object without specifying an id");
  }
  if (body_id && *body_id != *id) {
    return Error(ErrorCode::kValidation, "Mismatched Id in URL and on input object: URLId: " + *id +
                                             " and ObjectId: " + *body_id);
  }
  POP_ASSIGN_OR_RETURN(DataObject updated, service_.Update(*id, std::move(patch), ctx));
  JsonArray items;
  items.push_back(EncodeObject(updated));
  return DataResponse(std::move(items), 1, IdsOf(ctx));
}

Result<HttpResponse> DataRoutes::Delete(ObjectKind kind, const std::optional<std::string>& path_id,
                                        const HttpRequest& request, const Target& target,
                                        const app::RequestContext& ctx) {
  std::optional<Json> body;
  if (!IsBlankBody(request.body)) {
    POP_ASSIGN_OR_RETURN(body, ParseJson(request.body, {options_.max_json_depth}));
  }
  std::optional<std::string> id = RequestId(path_id, target, body);
  if (!id) {
    return Error(ErrorCode::kValidation, "Unable to DELETE an object without specifying an id");
  }
  POP_ASSIGN_OR_RETURN(auto deleted, service_.Delete(kind, *id, ctx));
  JsonArray items;
  if (deleted) {
    Json encoded = EncodeObject(*deleted);
    // A too-deep row (see CheckServable) is answered by its id alone.
    if (!CheckServable(encoded, *deleted).ok()) encoded = Json(JsonObject{{"id", Json(*id)}});
    items.push_back(std::move(encoded));
  }
  int64_t count = static_cast<int64_t>(items.size());
  return DataResponse(std::move(items), count, IdsOf(ctx));
}

}  // namespace pop::api
