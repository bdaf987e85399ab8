#include "api/audit_route.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "api/envelope.h"
#include "api/service_routes.h"
#include "core/codec/json_text.h"

namespace pop::api {
namespace {

// Bodies larger than this are not searched for ids (a puller's getAgenda answer can be large;
// the audit must not cost it a second full parse).
constexpr size_t kMaxScannedBody = size_t{256} * 1024;

void AddId(const std::string& id, std::vector<std::string>& ids) {
  if (id.empty() || ids.size() >= kMaxAuditedObjectIds) return;
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
}

std::optional<Json> ParseSmall(const std::string& body) {
  if (body.empty() || body.size() > kMaxScannedBody) return std::nullopt;
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  return std::move(parsed).value();
}

Result<int64_t> ParseInteger(const std::string& name, const std::string& value) {
  int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 name + " must be an integer (epoch milliseconds for since), got '" + value + "'");
  }
  return parsed;
}

Json Strings(const std::vector<std::string>& items) {
  JsonArray array;
  for (const auto& item : items) array.emplace_back(item);
  return Json(std::move(array));
}

Json Encode(const AuditRecord& record) {
  JsonObject out;
  out.AppendUnchecked("sequence", Json(record.sequence));
  out.AppendUnchecked("time", Json(record.time.millis()));
  out.AppendUnchecked("tokenId", Json(record.token_id));
  out.AppendUnchecked("accounts", Strings(record.accounts));
  out.AppendUnchecked("superUser", Json(record.super_user));
  out.AppendUnchecked("method", Json(record.method));
  out.AppendUnchecked("route", Json(record.route));
  out.AppendUnchecked("objectIds", Strings(record.object_ids));
  out.AppendUnchecked("status", Json(record.status));
  out.AppendUnchecked("correlationId", Json(record.correlation_id));
  return Json(std::move(out));
}

Result<AuditQuery> ParseAuditQuery(const Target& target) {
  AuditQuery query;
  if (const std::string* since = target.QueryValue("since")) {
    POP_ASSIGN_OR_RETURN(int64_t millis, ParseInteger("since", *since));
    query.since = Timestamp::FromMillis(millis);
  }
  if (const std::string* user = target.QueryValue("byUser"); user && !user->empty()) {
    query.by_user = *user;
  }
  if (const std::string* limit = target.QueryValue("limit")) {
    POP_ASSIGN_OR_RETURN(int64_t n, ParseInteger("limit", *limit));
    if (n < 1 || n > static_cast<int64_t>(kMaxAuditListLimit)) {
      return Error(ErrorCode::kInvalidArgument,
                   "Invalid value for field 'limit': " + std::to_string(n) + " is outside 1 to " +
                       std::to_string(kMaxAuditListLimit));
    }
    query.limit = static_cast<size_t>(n);
  }
  return query;
}

}  // namespace

bool ChangesState(const std::string& method, const std::vector<std::string>& relative) {
  if (method == "GET" || method == "OPTIONS" || method == "HEAD" || relative.empty()) return false;
  if (std::optional<ServiceRoute> service = MatchServiceRoute(relative)) {
    return *service != ServiceRoute::kProgressSummary;
  }
  return method == "POST" || method == "PUT" || method == "DELETE";
}

AuditRecord StartAuditRecord(const HttpRequest& request, const Target& target,
                             const app::RequestContext& ctx) {
  AuditRecord record;
  record.token_id = ctx.auth.user_id;
  record.accounts = ctx.auth.accounts;
  record.super_user = ctx.auth.is_super_user;
  record.method = request.method;
  record.route = target.path;
  record.correlation_id = ctx.correlation_id;
  if (const std::string* id = target.QueryValue("id")) AddId(*id, record.object_ids);
  if (std::optional<Json> body = ParseSmall(request.body)) {
    for (const char* key : {"id", "agendaId", "agendaTemplateId", "agendaProgressId"}) {
      const Json* value = body->Find(key);
      if (value != nullptr && value->is_string()) AddId(value->AsString(), record.object_ids);
    }
  }
  return record;
}

void CompleteAuditRecord(const HttpResponse& response, AuditRecord& record) {
  record.status = response.status;
  std::optional<Json> body = ParseSmall(response.body);
  if (!body) return;
  const Json* all = body->Find("all");
  if (all == nullptr || !all->is_array()) return;
  for (const Json& item : all->AsArray()) {
    const Json* id = item.is_object() ? item.Find("id") : nullptr;
    if (id != nullptr && id->is_string()) AddId(id->AsString(), record.object_ids);
  }
}

bool WorthRecording(const AuditRecord& record) {
  static constexpr std::string_view kGetAgenda = "/resourcepool/service/getAgenda";
  const bool poll = record.route.size() >= kGetAgenda.size() &&
                    record.route.compare(record.route.size() - kGetAgenda.size(), kGetAgenda.size(),
                                         kGetAgenda) == 0;
  return !(poll && record.status == 200 && record.object_ids.empty());
}

HttpResponse ListAudit(app::AuditLog& audit, const Target& target, const app::RequestContext& ctx) {
  ResponseIds ids{ctx.cid, ctx.correlation_id};
  Result<AuditQuery> query = ParseAuditQuery(target);
  if (!query.ok()) return ErrorResponse(query.error(), ids);
  Result<std::vector<AuditRecord>> records = audit.Find(*query);
  if (!records.ok()) return ErrorResponse(records.error(), ids);
  JsonArray items;
  items.reserve(records->size());
  for (const AuditRecord& record : *records) items.push_back(Encode(record));
  auto count = static_cast<int64_t>(items.size());
  return DataResponse(std::move(items), count, ids);
}

}  // namespace pop::api
