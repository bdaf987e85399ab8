#include "api/router.h"

#include <array>
#include <chrono>
#include <memory>
#include <utility>

#include "api/alert_route.h"
#include "api/audit_route.h"
#include "api/envelope.h"
#include "core/metrics/catalogue.h"

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

// The method as a label value: one of the verbs HTTP defines, or "other" (a client may send any
// token, and labels must stay a bounded set).
std::string KnownMethod(const std::string& method) {
  static const std::array<std::string_view, 9> kMethods = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (std::string_view known : kMethods) {
    if (method == known) return method;
  }
  return "other";
}

bool IsCrudMethod(const std::string& method) {
  return method == "GET" || method == "POST" || method == "PUT" || method == "DELETE";
}

constexpr std::string_view kRestSegment = "{path*}";

// A deep-link path of the UI that could name something outside it ("..", ".", a decoded '/' or
// '\\'): refused with 404 rather than answered with the page.
bool IsEscape(const std::vector<std::string>& segments) {
  for (const std::string& segment : segments) {
    if (segment == "." || segment == ".." || segment.find_first_of("/\\") != std::string::npos) {
      return true;
    }
  }
  return false;
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
      audit_(audit),
      ui_(options_.serve_ui
              ? std::optional<StaticFiles>(std::in_place, EmbeddedWebFiles(), options_.base_path)
              : std::nullopt),
      routes_(BuildRoutes()) {}

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
  // Filled in by Dispatch before any answer can run (answers may come later, on other threads).
  auto route_label = std::make_shared<std::string>("unmatched");
  Responder logged = [logger, started, line_prefix = std::move(line_prefix),
                      respond = std::move(respond), metrics = options_.metrics, route_label,
                      method = request.method](HttpResponse response) {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if (metrics != nullptr) {
      metrics->Add(metrics::kHttpRequests,
                   {*route_label, KnownMethod(method), std::to_string(response.status)}, 1);
      metrics->Observe(metrics::kHttpDuration, {*route_label},
                       std::chrono::duration<double>(elapsed).count());
    }
    if (response.status >= 500 || logger->Enabled(LogLevel::kDebug)) {
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
      std::string line = line_prefix + " status=" + std::to_string(response.status) +
                         " micros=" + std::to_string(micros);
      if (response.status >= 500) line += " body=" + response.body;
      if (!response.log_detail.empty()) line += " detail=" + response.log_detail;
      logger->Log(response.status >= 500 ? LogLevel::kWarning : LogLevel::kDebug, line);
    }
    respond(std::move(response));
  };
  Dispatch(request, ids, std::move(logged), *route_label);
}

HttpResponse Router::Rejected(const HttpRequest& request, const Error& error) {
  ResponseIds ids = IdsFor(request);
  logger_.Log(LogLevel::kInfo, "cid=" + ids.correlation_id + " rejected request from " +
                                   request.remote_address + ": " + error.message);
  return ErrorResponse(error, ids);
}

