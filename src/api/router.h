// Router: the api layer's HttpHandler. One route table (Routes()) maps a request under the
// configurable base path (default "/pop") to the service routes, the data routes, the token
// routes or the audit log, after authenticating it; /healthz and /metrics need no token; CORS
// preflights are answered for any path. Unknown routes get 405. Every state-changing call is
// recorded in the audit log once answered, and GET /audit lists the log to super users
// (api/audit_route.h). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/data_routes.h"
#include "api/event_streams.h"
#include "api/http_types.h"
#include "api/service_routes.h"
#include "api/static_files.h"
#include "api/token_routes.h"
#include "app/alerts/alert_engine.h"
#include "app/audit_log.h"
#include "app/data_object_service.h"
#include "app/token_service.h"
#include "ports/id_generator.h"
#include "ports/logger.h"
#include "ports/metrics.h"

namespace pop::api {

// One route of the API: its path under the base path, each segment a literal or "{id}" (any one
// segment), or, last, "{path*}" (one or more segments, joined by '/'), and the verbs it answers;
// other verbs on its path get the route's own refusal. Routes that need no token (/healthz,
// /metrics) are listed with their absolute path.
struct RouteSpec {
  std::string pattern;  // e.g. "/agenda/{id}/why"
  std::vector<std::string> methods;
  bool under_base = true;
  bool needs_token = true;
};

// What GET /healthz and GET /readyz report of the server (RouterOptions::health).
struct ServerHealth {
  bool store_reachable = true;      // a read of the store succeeded just now
  std::vector<std::string> leases;  // the maintenance jobs this server runs (it leads them)
};

struct RouterOptions {
  std::string base_path = "/pop";  // "" serves the routes at the root
  DataRoutesOptions data;
  // GET /metrics answers this text (Prometheus's exposition format) when set, 404 otherwise.
  std::function<std::string()> metrics_text;
  // GET /metrics asks for a valid token (any caller's) instead of answering everyone.
  bool metrics_need_token = false;
  // Counts every answer in pop_http_requests_total{route,method,status} and times it in
  // pop_http_request_duration_seconds{route}, `route` being the matched route's pattern (bounded
  // by the route table; "unmatched" otherwise), never the raw path. Null: nothing is counted.
  MetricsSink* metrics = nullptr;
  // GET /healthz names this version when set (`{"status":"ok","version":"0.1.0"}`).
  std::string version;
  // GET /alert lists these alerts (api/alert_route.h); null: alerting is not configured and the
  // list is empty.
  const app::AlertEngine* alerts = nullptr;
  // Set: /healthz adds "store" ("ok" or "unreachable") and "leader" (the leases held), and
  // /readyz answers 503 while the store is unreachable. Unset: /healthz is {"status":"ok"} and
  // /readyz always ready.
  std::function<ServerHealth()> health;
  // The web UI (docs/ui.md): `/` and `/ui/...` answer its page (any deeper /ui path too, so deep
  // links work), `/ui/assets/<file>` its files, all without a token (they hold no data).
  bool serve_ui = false;
  // Set: GET <base>/events streams changes to the caller (api/event_streams.h). Must outlive
  // the router.
  EventStreams* events = nullptr;
};

class Router final : public HttpHandler {
 public:
  // `services` may be null: only the data and token routes are served then. `audit` may be null:
  // nothing is recorded and /audit answers 404 then.
  Router(RouterOptions options, app::DataObjectService& data, app::TokenService& tokens,
         ServiceRoutes* services, IdGenerator& ids, Logger& logger, app::AuditLog* audit = nullptr);

  void Handle(HttpRequest request, Responder respond) override;
  HttpResponse Rejected(const HttpRequest& request, const Error& error) override;

  // Every route, in matching order (the first whose path matches answers). Adding a route here
  // is the only way to serve one; the route x caller matrix test needs a row for each.
  std::vector<RouteSpec> Routes() const;

 private:
  // A matched request: the route's "{id}" segments in order, and who asks.
  struct Call {
    const HttpRequest& request;
    const Target& target;
    std::vector<std::string> params;
    const app::RequestContext& ctx;
  };
  struct Route {
    RouteSpec spec;
    std::vector<std::string> segments;
    std::function<void(const Call&, Responder)> answer;
  };
  std::vector<Route> BuildRoutes();
  // The route whose path matches `segments` (absolute for the token-free ones, relative to the
  // base path for the rest), with its "{id}" values; nullptr when none does.
  const Route* Match(const std::vector<std::string>& absolute, bool under_base,
                     const std::vector<std::string>& relative,
                     std::vector<std::string>& params) const;

  // Answers through `respond` (service routes may answer later, from another thread).
  // Sets `route_label` to the matched route's pattern (with the base path) once it is known.
  void Dispatch(const HttpRequest& request, const ResponseIds& ids, Responder respond,
                std::string& route_label);
  ResponseIds IdsFor(const HttpRequest& request);

  RouterOptions options_;
  std::vector<std::string> base_segments_;
  DataRoutes data_routes_;
  app::TokenService& tokens_;
  TokenRoutes token_routes_;
  ServiceRoutes* services_;
  IdGenerator& ids_;
  Logger& logger_;
  app::AuditLog* audit_;
  std::optional<StaticFiles> ui_;
  std::vector<Route> routes_;  // after every member its answers use
};

}  // namespace pop::api
