#include "app/data_object_service.h"

#include <limits>
#include <utility>
#include <variant>

#include "app/agenda_progress_update.h"
#include "app/customer_scheduling_rule.h"
#include "app/messages.h"
#include "app/pool_authority.h"
#include "core/access/visibility.h"
#include "core/merge/sparse_merge.h"
#include "core/validate/numeric_ranges.h"

namespace pop::app {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<int32_t>::max();

bool IsBlank(const std::optional<std::string>& s) {
  return !s || s->find_first_not_of(" \t\r\n") == std::string::npos;
}

Status ValidateWeight(const DataObject& object) {
  const auto* customer = std::get_if<Customer>(&object);
  if (customer == nullptr || !customer->weight) return Status::Ok();
  return ValidateCustomerWeight(*customer->weight);
}

// Kind-specific POST validation (spec §6.2).
Status ValidateCreate(const DataObject& object) {
  if (IsBlank(BaseOf(object).customer_id)) {
    return Status(ErrorCode::kValidation, kCustomerIdRequired);
  }
  if (const auto* customer = std::get_if<Customer>(&object); customer && IsBlank(customer->title)) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: The title field must be specified on the Customer.");
  }
  POP_RETURN_IF_ERROR(ValidateWeight(object));
  if (const auto* insight = std::get_if<Insight>(&object); insight && IsBlank(insight->title)) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: The title field must be specified on the Insight.");
  }
  if (const auto* progress = std::get_if<AgendaProgress>(&object);
      progress && progress->operation_progress) {
    for (const auto& op : *progress->operation_progress) {
      if (IsBlank(op.operation)) {
        return Status(ErrorCode::kValidation,
                      "Issues detected: All OperationProgress objects must specify the operation "
                      "field.");
      }
    }
  }
  return Status::Ok();
}

// POST defaults (spec §5).
void ApplyCreateDefaults(DataObject& object) {
  if (auto* insight = std::get_if<Insight>(&object)) {
    if (!insight->is_global) insight->is_global = false;
    if (!insight->queue_size) insight->queue_size = 0;
  } else if (auto* tmpl = std::get_if<AgendaTemplate>(&object)) {
    if (!tmpl->is_global) tmpl->is_global = false;
    if (!tmpl->is_default_template) tmpl->is_default_template = false;
  } else if (auto* progress = std::get_if<AgendaProgress>(&object)) {
    if (!progress->maximum_attempts) progress->maximum_attempts = kDefaultMaximumAttempts;
  } else if (auto* op = std::get_if<OperationProgress>(&object)) {
    if (!op->attempt_count) op->attempt_count = 0;
  }
}

// Fields that are never stored: ResourcePool.insightIds (derived on read) and
// AgendaProgress.operationProgress (kept in its own records).
void StripDerivedFields(DataObject& object) {
  if (auto* pool = std::get_if<ResourcePool>(&object)) pool->insight_ids.reset();
  if (auto* progress = std::get_if<AgendaProgress>(&object)) progress->operation_progress.reset();
}

// ResourcePool.insightIds lists the pool's insights the caller may see (the original listed
// every one, telling each tenant the others' insight ids).
Status AttachDerivedFields(StoreReader& reader, DataObject& object, bool include_op_progress,
                           const AuthContext& auth) {
  if (auto* pool = std::get_if<ResourcePool>(&object)) {
    ObjectQuery query;
    query.equals.push_back({"resourcePoolId", pool->id.value_or("")});
    query.scope = ReadScope(ObjectKind::kInsight, auth);
    query.limit = kUnlimited;
    POP_ASSIGN_OR_RETURN(auto insights, reader.Find(ObjectKind::kInsight, query));
    pool->insight_ids.emplace();
    for (const auto& insight : insights) pool->insight_ids->push_back(*BaseOf(insight).id);
  } else if (auto* progress = std::get_if<AgendaProgress>(&object);
             progress && include_op_progress) {
    ObjectQuery query;
    query.equals.push_back({"agendaProgressId", progress->id.value_or("")});
    query.scope = ReadScope(ObjectKind::kOperationProgress,
                            AuthContext::ForCustomer(progress->customer_id.value_or("")));
    query.limit = kUnlimited;
    POP_ASSIGN_OR_RETURN(auto ops, reader.Find(ObjectKind::kOperationProgress, query));
    progress->operation_progress.emplace();
    for (auto& op : ops) {
      progress->operation_progress->push_back(std::get<OperationProgress>(std::move(op)));
    }
  }
  return Status::Ok();
}

// An object of `kind` with only its id set.
template <size_t... kIndex>
DataObject IdOnly(ObjectKind kind, const std::string& id, std::index_sequence<kIndex...>) {
  DataObject object;
  ((static_cast<size_t>(kind) == kIndex ? static_cast<void>(object.emplace<kIndex>())
                                        : static_cast<void>(0)),
   ...);
  BaseOf(object).id = id;
  return object;
}
DataObject IdOnly(ObjectKind kind, const std::string& id) {
  return IdOnly(kind, id, std::make_index_sequence<std::variant_size_v<DataObject>>());
}

