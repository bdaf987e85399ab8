#include "app/pause_insight.h"

#include "app/messages.h"
#include "core/access/visibility.h"

namespace pop::app {
namespace {

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

Result<PauseInsightResult> PauseInsight::Pause(const PauseInsightRequest& request,
                                               const RequestContext& ctx) {
  return Set(request, ctx, true);
}

Result<PauseInsightResult> PauseInsight::Resume(const PauseInsightRequest& request,
                                                const RequestContext& ctx) {
  return Set(request, ctx, false);
}

Result<PauseInsightResult> PauseInsight::Set(const PauseInsightRequest& request,
                                             const RequestContext& ctx, bool pause) {
  if (!request.has_body) {
    return Error(ErrorCode::kValidation,
                 std::string("insightId is required on ") + (pause ? "pause" : "resume"));
  }
  if (IsBlank(request.insight_id)) {
    return Error(ErrorCode::kValidation, "insightId must be specified");
  }
  const std::string& insight_id = *request.insight_id;
  const Timestamp now = services_.clock.Now();
  PauseInsightResult result;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    result = PauseInsightResult();
    POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kInsight, insight_id));
    // As a PUT of the insight: invisible looks absent; visible but not the caller's is refused.
    if (!found || !ScopeAllows(ReadScope(ObjectKind::kInsight, ctx.auth), *found)) {
      return Status(ErrorCode::kNotFound, "Insight " + insight_id + " not found");
    }
    if (!ScopeAllows(WriteScope(ctx.auth), *found)) {
      return Status(ErrorCode::kPermissionDenied,
                    NoPermissionMessage(BaseOf(*found).customer_id.value_or("")));
    }
    POP_ASSIGN_OR_RETURN(std::optional<Timestamp> since,
                         tx.PausedSince(PauseTarget::kInsight, insight_id));
    POP_ASSIGN_OR_RETURN(result.changed,
                         tx.SetPaused(PauseTarget::kInsight, insight_id,
                                      pause ? std::optional<Timestamp>(now) : std::nullopt));
    result.paused = pause;
    if (pause) result.paused_at = since.value_or(now);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (result.changed) {
    changes_.Publish(Change::PauseChanged(PauseTarget::kInsight, insight_id, result.paused_at));
  }
  return result;
}

}  // namespace pop::app
