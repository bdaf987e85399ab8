// Router: the api layer's HttpHandler. Routes a request under the configurable base path
// (default "/pop") to the service routes, the data routes or the token routes,
// authenticates it, and answers CORS preflights, /healthz and /metrics. Unknown routes and verbs
// get 405. Every state-changing call is recorded in the audit log once answered, and GET /audit
// lists the log to super users (api/audit_route.h). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/data_routes.h"
#include "api/http_types.h"
#include "api/service_routes.h"
#include "api/token_routes.h"
#include "app/audit_log.h"
#include "app/data_object_service.h"
#include "app/token_service.h"
#include "ports/id_generator.h"
#include "ports/logger.h"

namespace pop::api {

struct RouterOptions {
  std::string base_path = "/pop";  // "" serves the routes at the root
  DataRoutesOptions data;
  // GET /metrics answers this text (Prometheus's exposition format) when set, 404 otherwise.
  std::function<std::string()> metrics_text;
};

class Router final : public HttpHandler {
 public:
  // `services` may be null: only the data and token routes are served then. `audit` may be null:
  // nothing is recorded and /audit answers 404 then.
  Router(RouterOptions options, app::DataObjectService& data, app::TokenService& tokens,
         ServiceRoutes* services, IdGenerator& ids, Logger& logger, app::AuditLog* audit = nullptr);

  void Handle(HttpRequest request, Responder respond) override;
  HttpResponse Rejected(const HttpRequest& request, const Error& error) override;

 private:
  // Answers through `respond` (service routes may answer later, from another thread).
  void Dispatch(const HttpRequest& request, const ResponseIds& ids, Responder respond);
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
};

}  // namespace pop::api
