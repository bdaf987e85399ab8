#include "api/alert_route.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "api/envelope.h"
#include "app/alerts/alert_sink.h"

namespace pop::api {
namespace {

// Alerts about one customer's own objects. The other rules count or name what several customers
// share (an operation type, an insight's pullers, the store, the reclaimer): operators only.
bool VisibleTo(const app::Alert& alert, const AuthContext& auth) {
  if (auth.IsGlobal()) return true;
  if (alert.rule != app::AlertRule::kAgendaFailed && alert.rule != app::AlertRule::kQueueWait) {
    return false;
  }
  return !alert.subject.customer_id.empty() &&
         std::find(auth.accounts.begin(), auth.accounts.end(), alert.subject.customer_id) !=
             auth.accounts.end();
}

}  // namespace

HttpResponse ListAlerts(const app::AlertEngine* alerts, const Target& target,
                        const app::RequestContext& ctx) {
  const ResponseIds ids{ctx.cid, ctx.correlation_id};
  bool firing = true;
  bool resolved = true;
  if (const std::string* status = target.QueryValue("status")) {
    if (*status != "firing" && *status != "resolved") {
      return ErrorResponse(
          Error(ErrorCode::kInvalidArgument, "status: must be \"firing\" or \"resolved\""), ids);
    }
    firing = *status == "firing";
    resolved = !firing;
  }
  JsonArray items;
  if (alerts != nullptr) {
    std::vector<app::Alert> list;
    if (firing) {
      Result<std::vector<app::Alert>> current = alerts->Current();
      if (!current.ok()) return ErrorResponse(current.error(), ids);
      list = std::move(current).value();
    }
    if (resolved) {
      Result<std::vector<app::Alert>> recent = alerts->Recent();
      if (!recent.ok()) return ErrorResponse(recent.error(), ids);
      list.insert(list.end(), recent->begin(), recent->end());
    }
    for (const app::Alert& alert : list) {
      if (VisibleTo(alert, ctx.auth)) items.push_back(app::AlertToJson(alert));
    }
  }
  const auto count = static_cast<int64_t>(items.size());
  return DataResponse(std::move(items), count, ids);
}

}  // namespace pop::api
