#include "api/agent_health.h"

#include <utility>

#include "api/envelope.h"
#include "api/target.h"

namespace pop::api {
AgentHealth::AgentHealth(std::function<app::LivenessStatus()> check) : check_(std::move(check)) {}

void AgentHealth::Handle(HttpRequest request, Responder respond) {
  std::optional<Target> target = ParseTarget(request.target);
  if (!target || target->path != "/healthz") {
    return respond(JsonResponse(404, Json(JsonObject{{"status", "not found"}})));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return respond(MethodNotAllowed("GET"));
  }
  const app::LivenessStatus status = check_();
  JsonObject body{{"status", status.alive ? "ok" : "stale"},
                  {"sinceLastSuccessMillis", status.since_success.millis()},
                  {"thresholdMillis", status.threshold.millis()}};
  if (status.last_poll) body.Set("lastPoll", status.last_poll->millis());
  if (status.last_report) body.Set("lastReport", status.last_report->millis());
  if (status.kubernetes) body.Set("kubernetes", *status.kubernetes);
  respond(JsonResponse(status.alive ? 200 : 503, Json(std::move(body))));
}

HttpResponse AgentHealth::Rejected(const HttpRequest&, const Error& error) {
  return JsonResponse(400, Json(JsonObject{{"status", "bad request"}, {"message", error.message}}));
}

}  // namespace pop::api
