#include "app/resource_pool_service.h"

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/agenda_progress_update.h"
#include "app/customer_scheduling_rule.h"
#include "app/pool_authority.h"
#include "core/access/visibility.h"
#include "core/base/error_status.h"
#include "core/merge/sparse_merge.h"
#include "core/metrics/catalogue.h"

namespace pop::app {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<int32_t>::max();
constexpr int64_t kDefaultWaitSeconds = 20;
constexpr int64_t kMaxWaitSeconds = 60;
constexpr int64_t kMaxCount = 100;

// Every stored object of `kind` whose `field` is one of `values`, in insertion order: one
// statement whatever their number (a puller may take dozens of agendas in one getAgenda).
Result<std::vector<DataObject>> FindEach(StoreReader& reader, ObjectKind kind,
                                         const std::string& field,
                                         std::vector<std::string> values) {
  if (values.empty()) return std::vector<DataObject>();
  ObjectQuery query;
  query.one_of.push_back({field, std::move(values)});
  query.scope = VisibilityScope::Everything();
  query.limit = kUnlimited;
  return reader.Find(kind, query);
}

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

Error InsightNotVisible(const std::string& id) {
  return Error(ErrorCode::kInvalidArgument,
               "The Insight specified was not found or is not visible: " + id);
}

// Why `reporter` may not report on `agenda_id`, whose ready entry is `entry`.
Status FenceRefusal(const std::string& agenda_id, const ReadyAgenda& entry,
                    const std::string& reporter, Timestamp now) {
  if (!entry.claimed_by) {
    return Status(ErrorCode::kConflict,
                  "Agenda " + agenda_id +
                      " is back in its queue (its claim lapsed, or it was rerun); stop this "
                      "execution.");
  }
  if (*entry.claimed_by != reporter) {
    std::string message = "Agenda " + agenda_id;
    message += " is claimed by " + *entry.claimed_by;
    message += ", not by " + reporter + "; stop this execution.";
    return Status(ErrorCode::kConflict, std::move(message));
  }
  if (!entry.confirmed && entry.lease_until && *entry.lease_until <= now) {
    return Status(ErrorCode::kConflict,
                  "The claim on agenda " + agenda_id + " by " + reporter +
                      " has lapsed (no report before its lease ended); stop this execution.");
  }
  return Status::Ok();
}

// What the claim fence of one report found: whether it confirmed the claim (the first report),
// and when the agenda was paused (nullopt when it is not).
struct FencePassed {
  bool first_report = false;
  std::optional<Timestamp> paused_since;
};

// The claim fence of updateAgendaProgress, decided in the store (ConfirmReadyClaim is a
// compare-and-set, so a claim taken by another server meanwhile is seen). `first_report` is true
// when this report confirmed the claim; false when there is no fence or it was confirmed before.
// A report that ends the execution (`ends_execution`) deletes the entries it holds instead of
// confirming them, in the same statement: the fence ends with the execution. kConflict when
// `reporter` does not hold the claim. The agenda's entries and its pause are read in one
// statement.
Result<FencePassed> PassClaimFence(StoreWriter& tx, const std::string& agenda_id,
                                   const std::string& reporter, Timestamp now,
                                   bool ends_execution) {
  POP_ASSIGN_OR_RETURN(AgendaReadyState state, tx.ReadyStateOf(agenda_id));
  FencePassed passed;
  passed.paused_since = state.paused_since;
  for (const ReadyAgenda& entry : state.entries) {
    POP_RETURN_IF_ERROR(FenceRefusal(agenda_id, entry, reporter, now));
    bool held = false;
    if (ends_execution) {
      POP_ASSIGN_OR_RETURN(held, tx.DeleteHeldReadyClaim(entry.id, reporter, now));
    } else {
      POP_ASSIGN_OR_RETURN(held, tx.ConfirmReadyClaim(entry.id, reporter, now));
    }
    if (!held) {
      // Changed since it was read (another server claimed it again, or it was rerun): the
      // entry as it is now says why.
      POP_ASSIGN_OR_RETURN(auto now_ready, tx.ReadyAgendasOf(agenda_id));
      for (const ReadyAgenda& changed : now_ready) {
        POP_RETURN_IF_ERROR(FenceRefusal(agenda_id, changed, reporter, now));
      }
      std::string message = "The claim on agenda " + agenda_id;
      message += " by " + reporter + " has ended; stop this execution.";
      return Status(ErrorCode::kConflict, std::move(message));
    }
    passed.first_report = passed.first_report || !entry.confirmed;
  }
  return passed;
}

}  // namespace

