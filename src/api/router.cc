#include "api/router.h"

#include <array>
#include <chrono>
#include <utility>

#include "api/audit_route.h"
#include "core/codec/json_text.h"

namespace pop::api {
namespace {

struct DataRoute {
  std::vector<std::string> segments;
  ObjectKind kind;
};

const std::vector<DataRoute>& DataRouteTable() {
  static const std::vector<DataRoute> kRoutes = {
      {{"agenda"}, ObjectKind::kAgenda},
      {{"agendatemplate"}, ObjectKind::kAgendaTemplate},
      {{"customer"}, ObjectKind::kCustomer},
      {{"insight"}, ObjectKind::kInsight},
      {{"resourcepool"}, ObjectKind::kResourcePool},
      {{"progress", "agenda"}, ObjectKind::kAgendaProgress},
      {{"progress", "operation"}, ObjectKind::kOperationProgress},
  };
  return kRoutes;
}

bool IsCrudMethod(const std::string& method) {
  return method == "GET" || method == "POST" || method == "PUT" || method == "DELETE";
}

HttpResponse MethodNotAllowed(const char* allow) {
  HttpResponse response;
  response.status = 405;
  AddStandardHeaders(response);
  response.SetHeader("Allow", allow);
  return response;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) segments.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return segments;
}

}  // namespace

Router::Router(RouterOptions options, app::DataObjectService& data, app::TokenService& tokens,
               ServiceRoutes* services, IdGenerator& ids, Logger& logger, app::AuditLog* audit)
    : options_(std::move(options)),
      base_segments_(SplitPath(options_.base_path)),
      data_routes_(options_.data, data),
      tokens_(tokens),
      token_routes_(options_.data.max_json_depth, tokens),
      services_(services),
      ids_(ids),
      logger_(logger),
      audit_(audit) {}

ResponseIds Router::IdsFor(const HttpRequest& request) {
  ResponseIds ids;
  if (const std::string* cid = request.Header("x-pop-cid"); cid && !cid->empty()) ids.cid = *cid;
  ids.correlation_id = ids.cid ? *ids.cid : ids_.NewId();
  return ids;
}

void Router::Handle(HttpRequest request, Responder respond) {
  auto started = std::chrono::steady_clock::now();
  ResponseIds ids = IdsFor(request);
  Logger* logger = &logger_;
  std::string line_prefix =
      "cid=" + ids.correlation_id + " " + request.method + " " + request.target;
  Responder logged = [logger, started, line_prefix = std::move(line_prefix),
                      respond = std::move(respond)](HttpResponse response) {
    if (response.status >= 500 || logger->Enabled(LogLevel::kDebug)) {
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
      std::string line = line_prefix + " status=" + std::to_string(response.status) +
                         " micros=" + std::to_string(micros);
      if (response.status >= 500) line += " body=" + response.body;
      if (!response.log_detail.empty()) line += " detail=" + response.log_detail;
      logger->Log(response.status >= 500 ? LogLevel::kWarning : LogLevel::kDebug, line);
    }
    respond(std::move(response));
  };
  Dispatch(request, ids, std::move(logged));
}

HttpResponse Router::Rejected(const HttpRequest& request, const Error& error) {
  ResponseIds ids = IdsFor(request);
  logger_.Log(LogLevel::kInfo, "cid=" + ids.correlation_id + " rejected request from " +
                                   request.remote_address + ": " + error.message);
  return ErrorResponse(error, ids);
}