Status DeleteDependents(StoreWriter& tx, ObjectKind kind, const std::string& id) {
  if (kind == ObjectKind::kAgenda) return tx.DeleteReadyAgendasOf(id).status();
  if (kind != ObjectKind::kAgendaProgress) return Status::Ok();
  ObjectQuery query;
  query.equals.push_back({"agendaProgressId", id});
  query.scope = VisibilityScope::Everything();
  query.limit = kUnlimited;
  POP_ASSIGN_OR_RETURN(auto ops, tx.Find(ObjectKind::kOperationProgress, query));
  for (const auto& op : ops) {
    POP_RETURN_IF_ERROR(tx.Delete(ObjectKind::kOperationProgress, *BaseOf(op).id).status());
  }
  return Status::Ok();
}

// A write to a stored object: allowed under the write rule; otherwise an object the caller may
// read (a global insight, say) answers 403, and one it may not read answers `invisible`, exactly
// what an absent object would get where that is possible, so that no answer tells another
// tenant's object exists or who owns it.
Status CheckWritable(const AuthContext& auth, const DataObject& existing, Error invisible) {
  if (ScopeAllows(WriteScope(auth), existing)) return Status::Ok();
  if (ScopeAllows(ReadScope(KindOf(existing), auth), existing)) {
    return Status(ErrorCode::kPermissionDenied,
                  NoPermissionMessage(BaseOf(existing).customer_id.value_or("")));
  }
  return Status(std::move(invisible));
}

}  // namespace

DataObjectService::DataObjectService(Services services, ChangeFeed& changes)
    : services_(services), changes_(changes), submit_agenda_(services, changes) {}

Result<ObjectGetResult> DataObjectService::Get(const ObjectGet& request,
                                               const RequestContext& ctx) {
  ObjectQuery query;
  query.id = request.id;
  query.equals = request.equals;
  query.scope = ReadScope(request.kind, ctx.auth);
  query.limit = request.limit;
  query.newest_first = request.newest_first;
  query.updated_since = request.updated_since;
  ObjectGetResult result;
  Status status = services_.store.Read([&](StoreReader& reader) -> Status {
    if (request.count_only) {
      POP_ASSIGN_OR_RETURN(result.count, reader.Count(request.kind, query));
      return Status::Ok();
    }
    POP_ASSIGN_OR_RETURN(result.objects, reader.Find(request.kind, query));
    for (DataObject& object : result.objects) {
      POP_RETURN_IF_ERROR(
          AttachDerivedFields(reader, object, request.include_operation_progress, ctx.auth));
    }
    result.count = static_cast<int64_t>(result.objects.size());
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return result;
}

Result<DataObject> DataObjectService::Create(DataObject object, const RequestContext& ctx,
                                             const std::optional<std::string>& idempotency_key) {
  if (auto* agenda = std::get_if<Agenda>(&object)) {
    SubmitOptions options;
    options.idempotency_key = idempotency_key;
    POP_ASSIGN_OR_RETURN(Agenda created, submit_agenda_.Run(std::move(*agenda), ctx, options));
    return DataObject(std::move(created));
  }
  POP_RETURN_IF_ERROR(ValidateCreate(object));
  POP_RETURN_IF_ERROR(ValidateNumericRanges(object));
  ApplyCreateDefaults(object);
  EndpointObject& base = BaseOf(object);
  if (!ScopeAllowsCustomer(WriteScope(ctx.auth), *base.customer_id)) {
    return Error(ErrorCode::kPermissionDenied, NoPermissionMessage(*base.customer_id));
  }
  const Timestamp now = services_.clock.Now();
  base.added_time = now;
  base.updated_time = now;
  if (!base.id) base.id = services_.ids.NewId();
  StripDerivedFields(object);

  DataObject stored = object;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    stored = object;
    POP_ASSIGN_OR_RETURN(auto existing, tx.Get(KindOf(object), *base.id));
    if (!existing) {
      POP_RETURN_IF_ERROR(CheckCustomerSchedulingChange(tx, existing, object, ctx.auth));
      POP_RETURN_IF_ERROR(CheckPoolRules(tx, std::nullopt, object, ctx.auth));
      return tx.Put(object);
    }
    // POST onto an existing id merges (spec §4.7) — but only into an object the caller may
    // change; the original let any tenant overwrite another's object this way. An object the
    // caller cannot see is not named: ids are one namespace, so a taken id is all it learns.
    POP_RETURN_IF_ERROR(
        CheckWritable(ctx.auth, *existing, Error(ErrorCode::kConflict, IdTakenMessage(*base.id))));
    POP_RETURN_IF_ERROR(CheckCustomerSchedulingChange(tx, existing, object, ctx.auth));
    stored = SparseMerge(*existing, object);
    POP_RETURN_IF_ERROR(CheckPoolRules(tx, existing, stored, ctx.auth));
    return tx.Put(stored);
  });
  if (!status.ok()) return status.error();
  changes_.Publish(Change::ObjectChanged(stored));
  return object;
}