ResourcePoolService::ResourcePoolService(Services services, InsightQueues& queues,
                                         ChangeFeed& changes)
    : services_(services),
      queues_(queues),
      changes_(changes),
      submit_agenda_(services, changes),
      pause_insight_(services, changes),
      pool_status_(services, [&queues] { return queues.LastPolls(); }) {}

void ResourcePoolService::GetAgenda(const GetAgendaRequest& request, const RequestContext& ctx,
                                    std::function<void(Result<GetAgendaResult>)> done) {
  if (!request.has_body) {
    return done(Error(ErrorCode::kValidation, "InsightId and Count are required on getAgenda"));
  }
  if (IsBlank(request.insight_id)) {
    return done(Error(ErrorCode::kValidation, "InsightId is required to getAgenda."));
  }
  if (!request.count) return done(Error(ErrorCode::kValidation, "Count is required to getAgenda."));
  if (*request.count < 1) {
    return done(Error(ErrorCode::kValidation, "Count must be greater than 0 for getAgenda."));
  }
  if (request.wait_seconds && *request.wait_seconds < 0) {
    // Larger waits are shortened to kMaxWaitSeconds (a long poll's bound), never refused.
    return done(
        Error(ErrorCode::kValidation,
              "Invalid value for field 'waitSeconds': " + std::to_string(*request.wait_seconds) +
                  " is outside 0 to " + std::to_string(kMaxWaitSeconds) + " (larger values wait " +
                  std::to_string(kMaxWaitSeconds) + ")"));
  }
  const std::string insight_id = *request.insight_id;
  // The insight's owner claims from it (spec §10.1), and so does the owner of its pool;
  // isGlobal and allowedCustomerIds grant nothing here.
  bool may_claim = false;
  Status read = services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(may_claim, MayActForInsight(reader, insight_id, ctx.auth));
    return Status::Ok();
  });
  if (!read.ok()) return done(read.error());
  if (!may_claim) return done(InsightNotVisible(insight_id));
  const int64_t wait =
      std::clamp<int64_t>(request.wait_seconds.value_or(kDefaultWaitSeconds), 0, kMaxWaitSeconds);
  const size_t count = static_cast<size_t>(std::min(*request.count, kMaxCount));
  const std::string claimer = !IsBlank(request.puller_id) ? *request.puller_id : ctx.auth.user_id;
  queues_.Claim(insight_id, count, Duration::Seconds(wait), claimer,
                [this, done = std::move(done)](Result<std::vector<ReadyAgenda>> claimed) {
                  if (!claimed.ok()) return done(claimed.error());
                  RecordClaims(*claimed);
                  done(LoadClaimed(*claimed));
                });
}

void ResourcePoolService::RecordClaims(const std::vector<ReadyAgenda>& claimed) const {
  if (services_.metrics == nullptr) return;
  const Timestamp now = services_.clock.Now();
  for (const ReadyAgenda& ready : claimed) {
    services_.metrics->Observe(metrics::kSubmitToClaim, {ready.insight_id},
                               static_cast<double>((now - ready.added).millis()) / 1000.0);
  }
}

