// AgentLiveness: the alive check of `pop puller` and `pop executor` (the original's
// monitor.alive.lastRequestMilliseconds): a PoolClient decorator notes when a poll (getAgenda)
// or a progress report last succeeded, and Check() says whether that is within the threshold.
// A puller at capacity does not poll but its executors report, so either counts. Before the
// first success the agent's start counts, so a new agent has one threshold to reach its server.
// docs/operations.md "Liveness". Thread-safe.
#pragma once

#include <optional>

#include "ports/clock.h"
#include "ports/mutex.h"
#include "ports/pool_client.h"

namespace pop::app {

struct LivenessStatus {
  bool alive = true;
  Duration since_success;  // since the last successful poll or report (or the start)
  Duration threshold;
  std::optional<Timestamp> last_poll;
  std::optional<Timestamp> last_report;
  // `pop puller --launch kubernetes`: "ok", or why no Agendas are claimed (Kubernetes does not
  // answer or refuses pop). Not part of `alive`: restarting the puller would not help.
  std::optional<std::string> kubernetes;
};

class AgentLiveness final : public PoolClient {
 public:
  // `inner` and `clock` outlive this object.
  AgentLiveness(PoolClient& inner, const Clock& clock, Duration threshold);

  Result<ClaimedWork> GetAgenda(const std::string& insight_id, int64_t count, Duration wait,
                                const std::string& puller_id) override;
  Result<ProgressReportAnswer> UpdateAgendaProgress(const AgendaProgress& progress,
                                                    const std::string& puller_id) override;
  Status UpdateAgenda(const std::string& agenda_id, const std::vector<Operation>& operations,
                      const std::optional<ParamsMap>& params) override;
  Status AppendOperationLogs(const std::map<std::string, std::string>& chunks) override;

  LivenessStatus Check() const;

 private:
  PoolClient& inner_;
  const Clock& clock_;
  const Duration threshold_;
  const Timestamp started_;
  mutable Mutex mu_;
  std::optional<Timestamp> last_poll_ POP_GUARDED_BY(mu_);
  std::optional<Timestamp> last_report_ POP_GUARDED_BY(mu_);
};

}  // namespace pop::app
