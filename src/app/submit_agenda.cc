#include "app/submit_agenda.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "app/agenda_progress_update.h"
#include "app/messages.h"
#include "app/pool_authority.h"
#include "core/access/visibility.h"
#include "core/insight/insight_selector.h"
#include "core/merge/sparse_merge.h"
#include "core/model/params.h"
#include "core/validate/agenda_validator.h"
#include "core/validate/numeric_ranges.h"
#include "core/validate/operation_types.h"

namespace pop::app {
namespace {

bool IsBlank(const std::optional<std::string>& s) {
  if (!s) return true;
  for (char c : *s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// The fields an agenda copies onto its AgendaProgress (spec §5.7 step 5).
AgendaProgress ProgressFieldsOf(const Agenda& agenda) {
  AgendaProgress progress;
  progress.customer_id = agenda.customer_id;
  progress.link_id = agenda.link_id;
  progress.cid = agenda.cid;
  progress.agenda_id = agenda.id;
  progress.params = agenda.params;
  progress.agenda_insight = agenda.agenda_insight;
  progress.maximum_attempts =
      GetParamInt(agenda.params, kParamMaximumAttempts).value_or(kDefaultMaximumAttempts);
  progress.external_id = GetParamString(agenda.params, kParamExternalId);
  return progress;
}

// Why no insight was chosen: the pool looked in and the operation types looked for.
std::string NoInsightMessage(const Agenda& agenda, const std::string& pool_id) {
  std::vector<std::string> types;
  for (const Operation& op : agenda.operations.value_or(std::vector<Operation>{})) {
    const std::string type = op.type.value_or("(no type)");
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  std::string message = kNoInsights;
  message += ": no insight of resource pool ";
  message += pool_id;
  message += " that customer ";
  message += agenda.customer_id.value_or("");
  message += " may use maps this agenda (its operation types: ";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) message += ", ";
    message += types[i];
  }
  message += ")";
  return message;
}

// Loads the customer and picks the insight (spec §7).
Result<Insight> ChooseInsight(StoreReader& tx, const Agenda& agenda,
                              const AuthContext* insight_owner) {
  const std::string& customer_id = *agenda.customer_id;
  const AuthContext as_customer = AuthContext::ForCustomer(customer_id);
  POP_ASSIGN_OR_RETURN(auto customer, tx.Get(ObjectKind::kCustomer, customer_id));
  if (!customer || !ScopeAllows(ReadScope(ObjectKind::kCustomer, as_customer), *customer)) {
    return Error(ErrorCode::kValidation, "Customer not found for customerId " + customer_id);
  }
  const auto& pool_id = std::get<Customer>(*customer).resource_pool_id;
  if (!pool_id) {
    return Error(ErrorCode::kNotFound,
                 std::string(kNoInsights) + ": customer " + customer_id + " has no resourcePoolId");
  }
  ObjectQuery query;
  query.equals.push_back({"resourcePoolId", *pool_id});
  query.scope = ReadScope(ObjectKind::kInsight, as_customer);
  query.limit = std::numeric_limits<int32_t>::max();
  POP_ASSIGN_OR_RETURN(auto found, tx.Find(ObjectKind::kInsight, query));
  std::vector<Insight> insights;
  insights.reserve(found.size());
  for (auto& object : found) {
    if (insight_owner != nullptr && !ScopeAllows(OwnerScope(*insight_owner), object)) continue;
    insights.push_back(std::get<Insight>(std::move(object)));
  }
  if (insight_owner != nullptr && insights.empty() &&
      !ScopeAllowsCustomer(WriteScope(*insight_owner), customer_id)) {
    // createAgenda (spec §10.4) by a caller with no insight this customer could use: whether
    // the customer exists, or what it may use, is none of the caller's business.
    POP_ASSIGN_OR_RETURN(bool owns_pool, OwnsPool(tx, *pool_id, *insight_owner));
    if (!owns_pool) {
      return Error(ErrorCode::kValidation, "Customer not found for customerId " + customer_id);
    }
  }
  // An operation type that neither the pool's handlers (as the pool announces them) nor one of
  // its insights runs is refused (422); checked before the insight is chosen, since such a typo
  // is also the likelier reason why no insight maps the agenda.
  POP_ASSIGN_OR_RETURN(auto pool, tx.Get(ObjectKind::kResourcePool, *pool_id));
  if (pool) {
    POP_RETURN_IF_ERROR(CheckOperationTypes(agenda, std::get<ResourcePool>(*pool), insights));
  }
  std::optional<size_t> chosen = SelectInsight(agenda, insights);
  if (!chosen) return Error(ErrorCode::kNotFound, NoInsightMessage(agenda, *pool_id));
  return std::move(insights[*chosen]);
}

// Creates (or, for a client-supplied progressId, updates) the AgendaProgress.
Status WriteProgress(StoreWriter& tx, const Agenda& agenda, bool client_progress_id,
                     Timestamp now) {
  AgendaProgress fields = ProgressFieldsOf(agenda);
  if (client_progress_id) {
    const AuthContext as_customer = AuthContext::ForCustomer(*agenda.customer_id);
    AgendaProgressUpdate update{*agenda.progress_id, std::move(fields), &as_customer, now, {}, {}};
    return ApplyAgendaProgressUpdate(tx, update).status();
  }
  fields.id = agenda.progress_id;
  fields.processing_state = ProcessingState::kWaiting;
  fields.added_time = now;
  fields.updated_time = now;
  return tx.Put(DataObject(std::move(fields)));
}

Status WriteOperationProgress(StoreWriter& tx, const Agenda& agenda, Timestamp now) {
  for (const Operation& op : *agenda.operations) {
    POP_ASSIGN_OR_RETURN(OperationProgressSlot slot,
                         LocateOperationProgress(tx, *agenda.progress_id, *op.name));
    OperationProgress progress;
    progress.id = slot.id;
    progress.customer_id = agenda.customer_id;
    progress.cid = agenda.cid;
    progress.agenda_progress_id = agenda.progress_id;
    progress.operation = op.name;
    progress.processing_state = ProcessingState::kWaiting;
    progress.percent_complete = 0.0;
    progress.params = op.params;
    progress.attempt_count = 0;
    progress.added_time = now;
    progress.updated_time = now;
    DataObject object(std::move(progress));
    if (slot.existing) object = SparseMerge(*slot.existing, object);
    POP_RETURN_IF_ERROR(tx.Put(object));
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<ReadyAgenda>> AddReadyEntryUnlessScheduled(
    StoreWriter& tx, const Agenda& agenda, const std::string& ready_id, Timestamp now,
    std::optional<Timestamp> not_before) {
  POP_ASSIGN_OR_RETURN(auto existing, tx.ReadyAgendasOf(agenda.id.value_or("")));
  for (const ReadyAgenda& entry : existing) {
    if (!entry.confirmed) return std::optional<ReadyAgenda>();  // waiting or claimed: scheduled
  }
  // Running: its claim fence gives way to the new entry, so the old execution's next report is
  // refused (409) and it stops.
  for (const ReadyAgenda& entry : existing) {
    POP_RETURN_IF_ERROR(tx.DeleteReadyAgenda(entry.id).status());
  }
  const std::string insight_id =
      agenda.agenda_insight ? agenda.agenda_insight->insight_id.value_or("") : "";
  ReadyAgenda ready = ReadyEntryFor(agenda, ready_id, insight_id, now);
  ready.not_before = not_before;
  POP_RETURN_IF_ERROR(tx.AddReadyAgenda(ready));
  return std::optional<ReadyAgenda>(std::move(ready));
}

ReadyAgenda ReadyEntryFor(const Agenda& agenda, const std::string& ready_id,
                          const std::string& insight_id, Timestamp now) {
  ReadyAgenda ready;
  ready.id = ready_id;
  ready.insight_id = insight_id;
  ready.agenda_id = agenda.id.value_or("");
  ready.customer_id = agenda.customer_id.value_or("");
  ready.added = now;
  ready.priority = GetParamInt(agenda.params, kParamPriority).value_or(0);
  return ready;
}

Result<Agenda> SubmitAgenda::Run(Agenda agenda, const RequestContext& ctx,
                                 const SubmitOptions& options) {
  if (IsBlank(agenda.customer_id)) return Error(ErrorCode::kValidation, kCustomerIdRequired);
  POP_RETURN_IF_ERROR(ValidateAgenda(agenda));
  POP_RETURN_IF_ERROR(ValidateNumericRanges(agenda));
  const AuthContext& acting = options.acting_as != nullptr ? *options.acting_as : ctx.auth;
  const std::string customer_id = *agenda.customer_id;
  // Checked before anything is looked up: whether another tenant's customer exists, has a pool
  // or has insights is none of the caller's business (the original answered each differently).
  if (!ScopeAllowsCustomer(WriteScope(acting), customer_id)) {
    return Error(ErrorCode::kPermissionDenied, NoPermissionMessage(customer_id));
  }
  const Timestamp now = services_.clock.Now();

  // Ids come from outside the transaction; they are random, so unused ones cost nothing.
  agenda.id = services_.ids.NewId();
  if (IsBlank(agenda.cid)) agenda.cid = services_.ids.NewId();
  if (!agenda.params) agenda.params = Json::Object();
  const bool client_progress_id = agenda.progress_id.has_value();
  if (!client_progress_id) agenda.progress_id = services_.ids.NewId();
  const std::string ready_id = services_.ids.NewId();
  agenda.added_time = now;
  agenda.updated_time = now;

  Agenda result;
  std::optional<ReadyAgenda> ready;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    ready.reset();
    if (options.idempotency_key) {
      POP_ASSIGN_OR_RETURN(auto first,
                           tx.FindIdempotentAgenda(customer_id, *options.idempotency_key));
      if (first) {
        POP_ASSIGN_OR_RETURN(auto stored, tx.Get(ObjectKind::kAgenda, *first));
        if (stored) {
          result = std::get<Agenda>(std::move(*stored));
          return Status::Ok();
        }
      }
    }
    POP_ASSIGN_OR_RETURN(Insight insight, ChooseInsight(tx, agenda, options.insight_owner));
    agenda.agenda_insight = AgendaInsight{insight.resource_pool_id, insight.id};
    POP_RETURN_IF_ERROR(WriteProgress(tx, agenda, client_progress_id, now));
    POP_RETURN_IF_ERROR(WriteOperationProgress(tx, agenda, now));
    POP_RETURN_IF_ERROR(tx.Put(DataObject(agenda)));
    if (!HasParam(agenda.params, kParamDoNotRun)) {
      ready = ReadyEntryFor(agenda, ready_id, *insight.id, now);
      POP_RETURN_IF_ERROR(tx.AddReadyAgenda(*ready));
    }
    if (options.idempotency_key) {
      POP_RETURN_IF_ERROR(
          tx.AddIdempotencyKey(customer_id, *options.idempotency_key, *agenda.id, now));
    }
    result = agenda;
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (ready) changes_.Publish(Change::ReadyAdded(*ready));
  return result;
}

}  // namespace pop::app
