// PauseInsight: POST /insight/service/pause and /insight/service/resume (not in the spec;
// docs/api.md, "Pause and resume"). Nothing is claimed from a paused Insight (the store refuses
// the claims, so every server sharing the store honours it); Agendas keep arriving in its
// queue, and those already claimed or running are not touched. Resume serves its waiting
// pullers at once. The pause is a row of the store: it survives restarts. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "app/request_context.h"
#include "app/services.h"
#include "core/base/result.h"

namespace pop::app {

struct PauseInsightRequest {
  bool has_body = true;
  std::optional<std::string> insight_id;
};

struct PauseInsightResult {
  // False when pausing what was paused already, or resuming what was not (idempotent: OK).
  bool changed = false;
  bool paused = false;                 // as it is now
  std::optional<Timestamp> paused_at;  // when it was first paused, if it is
};

class PauseInsight {
 public:
  PauseInsight(Services services, ChangeFeed& changes) : services_(services), changes_(changes) {}

  // Access as changing the Insight (PUT): the write rule. Errors: kValidation ("insightId is
  // required on pause", "insightId must be specified"), kNotFound ("Insight <id> not found" for
  // a missing or invisible one), kPermissionDenied for an Insight the caller may read but not
  // change (a global one).
  [[nodiscard]] Result<PauseInsightResult> Pause(const PauseInsightRequest& request,
                                                 const RequestContext& ctx);
  [[nodiscard]] Result<PauseInsightResult> Resume(const PauseInsightRequest& request,
                                                  const RequestContext& ctx);

 private:
  Result<PauseInsightResult> Set(const PauseInsightRequest& request, const RequestContext& ctx,
                                 bool pause);

  Services services_;
  ChangeFeed& changes_;
};

}  // namespace pop::app
