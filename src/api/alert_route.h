// GET /alert (docs/alerting.md "Seeing alerts"): the alerts firing now, then those resolved
// lately, as `{"all": [alert, ...], "count": n}` (AlertToJson's fields). A super user (or an
// account "*") sees every alert; a customer sees only alerts about its own Agendas: an Agenda of
// its ended failed, or its Agenda waits at the head of a queue. Without alerting configured the
// list is empty. Reads the alerts the store keeps (the same from every server sharing it).
#pragma once

#include "api/http_types.h"
#include "api/target.h"
#include "app/alerts/alert_engine.h"
#include "app/request_context.h"

namespace pop::api {

// ?status=firing|resolved narrows the list.
HttpResponse ListAlerts(const app::AlertEngine* alerts, const Target& target,
                        const app::RequestContext& ctx);

}  // namespace pop::api
