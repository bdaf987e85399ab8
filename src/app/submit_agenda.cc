#include "app/submit_agenda.h"

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/agenda_progress_update.h"
#include "app/messages.h"
#include "app/pool_authority.h"
#include "core/access/visibility.h"
#include "core/codec/object_codec.h"
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

// What choosing an insight for one customer's agendas reads (spec §7): loaded once per customer
// and submission.
struct Candidates {
  std::string pool_id;
  std::vector<Insight> insights;
  std::optional<ResourcePool> pool;
};

Result<Candidates> LoadCandidates(StoreReader& tx, const std::string& customer_id,
                                  const AuthContext* insight_owner) {
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
  Candidates candidates;
  candidates.pool_id = *pool_id;
  ObjectQuery query;
  query.equals.push_back({"resourcePoolId", *pool_id});
  query.scope = ReadScope(ObjectKind::kInsight, as_customer);
  query.limit = std::numeric_limits<int32_t>::max();
  POP_ASSIGN_OR_RETURN(auto found, tx.Find(ObjectKind::kInsight, query));
  candidates.insights.reserve(found.size());
  for (auto& object : found) {
    if (insight_owner != nullptr && !ScopeAllows(OwnerScope(*insight_owner), object)) continue;
    candidates.insights.push_back(std::get<Insight>(std::move(object)));
  }
  if (insight_owner != nullptr && candidates.insights.empty() &&
      !ScopeAllowsCustomer(WriteScope(*insight_owner), customer_id)) {
    // createAgenda (spec §10.4) by a caller with no insight this customer could use: whether
    // the customer exists, or what it may use, is none of the caller's business.
    POP_ASSIGN_OR_RETURN(bool owns_pool, OwnsPool(tx, *pool_id, *insight_owner));
    if (!owns_pool) {
      return Error(ErrorCode::kValidation, "Customer not found for customerId " + customer_id);
    }
  }
  POP_ASSIGN_OR_RETURN(auto pool, tx.Get(ObjectKind::kResourcePool, *pool_id));
  if (pool) candidates.pool = std::get<ResourcePool>(std::move(*pool));
  return candidates;
}