Result<GetAgendaResult> ResourcePoolService::LoadClaimed(const std::vector<ReadyAgenda>& claimed) {
  GetAgendaResult result;
  if (claimed.empty()) return result;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    // The agendas, their progress, and the progress of their operations: three statements for
    // the whole claim, not three per agenda.
    std::vector<std::string> agenda_ids;
    agenda_ids.reserve(claimed.size());
    for (const ReadyAgenda& ready : claimed) agenda_ids.push_back(ready.agenda_id);
    POP_ASSIGN_OR_RETURN(auto agenda_objects,
                         FindEach(reader, ObjectKind::kAgenda, "id", std::move(agenda_ids)));
    std::unordered_map<std::string, Agenda> agendas;
    std::vector<std::string> progress_ids;
    for (DataObject& object : agenda_objects) {
      Agenda agenda = std::get<Agenda>(std::move(object));
      if (agenda.progress_id) progress_ids.push_back(*agenda.progress_id);
      std::string id = agenda.id.value_or("");
      agendas.emplace(std::move(id), std::move(agenda));
    }
    POP_ASSIGN_OR_RETURN(auto progress_objects,
                         FindEach(reader, ObjectKind::kAgendaProgress, "id", progress_ids));
    POP_ASSIGN_OR_RETURN(auto op_objects, FindEach(reader, ObjectKind::kOperationProgress,
                                                   "agendaProgressId", progress_ids));
    std::unordered_map<std::string, AgendaProgress> progresses;
    for (DataObject& object : progress_objects) {
      AgendaProgress progress = std::get<AgendaProgress>(std::move(object));
      std::string id = progress.id.value_or("");
      progresses.emplace(std::move(id), std::move(progress));
    }
    std::unordered_map<std::string, std::vector<OperationProgress>> ops_of;  // in stored order
    for (DataObject& object : op_objects) {
      OperationProgress op = std::get<OperationProgress>(std::move(object));
      std::string progress_id = op.agenda_progress_id.value_or("");
      ops_of[progress_id].push_back(std::move(op));
    }
    for (const ReadyAgenda& ready : claimed) {
      auto found = agendas.find(ready.agenda_id);
      if (found == agendas.end()) continue;  // deleted meanwhile: skipped, as the original did
      Agenda agenda = std::move(found->second);
      if (!agenda.params) agenda.params = Json::Object();
      agenda.params->AsObject().Set("added", Json(ready.added.millis()));
      auto progress = progresses.find(agenda.progress_id.value_or(""));
      if (progress != progresses.end()) {
        std::vector<OperationProgress> ops = std::move(ops_of[progress->first]);
        // Prior progress: an operation not WAITING (the original's rule), or one a rerun reset
        // to WAITING after it ran (its attemptCount), so the executor numbers its next attempt.
        bool has_prior = std::any_of(ops.begin(), ops.end(), [](const OperationProgress& op) {
          return op.processing_state != ProcessingState::kWaiting ||
                 op.attempt_count.value_or(0) > 0;
        });
        if (has_prior) {
          AgendaProgress agenda_progress = std::move(progress->second);
          agenda_progress.operation_progress = std::move(ops);
          result.agenda_progresses.push_back(std::move(agenda_progress));
        }
      }
      result.agendas.push_back(std::move(agenda));
    }
    return Status::Ok();
  }));
  return result;
}