std::vector<Router::Route> Router::BuildRoutes() {
  std::vector<Route> routes;
  auto add = [&routes](RouteSpec spec, std::function<void(const Call&, Responder)> answer) {
    std::vector<std::string> segments = SplitPath(spec.pattern);
    routes.push_back(Route{std::move(spec), std::move(segments), std::move(answer)});
  };
  // Liveness: the process answers (200 while it does); what it reports of the store and its
  // leases is for people and dashboards. A store outage is not fixed by a restart.
  add({"/healthz", {"GET"}, false, false}, [this](const Call&, const Responder& respond) {
    JsonObject health;
    health.Set("status", Json("ok"));
    if (!options_.version.empty()) health.Set("version", Json(options_.version));
    if (options_.health) {
      const ServerHealth state = options_.health();
      health.Set("store", Json(state.store_reachable ? "ok" : "unreachable"));
      health.Set("leader", Json(!state.leases.empty()));
      JsonArray leases;
      for (const std::string& lease : state.leases) leases.emplace_back(lease);
      health.Set("leases", Json(std::move(leases)));
    }
    respond(JsonResponse(200, Json(std::move(health))));
  });
  // Readiness: 503 while the store cannot be read, so a load balancer sends requests elsewhere.
  add({"/readyz", {"GET"}, false, false}, [this](const Call&, const Responder& respond) {
    const bool ready = !options_.health || options_.health().store_reachable;
    respond(
        JsonResponse(ready ? 200 : 503, Json(JsonObject{{"status", ready ? "ready" : "not ready"},
                                                        {"store", ready ? "ok" : "unreachable"}})));
  });
  if (options_.metrics_text) {
    // Without credentials unless configured: scrapers see counts and the names of insights,
    // routes and operation types, never customers' objects (docs/metrics.md).
    add({"/metrics", {"GET"}, false, options_.metrics_need_token},
        [this](const Call& call, const Responder& respond) {
          if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
          HttpResponse response;
          response.body = options_.metrics_text();
          response.SetHeader("Content-Type", "text/plain; version=0.0.4");
          respond(std::move(response));
        });
  }
  if (ui_) {
    // The UI: its page at / and under /ui (deep links such as /ui/agendas/<id>, which alerts link
    // to), its files under /ui/assets. No token: they hold no data; the page signs in itself.
    auto page = [this](const Call& call, const Responder& respond) {
      if (call.request.method != "GET" && call.request.method != "HEAD") {
        return respond(MethodNotAllowed("GET"));
      }
      if (IsEscape(call.target.segments)) return respond(ui_->Serve("", call.request));
      respond(ui_->Serve("index.html", call.request));
    };
    add({"/", {"GET"}, false, false}, page);
    add({"/ui", {"GET"}, false, false}, page);
    add({"/ui/assets/{id}", {"GET"}, false, false},
        [this](const Call& call, const Responder& respond) {
          if (call.request.method != "GET" && call.request.method != "HEAD") {
            return respond(MethodNotAllowed("GET"));
          }
          respond(ui_->Serve("assets/" + call.params[0], call.request));
        });
    add({"/ui/{path*}", {"GET"}, false, false}, page);
  }
  if (options_.events != nullptr) {
    add({"/events", {"GET"}}, [this](const Call& call, const Responder& respond) {
      if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
      respond(options_.events->Open(call.ctx, ResponseIds{call.ctx.cid, call.ctx.correlation_id}));
    });
  }
  if (services_ != nullptr) {
    for (const auto& [pattern, route] : ServiceRouteTable()) {
      add({pattern, {"POST"}}, [this, route = route](const Call& call, Responder respond) {
        if (!IsCrudMethod(call.request.method)) return respond(MethodNotAllowed("POST"));
        services_->Handle(route, call.request, call.ctx, std::move(respond));
      });
    }
    add({"/agenda/{id}/why", {"GET"}}, [this](const Call& call, const Responder& respond) {
      if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
      respond(services_->Why(call.params[0], call.ctx));
    });
    add({"/resourcepool/{id}/status", {"GET"}}, [this](const Call& call, const Responder& respond) {
      if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
      respond(services_->PoolStatus(call.params[0], call.ctx));
    });
    add({"/progress/operation/{id}/log", {"GET"}},
        [this](const Call& call, const Responder& respond) {
          if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
          respond(services_->OperationLog(call.params[0], call.ctx));
        });
  }
  add({"/token", {"GET", "POST"}}, [this](const Call& call, const Responder& respond) {
    respond(token_routes_.Handle(call.request, std::nullopt, call.ctx));
  });
  add({"/token/{id}", {"DELETE"}}, [this](const Call& call, const Responder& respond) {
    respond(token_routes_.Handle(call.request, call.params[0], call.ctx));
  });
  add({"/alert", {"GET"}}, [this](const Call& call, const Responder& respond) {
    if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
    respond(ListAlerts(options_.alerts, call.target, call.ctx));
  });
  add({"/audit", {"GET"}}, [this](const Call& call, const Responder& respond) {
    if (audit_ == nullptr || !call.ctx.auth.is_super_user) {  // invisible looks like absent
      return respond(ErrorResponse(Error(ErrorCode::kNotFound, "Not found: " + call.target.path),
                                   ResponseIds{call.ctx.cid, call.ctx.correlation_id}));
    }
    if (call.request.method != "GET") return respond(MethodNotAllowed("GET"));
    respond(ListAudit(*audit_, call.target, call.ctx));
  });
  for (const DataRoute& data : DataRouteTable()) {
    std::string collection;
    for (const auto& segment : data.segments) collection += "/" + segment;
    auto answer = [this, kind = data.kind](const Call& call, const Responder& respond) {
      if (!IsCrudMethod(call.request.method)) {
        return respond(MethodNotAllowed("GET,POST,PUT,DELETE"));
      }
      std::optional<std::string> path_id;
      if (!call.params.empty()) path_id = call.params[0];
      respond(data_routes_.Handle(kind, path_id, call.request, call.target, call.ctx));
    };
    add({collection, {"GET", "POST"}}, answer);
    add({collection + "/{id}", {"GET", "PUT", "DELETE"}}, answer);
  }
  return routes;
}

