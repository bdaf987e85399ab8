// ResourcePoolStatus: what a Resource Pool is doing now, for GET /pop/resourcepool/{id}/status
// and the UI's Resource Pools page: when pullers last polled each of its Insights (the later of
// what this server's scheduler saw and the store's insight_poll table, which every server writes
// through app/alerts/InsightPollRecorder, alerting or not) and the
// Agendas its pullers hold (claimed, or confirmed and running; ready entries of its Insights),
// each with its progress. Read in one store snapshot. Visible exactly like the pool: a caller
// that cannot read the pool gets kNotFound; its Insights and Agendas are listed as far as the
// caller may read them (GET /insight/{id}, GET /agenda/{id}). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/alerts/insight_poll_recorder.h"
#include "app/request_context.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/model/common.h"

namespace pop::app {

// One Insight of the pool and its pullers' last poll (through any server sharing the store).
struct InsightPollStatus {
  std::string insight_id;
  std::optional<Timestamp> last_poll;  // nullopt: never polled since polls were recorded
};

// An Agenda a puller of the pool holds.
struct HeldAgendaStatus {
  std::string agenda_id;
  std::string insight_id;
  std::string customer_id;
  std::string claimed_by;               // the puller's id
  std::optional<Timestamp> claimed_at;  // nullopt for a claim set up by hand (SetReadyClaim)
  std::optional<Timestamp> lease_until;
  bool running = false;  // its executor reported (the claim is confirmed); else claimed only
  std::optional<std::string> progress_id;
  std::optional<ProcessingState> processing_state;
  std::optional<double> percent_complete;
};

struct PoolStatus {
  std::string pool_id;
  Timestamp now;                            // what ages are measured from
  std::vector<InsightPollStatus> insights;  // in the order of the pool's insightIds
  std::vector<HeldAgendaStatus> agendas;    // oldest claim first
};

class ResourcePoolStatus {
 public:
  // `last_polls`: this server's view (InsightQueues::LastPolls).
  ResourcePoolStatus(Services services, LastPollsFn last_polls)
      : services_(services), last_polls_(std::move(last_polls)) {}

  // Errors: kNotFound "ResourcePool <id> not found" when there is none the caller may read; the
  // store's errors.
  [[nodiscard]] Result<PoolStatus> Get(const std::string& pool_id, const RequestContext& ctx);

 private:
  Services services_;
  const LastPollsFn last_polls_;
};

}  // namespace pop::app
