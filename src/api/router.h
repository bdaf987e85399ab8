// Router: the api layer's HttpHandler. Routes a request under the configurable base path
// (default "/pop") to the data routes or the admin token route, authenticates it, and answers
// CORS preflights and /healthz. Unknown routes and verbs get 405. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/data_routes.h"
#include "api/http_types.h"
#include "app/data_object_service.h"
#include "app/token_service.h"
#include "ports/id_generator.h"
#include "ports/logger.h"

namespace pop::api {

struct RouterOptions {
  std::string base_path = "/pop";  // "" serves the routes at the root
  DataRoutesOptions data;
};

class Router final : public HttpHandler {
 public:
  Router(RouterOptions options, app::DataObjectService& data, app::TokenService& tokens,
         IdGenerator& ids, Logger& logger);

  void Handle(HttpRequest request, Responder respond) override;
  HttpResponse Rejected(const HttpRequest& request, const Error& error) override;

 private:
  HttpResponse Dispatch(const HttpRequest& request, ResponseIds& ids);
  HttpResponse CreateToken(const HttpRequest& request, const app::RequestContext& ctx);
  ResponseIds IdsFor(const HttpRequest& request);

  RouterOptions options_;
  std::vector<std::string> base_segments_;
  DataRoutes data_routes_;
  app::TokenService& tokens_;
  IdGenerator& ids_;
  Logger& logger_;
};

}  // namespace pop::api