std::vector<RouteSpec> Router::Routes() const {
  std::vector<RouteSpec> specs;
  specs.reserve(routes_.size());
  for (const Route& route : routes_) specs.push_back(route.spec);
  return specs;
}

const Router::Route* Router::Match(const std::vector<std::string>& absolute, bool under_base,
                                   const std::vector<std::string>& relative,
                                   std::vector<std::string>& params) const {
  for (const Route& route : routes_) {
    if (route.spec.under_base && !under_base) continue;
    const std::vector<std::string>& path = route.spec.under_base ? relative : absolute;
    const bool rest = !route.segments.empty() && route.segments.back() == kRestSegment;
    if (rest ? path.size() < route.segments.size() : path.size() != route.segments.size()) {
      continue;
    }
    params.clear();
    bool matches = true;
    for (size_t i = 0; i < route.segments.size() && matches; ++i) {
      if (rest && i + 1 == route.segments.size()) {
        std::string joined;
        for (size_t j = i; j < path.size(); ++j) joined += (j == i ? "" : "/") + path[j];
        params.push_back(std::move(joined));
      } else if (route.segments[i] == "{id}") {
        params.push_back(path[i]);
      } else {
        matches = route.segments[i] == path[i];
      }
    }
    if (matches) return &route;
  }
  return nullptr;
}

void Router::Dispatch(const HttpRequest& request, const ResponseIds& ids, Responder respond,
                      std::string& route_label) {
  std::optional<Target> target = ParseTarget(request.target);
  if (!target) {
    return respond(ErrorResponse(
        Error(ErrorCode::kInvalidArgument, "Malformed percent-encoding in URL"), ids));
  }
  if (request.method == "OPTIONS") {  // CORS preflight; browsers send it without credentials
    route_label = "preflight";
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
  std::vector<std::string> params;
  const Route* route = Match(segments, under_base, relative, params);
  if (route == nullptr) {
    return respond(ErrorResponse(
        Error(ErrorCode::kNotFound, "No route for " + request.method + " " + target->path), ids));
  }
  route_label =
      route->spec.under_base ? options_.base_path + route->spec.pattern : route->spec.pattern;
  app::RequestContext ctx{AuthContext{}, ids.cid, ids.correlation_id};
  if (route->spec.needs_token) {
    Result<AuthContext> auth = tokens_.Authenticate(request.Header("authorization"));
    if (!auth.ok()) return respond(ErrorResponse(auth.error(), ids));
    ctx.auth = std::move(auth).value();
  }
  if (audit_ != nullptr && route->spec.needs_token && ChangesState(request.method, relative)) {
    // Recorded once answered (services may answer later, from another thread).
    respond = [audit = audit_, record = StartAuditRecord(request, *target, ctx),
               respond = std::move(respond)](HttpResponse response) mutable {
      CompleteAuditRecord(response, record);
      if (WorthRecording(record)) audit->Record(std::move(record));
      respond(std::move(response));
    };
  }
  route->answer(Call{request, *target, std::move(params), ctx}, std::move(respond));
}

}  // namespace pop::api
