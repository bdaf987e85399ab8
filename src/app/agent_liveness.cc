#include "app/agent_liveness.h"

#include <algorithm>

namespace pop::app {

AgentLiveness::AgentLiveness(PoolClient& inner, const Clock& clock, Duration threshold)
    : inner_(inner), clock_(clock), threshold_(threshold), started_(clock.Now()) {}

Result<ClaimedWork> AgentLiveness::GetAgenda(const std::string& insight_id, int64_t count,
                                             Duration wait, const std::string& puller_id) {
  Result<ClaimedWork> work = inner_.GetAgenda(insight_id, count, wait, puller_id);
  if (work.ok()) {
    MutexLock lock(mu_);
    last_poll_ = clock_.Now();
  }
  return work;
}

Result<ProgressReportAnswer> AgentLiveness::UpdateAgendaProgress(const AgendaProgress& progress,
                                                                 const std::string& puller_id) {
  Result<ProgressReportAnswer> answer = inner_.UpdateAgendaProgress(progress, puller_id);
  // A refused report (kConflict: the claim is gone) still shows the server answering.
  if (answer.ok() || answer.error().code == ErrorCode::kConflict) {
    MutexLock lock(mu_);
    last_report_ = clock_.Now();
  }
  return answer;
}

Status AgentLiveness::UpdateAgenda(const std::string& agenda_id,
                                   const std::vector<Operation>& operations,
                                   const std::optional<ParamsMap>& params) {
  return inner_.UpdateAgenda(agenda_id, operations, params);
}

Status AgentLiveness::AppendOperationLogs(const std::map<std::string, std::string>& chunks) {
  return inner_.AppendOperationLogs(chunks);
}

LivenessStatus AgentLiveness::Check() const {
  LivenessStatus status;
  {
    MutexLock lock(mu_);
    status.last_poll = last_poll_;
    status.last_report = last_report_;
  }
  Timestamp latest = started_;
  if (status.last_poll) latest = std::max(latest, *status.last_poll);
  if (status.last_report) latest = std::max(latest, *status.last_report);
  status.threshold = threshold_;
  status.since_success = clock_.Now() - latest;
  status.alive = status.since_success <= threshold_;
  return status;
}

}  // namespace pop::app
