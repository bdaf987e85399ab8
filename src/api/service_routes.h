// ServiceRoutes: the service endpoints of spec §8-§10 (POST only), agenda/service/cancel, pause
// and resume, insight/service/pause and resume, GET /agenda/{id}/why and
// GET /resourcepool/{id}/status.
// Bodies are parsed here (named-field errors), use cases run in app/, and answers use the
// envelopes of api/envelope.h. getAgenda answers asynchronously (long poll). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/data_routes.h"
#include "api/envelope.h"
#include "api/http_types.h"
#include "api/service_requests.h"
#include "app/agenda_service.h"
#include "app/data_object_service.h"
#include "app/insight_queues.h"
#include "app/request_context.h"
#include "app/resource_pool_service.h"

namespace pop::api {

enum class ServiceRoute {
  kRunTemplate,
  kRerun,
  kCancel,
  kPause,
  kResume,
  kPauseInsight,
  kResumeInsight,
  kProgressSummary,
  kGetAgenda,
  kCreateAgenda,
  kUpdateAgendaProgress,
  kUpdateAgenda,
  kAppendOperationLog,
  kSetCustomerWeight,
};

// Every service route: its path under the base path, and which it is (the router's table).
const std::vector<std::pair<std::string, ServiceRoute>>& ServiceRouteTable();
// The route named by path segments relative to the base path, if any.
std::optional<ServiceRoute> MatchServiceRoute(const std::vector<std::string>& relative);

class ServiceRoutes {
 public:
  // From `input`: the nesting limit of bodies and whether unknown fields are accepted.
  ServiceRoutes(const DataRoutesOptions& input, app::AgendaService& agendas,
                app::ResourcePoolService& pools, app::InsightQueues& queues,
                app::DataObjectService& data);

  // Answers through `respond`, possibly later and from another thread.
  void Handle(ServiceRoute route, const HttpRequest& request, const app::RequestContext& ctx,
              Responder respond);

  // GET /agenda/{id}/why: where a waiting agenda stands and why it is not running yet.
  HttpResponse Why(const std::string& agenda_id, const app::RequestContext& ctx);
  bool SeesWholeQueue(const std::string& insight_id, const app::RequestContext& ctx);

  // GET /resourcepool/{id}/status: the pool's Insights with their last poll, and the Agendas its
  // pullers hold (app::ResourcePoolStatus); 404 when the caller cannot read the pool.
  HttpResponse PoolStatus(const std::string& pool_id, const app::RequestContext& ctx);

  // GET /progress/operation/{id}/log: the handler's captured output, as text/plain.
  HttpResponse OperationLog(const std::string& operation_progress_id,
                            const app::RequestContext& ctx);

 private:
  HttpResponse RunTemplate(const Json& body, const app::RequestContext& ctx);
  HttpResponse Rerun(const Json& body, const app::RequestContext& ctx);
  HttpResponse Cancel(const Json& body, const app::RequestContext& ctx);
  HttpResponse PauseOrResume(const Json& body, const app::RequestContext& ctx, bool pause);
  HttpResponse PauseOrResumeInsight(const Json& body, const app::RequestContext& ctx, bool pause);
  HttpResponse ProgressSummary(const Json& body, const app::RequestContext& ctx);
  void GetAgenda(const Json& body, const app::RequestContext& ctx, Responder respond);
  HttpResponse CreateAgenda(const Json& body, const app::RequestContext& ctx);
  HttpResponse UpdateAgendaProgress(const Json& body, const app::RequestContext& ctx);
  HttpResponse UpdateAgenda(const Json& body, const app::RequestContext& ctx);
  HttpResponse AppendOperationLog(const Json& body, const app::RequestContext& ctx);
  HttpResponse SetCustomerWeight(const Json& body, const app::RequestContext& ctx);

  size_t max_json_depth_;
  ServiceBodyOptions body_options_;
  app::AgendaService& agendas_;
  app::ResourcePoolService& pools_;
  app::InsightQueues& queues_;
  app::DataObjectService& data_;
};

}  // namespace pop::api