void Router::Dispatch(const HttpRequest& request, const ResponseIds& ids, Responder respond) {
  std::optional<Target> target = ParseTarget(request.target);
  if (!target) {
    return respond(ErrorResponse(
        Error(ErrorCode::kInvalidArgument, "Malformed percent-encoding in URL"), ids));
  }
  if (target->path == "/healthz") {
    HttpResponse response;
    response.body = R"({"status":"ok"})";
    AddStandardHeaders(response);
    return respond(std::move(response));
  }
  if (target->path == "/metrics" && request.method == "GET" && options_.metrics_text) {
    // Like /healthz, without credentials: scrapers see counts, never customers' objects.
    HttpResponse response;
    response.body = options_.metrics_text();
    response.SetHeader("Content-Type", "text/plain; version=0.0.4");
    return respond(std::move(response));
  }
  if (request.method == "OPTIONS") {  // CORS preflight; browsers send it without credentials
    HttpResponse response;
    response.status = 204;
    AddStandardHeaders(response);
    response.SetHeader("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS");
    response.SetHeader("Access-Control-Max-Age", "600");
    return respond(std::move(response));
  }
  const auto& segments = target->segments;
  bool under_base = segments.size() >= base_segments_.size() &&
                    std::equal(base_segments_.begin(), base_segments_.end(), segments.begin());
  std::vector<std::string> relative;
  if (under_base) relative.assign(segments.begin() + base_segments_.size(), segments.end());

  std::optional<ServiceRoute> service;
  if (services_ != nullptr) service = MatchServiceRoute(relative);
  bool why_route = services_ != nullptr && relative.size() == 3 && relative[0] == "agenda" &&
                   relative[2] == "why";
  bool log_route = services_ != nullptr && relative.size() == 4 && relative[0] == "progress" &&
                   relative[1] == "operation" && relative[3] == "log";
  const DataRoute* route = nullptr;
  std::optional<std::string> path_id;
  for (const DataRoute& candidate : DataRouteTable()) {
    if (service || why_route || log_route) break;
    size_t n = candidate.segments.size();
    if (relative.size() < n || relative.size() > n + 1) continue;
    if (!std::equal(candidate.segments.begin(), candidate.segments.end(), relative.begin())) {
      continue;
    }
    route = &candidate;
    if (relative.size() == n + 1) path_id = relative.back();
    break;
  }
  bool token_route = (relative.size() == 1 || relative.size() == 2) && relative[0] == "token";
  bool audit_route = relative.size() == 1 && relative[0] == "audit";
  if (!under_base ||
      (route == nullptr && !token_route && !audit_route && !service && !why_route && !log_route)) {
    return respond(ErrorResponse(
        Error(ErrorCode::kMethodNotAllowed, "No route for " + request.method + " " + target->path),
        ids));
  }
  Result<AuthContext> auth = tokens_.Authenticate(request.Header("authorization"));
  if (!auth.ok()) return respond(ErrorResponse(auth.error(), ids));
  app::RequestContext ctx{std::move(auth).value(), ids.cid, ids.correlation_id};
  if (audit_route) {
    if (audit_ == nullptr || !ctx.auth.is_super_user) {  // invisible looks like absent
      return respond(ErrorResponse(Error(ErrorCode::kNotFound, "Not found: " + target->path), ids));
    }
    if (request.method != "GET") return respond(MethodNotAllowed("GET"));
    return respond(ListAudit(*audit_, *target, ctx));
  }
  if (audit_ != nullptr && ChangesState(request.method, relative)) {
    // Recorded once answered (services may answer later, from another thread).
    respond = [audit = audit_, record = StartAuditRecord(request, *target, ctx),
               respond = std::move(respond)](HttpResponse response) mutable {
      CompleteAuditRecord(response, record);
      if (WorthRecording(record)) audit->Record(std::move(record));
      respond(std::move(response));
    };
  }
  if (service) {
    if (!IsCrudMethod(request.method)) return respond(MethodNotAllowed("POST"));
    return services_->Handle(*service, request, ctx, std::move(respond));
  }
  if (why_route) {
    if (request.method != "GET") return respond(MethodNotAllowed("GET"));
    return respond(services_->Why(relative[1], ctx));
  }
  if (log_route) {
    if (request.method != "GET") return respond(MethodNotAllowed("GET"));
    return respond(services_->OperationLog(relative[2], ctx));
  }
  if (token_route) {
    std::optional<std::string> token_id;
    if (relative.size() == 2) token_id = relative[1];
    return respond(token_routes_.Handle(request, token_id, ctx));
  }
  if (!IsCrudMethod(request.method)) return respond(MethodNotAllowed("GET,POST,PUT,DELETE"));
  respond(data_routes_.Handle(route->kind, path_id, request, *target, ctx));
}

}  // namespace pop::api
