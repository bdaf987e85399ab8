// AgentHealth: the HTTP handler of `pop puller --health-listen` and `pop executor
// --health-listen`: GET /healthz answers 200 {"status":"ok",...} while the agent's last
// successful poll or report is within its threshold, 503 {"status":"stale",...} once it is not
// (a Kubernetes liveness probe then restarts the agent). Other paths: 404. Thread-safe.
#pragma once

#include <functional>

#include "api/http_types.h"
#include "app/agent_liveness.h"

namespace pop::api {

class AgentHealth final : public HttpHandler {
 public:
  explicit AgentHealth(std::function<app::LivenessStatus()> check);

  void Handle(HttpRequest request, Responder respond) override;
  HttpResponse Rejected(const HttpRequest& request, const Error& error) override;

 private:
  std::function<app::LivenessStatus()> check_;
};

}  // namespace pop::api