Result<ProgressReportAnswer> ResourcePoolService::UpdateAgendaProgress(
    const std::optional<AgendaProgress>& progress, const std::optional<std::string>& puller_id,
    const RequestContext& ctx) {
  if (!progress || IsBlank(progress->id)) {
    return Status(ErrorCode::kValidation,
                  "agendaProgress with an id is required on updateAgendaProgress");
  }
  const std::string& id = *progress->id;
  const Timestamp now = services_.clock.Now();
  const std::string retry_ready_id = services_.ids.NewId();
  std::optional<std::string> confirmed_agenda;
  std::optional<ReadyAgenda> retry;
  bool finished = false;
  std::string finished_insight;
  Duration finished_after;
  ProgressReportAnswer answer;
  std::optional<AgendaProgress> reported;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    finished = false;
    reported.reset();
    answer = ProgressReportAnswer();
    confirmed_agenda.reset();
    retry.reset();
    // Only the pool that may claim the agenda reports on it (docs/security.md); to anyone else
    // the progress is absent, whether it exists or not.
    Status not_visible(ErrorCode::kInvalidArgument,
                       "The AgendaProgress specified was not found or is not visible: " + id);
    POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgendaProgress, id));
    if (!found) return not_visible;
    const auto& stored = std::get<AgendaProgress>(*found);
    const std::string insight_id =
        stored.agenda_insight ? stored.agenda_insight->insight_id.value_or("") : "";
    POP_ASSIGN_OR_RETURN(bool may_report, MayActForInsight(tx, insight_id, ctx.auth));
    if (!may_report) return not_visible;
    // A cancel is final: no report may overwrite it, and the executor must stop (a rerun, which
    // moves the progress back to WAITING, is the way to run it again).
    if (stored.processing_state == ProcessingState::kComplete &&
        stored.processing_state_message == kMessageCancelled) {
      return Status(ErrorCode::kConflict, "Agenda " + stored.agenda_id.value_or("") +
                                              " was cancelled; stop this execution.");
    }
    // Only these fields may be reported (spec §10.2 step 3).
    AgendaProgress filtered;
    filtered.percent_complete = progress->percent_complete;
    filtered.diagnostic_events = progress->diagnostic_events;
    filtered.operation_progress = progress->operation_progress;
    filtered.processing_state_message = progress->processing_state_message;
    filtered.processing_state = progress->processing_state;
    filtered.started_time = progress->started_time;
    filtered.completed_time = progress->completed_time;
    filtered.cid = ctx.cid;
    const AuthContext owner = AuthContext::ForCustomer(stored.customer_id.value_or(""));
    // The claim fence: while the agenda has a ready entry, only the holder of its claim reports
    // (the first report confirms the claim; the entry stays until the execution ends).
    const std::string agenda_id = stored.agenda_id.value_or("");
    const std::string& reporter = !IsBlank(puller_id) ? *puller_id : ctx.auth.user_id;
    // The executor's start (moments after its claim) to this final report, once per execution.
    const bool was_complete = stored.processing_state == ProcessingState::kComplete;
    // The update below moves the progress into COMPLETE (ApplyAgendaProgressUpdate's rule): the
    // fence goes now, and the update deletes no confirmed entry after it.
    const bool ends_execution =
        !was_complete && filtered.processing_state == ProcessingState::kComplete;
    POP_ASSIGN_OR_RETURN(FencePassed fence,
                         PassClaimFence(tx, agenda_id, reporter, now, ends_execution));
    if (fence.first_report) confirmed_agenda = agenda_id;
    // The executor starts nothing new while the agenda is paused (docs/design/executor.md).
    answer.paused = fence.paused_since.has_value();
    AgendaProgressUpdate update{id,  std::move(filtered),     &owner,
                                now, services_.retry_backoff, retry_ready_id};
    update.fence_deleted = ends_execution;
    // The progress read above is the one updated: not read and decoded a second time.
    POP_ASSIGN_OR_RETURN(AgendaProgressUpdateResult updated,
                         ApplyAgendaProgressUpdate(tx, update, std::move(found)));
    retry = std::move(updated.retry);
    reported = std::move(updated.stored);
    finished = !was_complete && progress->processing_state == ProcessingState::kComplete;
    finished_insight = insight_id;
    finished_after = progress->started_time ? now - *progress->started_time : Duration();
    return Status::Ok();
  });
  if (status.ok()) {
    if (confirmed_agenda) changes_.Publish(Change::ClaimConfirmed(*confirmed_agenda));
    // Watchers (the UI's event streams) see the progress as it now stands.
    if (reported) changes_.Publish(Change::ObjectChanged(DataObject(std::move(*reported))));
    if (retry) changes_.Publish(Change::ReadyAdded(*retry));
    if (finished && services_.metrics != nullptr) {
      services_.metrics->Observe(metrics::kClaimToComplete, {finished_insight},
                                 static_cast<double>(finished_after.millis()) / 1000.0);
    }
  }
  if (!status.ok()) return status.error();
  return answer;
}