// Picks the insight of one agenda among its customer's candidates (spec §7).
Result<Insight> ChooseInsight(const Agenda& agenda, const Candidates& candidates) {
  // An operation type that neither the pool's handlers (as the pool announces them) nor one of
  // its insights runs is refused (422); checked before the insight is chosen, since such a typo
  // is also the likelier reason why no insight maps the agenda.
  if (candidates.pool) {
    POP_RETURN_IF_ERROR(CheckOperationTypes(agenda, *candidates.pool, candidates.insights));
  }
  std::optional<size_t> chosen = SelectInsight(agenda, candidates.insights);
  if (!chosen) return Error(ErrorCode::kNotFound, NoInsightMessage(agenda, candidates.pool_id));
  return candidates.insights[*chosen];
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

// One element of a submission once prepared: its ids are chosen outside the transaction (they
// are random, so unused ones cost nothing).
struct Prepared {
  Agenda agenda;
  bool client_progress_id = false;
  std::string ready_id;
};

Error NamingElement(Error error, size_t index, bool name_elements) {
  if (name_elements) error.message = "[" + std::to_string(index) + "]: " + error.message;
  return error;
}

// The idempotency row of element `index`: the key itself for the first (so a single Agenda and a
// batch of one are the same submission), the key, a newline (which no header value holds) and
// the index for the others.
std::string ElementKey(const std::string& key, size_t index) {
  return index == 0 ? key : key + "\n" + std::to_string(index);
}

// Whether `stored` is what `submitted` (prepared, so with its defaults) would have created.
bool SameSubmission(const Agenda& stored, const Agenda& submitted) {
  auto operations = [](const Agenda& agenda) {
    JsonArray encoded;
    for (const Operation& op : agenda.operations.value_or(std::vector<Operation>{})) {
      encoded.push_back(Encode(op));
    }
    return Json(std::move(encoded));
  };
  return stored.customer_id == submitted.customer_id && stored.link_id == submitted.link_id &&
         stored.params == submitted.params && operations(stored) == operations(submitted);
}

Error KeyConflict(const std::string& key, const std::string& customer_id) {
  return Error(ErrorCode::kConflict, "Idempotency-Key '" + key + "' of customer " + customer_id +
                                         " was first used with a different agenda or batch; "
                                         "send a new key for a new submission");
}

// What a repeated idempotency key answers: the agendas the first submission with it created,
// when `batch` is that same submission; kConflict when it was another; nullopt for a new key.
Result<std::optional<std::vector<Agenda>>> FindIdempotentBatch(StoreReader& tx,
                                                               const std::vector<Prepared>& batch,
                                                               const std::string& key) {
  const std::string& customer_id = *batch.front().agenda.customer_id;
  std::vector<Agenda> first;
  for (size_t index = 0; index <= batch.size(); ++index) {
    POP_ASSIGN_OR_RETURN(auto id, tx.FindIdempotentAgenda(customer_id, ElementKey(key, index)));
    if (index == batch.size()) {
      if (id) return KeyConflict(key, customer_id);  // the first batch was longer
      break;
    }
    if (!id) {
      if (index == 0) return std::optional<std::vector<Agenda>>();
      return KeyConflict(key, customer_id);  // the first batch was shorter
    }
    POP_ASSIGN_OR_RETURN(auto stored, tx.Get(ObjectKind::kAgenda, *id));
    if (!stored) {
      std::string message = "Idempotency-Key '" + key + "' of customer ";
      message += customer_id;
      message += " names agenda ";
      message += *id;
      message += ", which was deleted; send a new key";
      return Error(ErrorCode::kConflict, std::move(message));
    }
    if (!SameSubmission(std::get<Agenda>(*stored), batch[index].agenda)) {
      return KeyConflict(key, customer_id);
    }
    first.push_back(std::get<Agenda>(std::move(*stored)));
  }
  return std::optional<std::vector<Agenda>>(std::move(first));
}

// Validation and the visibility check of one element, then its ids and times.
Result<Prepared> Prepare(Agenda agenda, const RequestContext& ctx, const SubmitOptions& options,
                         Timestamp now, IdGenerator& ids) {
  if (IsBlank(agenda.customer_id)) return Error(ErrorCode::kValidation, kCustomerIdRequired);
  POP_RETURN_IF_ERROR(ValidateAgenda(agenda));
  POP_RETURN_IF_ERROR(ValidateNumericRanges(agenda));
  const AuthContext& acting = options.acting_as != nullptr ? *options.acting_as : ctx.auth;
  // Checked before anything is looked up: whether another tenant's customer exists, has a pool
  // or has insights is none of the caller's business (the original answered each differently).
  if (!ScopeAllowsCustomer(WriteScope(acting), *agenda.customer_id)) {
    return Error(ErrorCode::kPermissionDenied, NoPermissionMessage(*agenda.customer_id));
  }
  Prepared prepared;
  agenda.id = ids.NewId();
  if (IsBlank(agenda.cid)) agenda.cid = ids.NewId();
  if (!agenda.params) agenda.params = Json::Object();
  prepared.client_progress_id = agenda.progress_id.has_value();
  if (!prepared.client_progress_id) agenda.progress_id = ids.NewId();
  prepared.ready_id = ids.NewId();
  agenda.added_time = now;
  agenda.updated_time = now;
  prepared.agenda = std::move(agenda);
  return prepared;
}

// Stores one element; returns its ready entry unless params.doNotRun holds it back.
Result<std::optional<ReadyAgenda>> WriteElement(
    StoreWriter& tx, Prepared& element, const SubmitOptions& options, Timestamp now,
    std::unordered_map<std::string, Candidates>& candidates) {
  Agenda& agenda = element.agenda;
  const std::string& customer_id = *agenda.customer_id;
  auto loaded = candidates.find(customer_id);
  if (loaded == candidates.end()) {
    POP_ASSIGN_OR_RETURN(Candidates found, LoadCandidates(tx, customer_id, options.insight_owner));
    loaded = candidates.emplace(customer_id, std::move(found)).first;
  }
  POP_ASSIGN_OR_RETURN(Insight insight, ChooseInsight(agenda, loaded->second));
  agenda.agenda_insight = AgendaInsight{insight.resource_pool_id, insight.id};
  POP_RETURN_IF_ERROR(WriteProgress(tx, agenda, element.client_progress_id, now));
  POP_RETURN_IF_ERROR(WriteOperationProgress(tx, agenda, now));
  POP_RETURN_IF_ERROR(tx.Put(DataObject(agenda)));
  if (HasParam(agenda.params, kParamDoNotRun)) return std::optional<ReadyAgenda>();
  ReadyAgenda ready = ReadyEntryFor(agenda, element.ready_id, *insight.id, now);
  POP_RETURN_IF_ERROR(tx.AddReadyAgenda(ready));
  return std::optional<ReadyAgenda>(std::move(ready));
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
  std::vector<Agenda> batch;
  batch.push_back(std::move(agenda));
  POP_ASSIGN_OR_RETURN(std::vector<Agenda> created, RunBatch(std::move(batch), ctx, options));
  return std::move(created.front());
}

Result<std::vector<Agenda>> SubmitAgenda::RunBatch(std::vector<Agenda> agendas,
                                                   const RequestContext& ctx,
                                                   const SubmitOptions& options) {
  if (agendas.empty()) return Error(ErrorCode::kValidation, "No agendas to submit");
  const Timestamp now = services_.clock.Now();
  std::vector<Prepared> batch;
  batch.reserve(agendas.size());
  for (size_t index = 0; index < agendas.size(); ++index) {
    Result<Prepared> prepared =
        Prepare(std::move(agendas[index]), ctx, options, now, services_.ids);
    if (!prepared.ok()) return NamingElement(prepared.error(), index, options.name_elements);
    batch.push_back(std::move(prepared).value());
  }

  std::vector<Agenda> result;
  std::vector<Change> ready;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    result.clear();
    ready.clear();
    if (options.idempotency_key) {
      POP_ASSIGN_OR_RETURN(auto first, FindIdempotentBatch(tx, batch, *options.idempotency_key));
      if (first) {
        result = std::move(*first);
        return Status::Ok();
      }
    }
    std::unordered_map<std::string, Candidates> candidates;  // by customer id
    for (size_t index = 0; index < batch.size(); ++index) {
      Result<std::optional<ReadyAgenda>> written =
          WriteElement(tx, batch[index], options, now, candidates);
      if (!written.ok()) return NamingElement(written.error(), index, options.name_elements);
      if (*written) ready.push_back(Change::ReadyAdded(std::move(**written)));
    }
    if (options.idempotency_key) {
      const std::string& customer_id = *batch.front().agenda.customer_id;
      for (size_t index = 0; index < batch.size(); ++index) {
        POP_RETURN_IF_ERROR(tx.AddIdempotencyKey(customer_id,
                                                 ElementKey(*options.idempotency_key, index),
                                                 *batch[index].agenda.id, now));
      }
    }
    for (const Prepared& element : batch) result.push_back(element.agenda);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (!ready.empty()) changes_.PublishAll(ready);
  return result;
}

}  // namespace pop::app