Result<std::vector<Agenda>> DataObjectService::CreateAgendas(
    std::vector<Agenda> agendas, const RequestContext& ctx,
    const std::optional<std::string>& idempotency_key) {
  SubmitOptions options;
  options.idempotency_key = idempotency_key;
  options.name_elements = true;
  return submit_agenda_.RunBatch(std::move(agendas), ctx, options);
}

Result<DataObject> DataObjectService::Update(const std::string& id, DataObject patch,
                                             const RequestContext& ctx) {
  POP_RETURN_IF_ERROR(ValidateNumericRanges(patch));
  const Timestamp now = services_.clock.Now();
  const ObjectKind kind = KindOf(patch);
  const std::string retry_ready_id = services_.ids.NewId();
  DataObject result;
  std::optional<ReadyAgenda> retry;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    if (kind == ObjectKind::kAgendaProgress) {
      AgendaProgressUpdate update{id,  std::get<AgendaProgress>(patch), &ctx.auth,
                                  now, services_.retry_backoff,         retry_ready_id};
      POP_ASSIGN_OR_RETURN(AgendaProgressUpdateResult updated,
                           ApplyAgendaProgressUpdate(tx, update));
      result = std::move(updated.stored);
      retry = std::move(updated.retry);
      return Status::Ok();
    }
    POP_ASSIGN_OR_RETURN(auto existing, tx.Get(kind, id));
    if (!existing) return Status(ErrorCode::kNotFound, UnableToGetMessage(id));
    const auto scope = WriteScope(ctx.auth);
    POP_RETURN_IF_ERROR(
        CheckWritable(ctx.auth, *existing, Error(ErrorCode::kNotFound, UnableToGetMessage(id))));
    POP_RETURN_IF_ERROR(ValidateWeight(patch));
    POP_RETURN_IF_ERROR(CheckCustomerSchedulingChange(tx, existing, patch, ctx.auth));
    EndpointObject& base = BaseOf(patch);
    if (base.customer_id && base.customer_id != BaseOf(*existing).customer_id &&
        !ScopeAllowsCustomer(scope, *base.customer_id)) {
      return Status(ErrorCode::kPermissionDenied, NoPermissionMessage(*base.customer_id));
    }
    base.id = id;
    base.added_time.reset();
    base.updated_time = now;
    StripDerivedFields(patch);
    result = SparseMerge(*existing, patch);
    POP_RETURN_IF_ERROR(CheckPoolRules(tx, existing, result, ctx.auth));
    return tx.Put(result);
  });
  if (!status.ok()) return status.error();
  changes_.Publish(Change::ObjectChanged(result));
  if (retry) changes_.Publish(Change::ReadyAdded(*retry));
  return result;
}

Result<std::optional<DataObject>> DataObjectService::Delete(ObjectKind kind, const std::string& id,
                                                            const RequestContext& ctx) {
  std::optional<DataObject> deleted;
  Status status = services_.store.Write([&](StoreWriter& tx) -> Status {
    deleted.reset();
    Result<std::optional<DataObject>> read = tx.Get(kind, id);
    if (!read.ok() && read.error().code == ErrorCode::kValidation &&
        WriteScope(ctx.auth).everything) {
      // A row that cannot be read back (stored too deep by an older version): whose it is cannot
      // be told, so only a caller who may change everything removes it; the answer carries its id.
      POP_ASSIGN_OR_RETURN(bool removed, tx.Delete(kind, id));
      if (removed) deleted = IdOnly(kind, id);
      return DeleteDependents(tx, kind, id);
    }
    POP_ASSIGN_OR_RETURN(auto existing, std::move(read));
    if (!existing) return Status::Ok();
    // Deleting an object the caller cannot see answers as for an absent one: nothing deleted.
    if (!ScopeAllows(ReadScope(kind, ctx.auth), *existing)) return Status::Ok();
    POP_RETURN_IF_ERROR(CheckWritable(ctx.auth, *existing, Error(ErrorCode::kNotFound, "")));
    POP_RETURN_IF_ERROR(tx.Delete(kind, id).status());
    POP_RETURN_IF_ERROR(DeleteDependents(tx, kind, id));
    deleted = std::move(existing);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  if (deleted) {
    if (kind == ObjectKind::kAgenda) changes_.Publish(Change::AgendaDeleted(id));
    changes_.Publish(Change::ObjectDeleted(kind, id, deleted));  // the streams check who saw it
  }
  return deleted;
}

}  // namespace pop::app