Result<Customer> ResourcePoolService::SetCustomerWeight(
    const std::optional<std::string>& customer_id, std::optional<double> weight,
    const RequestContext& ctx) {
  Customer stored;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(stored, app::SetCustomerWeight(tx, customer_id.value_or(""), weight,
                                                        ctx.auth, services_.clock.Now()));
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  changes_.Publish(Change::ObjectChanged(DataObject(stored)));
  return stored;
}

Result<Agenda> ResourcePoolService::UpdateAgenda(const UpdateAgendaRequest& request,
                                                 const RequestContext& ctx) {
  if (!request.has_body) {
    return Error(ErrorCode::kValidation,
                 "agendaId and operations are required on an updateAgenda request");
  }
  if (IsBlank(request.agenda_id)) {
    return Error(ErrorCode::kValidation, "agendaId is required on an updateAgenda request");
  }
  if (!request.operations || request.operations->empty()) {
    return Error(ErrorCode::kValidation,
                 "One or more operations must be specified on an updateAgenda request");
  }
  const std::string& agenda_id = *request.agenda_id;
  const Timestamp now = services_.clock.Now();
  Agenda updated;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    // Only the pool that may claim the agenda adds operations to it (they run as the agenda's
    // customer); to anyone else the agenda is absent.
    Status not_found(ErrorCode::kNotFound, "Agenda " + agenda_id + " not found");
    POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kAgenda, agenda_id));
    if (!found) return not_found;
    Agenda agenda = std::get<Agenda>(std::move(*found));
    const std::string insight_id =
        agenda.agenda_insight ? agenda.agenda_insight->insight_id.value_or("") : "";
    POP_ASSIGN_OR_RETURN(bool may_update, MayActForInsight(tx, insight_id, ctx.auth));
    if (!may_update) return not_found;
    const std::string progress_id = agenda.progress_id.value_or("");
    POP_ASSIGN_OR_RETURN(auto progress_object, tx.Get(ObjectKind::kAgendaProgress, progress_id));
    if (!progress_object) {
      return Status(ErrorCode::kNotFound,
                    "Failed to update AgendaProgress. Unable to get object by id " + progress_id);
    }
    auto& progress = std::get<AgendaProgress>(*progress_object);
    if (request.params && request.params->is_object()) {
      Json params = progress.params.value_or(Json::Object());
      for (const auto& [key, value] : request.params->AsObject()) params.AsObject().Set(key, value);
      progress.params = params;
      progress.updated_time = now;
      POP_RETURN_IF_ERROR(tx.Put(DataObject(progress)));
      Json agenda_params = agenda.params.value_or(Json::Object());
      for (const auto& [key, value] : request.params->AsObject()) {
        agenda_params.AsObject().Set(key, value);
      }
      agenda.params = std::move(agenda_params);
    }
    if (!agenda.operations) agenda.operations.emplace();
    for (const Operation& op : *request.operations) agenda.operations->push_back(op);
    agenda.updated_time = now;
    POP_RETURN_IF_ERROR(tx.Put(DataObject(agenda)));
    for (const Operation& op : *request.operations) {
      OperationProgress created;
      created.operation = op.name;
      created.params = op.params;
      created.percent_complete = 0.0;
      POP_RETURN_IF_ERROR(UpsertOperationProgress(tx, progress, std::move(created), now));
    }
    updated = std::move(agenda);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return updated;
}

