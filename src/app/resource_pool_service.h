// ResourcePoolService: the routes pullers and executors use (spec §10): getAgenda (a long poll
// that claims queued agendas), updateAgendaProgress (which also confirms the claim),
// updateAgenda (append generated operations) and createAgenda (a pool owner submitting for its
// customers), plus the progress summary of §9. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/insight_queues.h"
#include "app/pause_insight.h"
#include "app/request_context.h"
#include "app/resource_pool_status.h"
#include "app/services.h"
#include "app/submit_agenda.h"
#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/agenda.h"
#include "core/model/agenda_progress.h"
#include "core/progress/progress_summary.h"
#include "ports/pool_client.h"

namespace pop::app {

struct GetAgendaRequest {
  bool has_body = true;
  std::optional<std::string> insight_id;
  std::optional<int64_t> count;
  std::optional<int64_t> wait_seconds;   // long-poll time; default 20, at most 60, 0 = no wait
  std::optional<std::string> puller_id;  // who claims; default the token's id
};

struct GetAgendaResult {
  std::vector<Agenda> agendas;                    // params.added set to the ready time
  std::vector<AgendaProgress> agenda_progresses;  // re-runs with prior progress only
};

struct UpdateAgendaRequest {
  bool has_body = true;
  std::optional<std::string> agenda_id;
  std::optional<std::vector<Operation>> operations;
  std::optional<ParamsMap> params;
};

struct CreateAgendaResult {
  std::vector<Agenda> created;
  std::optional<Error> error;  // every failure, as "[<Title> : <description>]" concatenated
};

struct ProgressSummaryResult {
  std::vector<AgendaProgress> progress_list;
  ProgressSummary summary;
};

inline constexpr size_t kMaxOperationLogBytes = size_t{4} * 1024 * 1024;

class ResourcePoolService {
 public:
  ResourcePoolService(Services services, InsightQueues& queues, ChangeFeed& changes);

  // `done` runs once, on this thread or the scheduler's. Errors: kValidation (spec §6.2
  // messages), kInvalidArgument "The Insight specified was not found or is not visible: <id>"
  // (the caller must OWN the insight).
  void GetAgenda(const GetAgendaRequest& request, const RequestContext& ctx,
                 std::function<void(Result<GetAgendaResult>)> done);

  // Errors: kInvalidArgument (progress or insight not found / not visible), kConflict when the
  // agenda was cancelled ("Agenda <id> was cancelled; stop this execution."; nothing is
  // stored), when it is back in its queue (its claim lapsed, or it was rerun) or, when
  // `puller_id` is given, when another puller holds its claim: the reporting executor must stop.
  // The answer says whether the agenda is paused (its executor starts nothing new meanwhile).
  [[nodiscard]] Result<ProgressReportAnswer> UpdateAgendaProgress(
      const std::optional<AgendaProgress>& progress, const std::optional<std::string>& puller_id,
      const RequestContext& ctx);

  [[nodiscard]] Result<Agenda> UpdateAgenda(const UpdateAgendaRequest& request,
                                            const RequestContext& ctx);

  // POST /insight/service/pause and /resume: see PauseInsight.
  [[nodiscard]] Result<PauseInsightResult> PauseInsightQueue(const PauseInsightRequest& request,
                                                             const RequestContext& ctx) {
    return pause_insight_.Pause(request, ctx);
  }
  [[nodiscard]] Result<PauseInsightResult> ResumeInsightQueue(const PauseInsightRequest& request,
                                                              const RequestContext& ctx) {
    return pause_insight_.Resume(request, ctx);
  }

  // GET /resourcepool/{id}/status: see ResourcePoolStatus.
  [[nodiscard]] Result<PoolStatus> GetPoolStatus(const std::string& pool_id,
                                                 const RequestContext& ctx) {
    return pool_status_.Get(pool_id, ctx);
  }
  CreateAgendaResult CreateAgenda(const std::vector<Agenda>& agendas, const RequestContext& ctx);

  // Appends captured handler output by OperationProgress id (keeping the newest
  // kMaxOperationLogBytes of each). The caller must be able to read the insight of each
  // operation's agenda. Errors: kValidation (no logs), kInvalidArgument (unknown or invisible
  // operation progress).
  [[nodiscard]] Status AppendOperationLogs(const std::map<std::string, std::string>& logs,
                                           const RequestContext& ctx);

  // The captured output of an operation the caller may see (customer rule on its
  // OperationProgress). Errors: kNotFound.
  [[nodiscard]] Result<OperationLog> GetOperationLog(const std::string& operation_progress_id,
                                                     const RequestContext& ctx);

  // Sets the weight of a customer of a pool the caller owns (app/customer_scheduling_rule.h,
  // SetCustomerWeight) and tells the scheduler. Returns the stored Customer.
  [[nodiscard]] Result<Customer> SetCustomerWeight(const std::optional<std::string>& customer_id,
                                                   std::optional<double> weight,
                                                   const RequestContext& ctx);

  // Errors: kValidation "LinkId is required to call getProgressSummary."
  [[nodiscard]] Result<ProgressSummaryResult> ProgressSummary(
      const std::optional<std::string>& link_id, const RequestContext& ctx);

 private:
  Result<GetAgendaResult> LoadClaimed(const std::vector<ReadyAgenda>& claimed);
  // Each claim's wait since it became ready, in pop_agenda_submit_to_claim_seconds{insight}.
  void RecordClaims(const std::vector<ReadyAgenda>& claimed) const;

  Services services_;
  InsightQueues& queues_;
  ChangeFeed& changes_;
  SubmitAgenda submit_agenda_;
  PauseInsight pause_insight_;
  ResourcePoolStatus pool_status_;
};

}  // namespace pop::app