CreateAgendaResult ResourcePoolService::CreateAgenda(const std::vector<Agenda>& agendas,
                                                     const RequestContext& ctx) {
  CreateAgendaResult result;
  std::string failures;
  for (const Agenda& agenda : agendas) {
    const AuthContext as_customer = AuthContext::ForCustomer(agenda.customer_id.value_or(""));
    SubmitOptions options;
    options.acting_as = &as_customer;
    options.insight_owner = &ctx.auth;
    Result<Agenda> created = submit_agenda_.Run(agenda, ctx, options);
    if (created.ok()) {
      result.created.push_back(std::move(created).value());
    } else if (created.error().code == ErrorCode::kInternal ||
               created.error().code == ErrorCode::kUnavailable) {
      // The store's own failure: its text (SQL, paths) is for the log, never inside a 4xx.
      result.error = created.error();
      return result;
    } else {
      failures += std::string("[") + ErrorTitleFor(created.error().code) + " : " +
                  created.error().message + "]";
    }
  }
  if (!failures.empty()) result.error = Error(ErrorCode::kInvalidArgument, failures);
  return result;
}

Status ResourcePoolService::AppendOperationLogs(const std::map<std::string, std::string>& logs,
                                                const RequestContext& ctx) {
  if (logs.empty()) {
    return Status(ErrorCode::kValidation, "logs are required on appendOperationLog");
  }
  const Timestamp now = services_.clock.Now();
  return services_.store.Write([&](StoreWriter& tx) -> Status {
    for (const auto& [id, text] : logs) {
      POP_ASSIGN_OR_RETURN(auto op, tx.Get(ObjectKind::kOperationProgress, id));
      bool may_append = false;
      if (op) {
        const auto& progress_id = std::get<OperationProgress>(*op).agenda_progress_id;
        POP_ASSIGN_OR_RETURN(auto progress,
                             tx.Get(ObjectKind::kAgendaProgress, progress_id.value_or("")));
        if (progress) {
          const auto& link = std::get<AgendaProgress>(*progress).agenda_insight;
          POP_ASSIGN_OR_RETURN(
              may_append,
              MayActForInsight(tx, link ? link->insight_id.value_or("") : "", ctx.auth));
        }
      }
      if (!may_append) {
        return Status(ErrorCode::kInvalidArgument,
                      "The OperationProgress specified was not found or is not visible: " + id);
      }
      POP_RETURN_IF_ERROR(tx.AppendOperationLog(id, text, kMaxOperationLogBytes, now));
    }
    return Status::Ok();
  });
}

Result<OperationLog> ResourcePoolService::GetOperationLog(const std::string& operation_progress_id,
                                                          const RequestContext& ctx) {
  std::optional<OperationLog> log;
  bool visible = false;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    POP_ASSIGN_OR_RETURN(auto op,
                         reader.Get(ObjectKind::kOperationProgress, operation_progress_id));
    visible = op && ScopeAllows(ReadScope(ObjectKind::kOperationProgress, ctx.auth), *op);
    if (!visible) return Status::Ok();
    POP_ASSIGN_OR_RETURN(log, reader.GetOperationLog(operation_progress_id));
    return Status::Ok();
  }));
  if (!visible) {
    return Error(ErrorCode::kNotFound, "OperationProgress " + operation_progress_id + " not found");
  }
  return log.value_or(OperationLog{});
}

Result<ProgressSummaryResult> ResourcePoolService::ProgressSummary(
    const std::optional<std::string>& link_id, const RequestContext& ctx) {
  if (IsBlank(link_id)) {
    return Error(ErrorCode::kValidation, "LinkId is required to call getProgressSummary.");
  }
  ProgressSummaryResult result;
  POP_RETURN_IF_ERROR(services_.store.Read([&](StoreReader& reader) -> Status {
    ObjectQuery query;
    query.equals.push_back({"linkId", *link_id});
    query.scope = ReadScope(ObjectKind::kAgendaProgress, ctx.auth);
    query.limit = kUnlimited;
    POP_ASSIGN_OR_RETURN(auto found, reader.Find(ObjectKind::kAgendaProgress, query));
    for (auto& object : found) {
      auto progress = std::get<AgendaProgress>(std::move(object));
      POP_ASSIGN_OR_RETURN(progress.operation_progress,
                           OperationProgressOf(reader, progress.id.value_or("")));
      result.progress_list.push_back(std::move(progress));
    }
    return Status::Ok();
  }));
  result.summary = SummarizeProgress(result.progress_list);
  return result;
}

}  // namespace pop::app
