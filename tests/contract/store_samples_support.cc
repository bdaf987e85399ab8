#include "contract/store_samples_support.h"

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"

namespace pop::testing {

Timestamp At(int64_t millis) { return Timestamp::FromMillis(millis); }

namespace {

void FillBase(EndpointObject& base, const std::string& id, const std::string& customer_id) {
  base.id = id;
  base.cid = "cid-" + id;
  base.customer_id = customer_id;
  base.title = "Title of " + id;
  base.added_time = At(1'700'000'000'000);
  base.updated_time = At(1'700'000'000'500);
}

Json SampleParams() {
  return Json(
      JsonObject{{"externalId", "ext-1"},
                 {"maximumAttempts", 5},
                 {"doNotRun", false},
                 {"ratio", 0.25},
                 {"nested", Json(JsonObject{{"list", Json(JsonArray{1, "two", nullptr})}})}});
}

DiagnosticEvent SampleEvent() {
  DiagnosticEvent event;
  event.message = "disk \"quota\" reached";
  event.status_code = "507";
  event.time = At(1'700'000'000'100);
  event.stack_trace = "at line 1\n\tat line 2";
  event.payload = Json(JsonObject{{"free", 0}, {"unit", "bytes"}});
  return event;
}

AgendaInsight SampleAgendaInsight() {
  AgendaInsight insight;
  insight.resource_pool_id = "pool-1";
  insight.insight_id = "insight-1";
  return insight;
}

Agenda FullAgenda(const std::string& id, const std::string& customer_id) {
  Agenda agenda;
  FillBase(agenda, id, customer_id);
  Operation first;
  first.id = "op-id-1";
  first.name = "first";
  first.type = "sample";
  first.payload = Json(JsonObject{{"text", "héllo ✓"}, {"count", 3}, {"big", 1.5e300}});
  first.params = Json(JsonObject{{"priority", 7}});
  Operation second;
  second.name = "second";
  second.type = "sample";
  second.payload = Json("@<first.out::/text>");
  second.params = Json(JsonObject{{"dependsOn", "first"}});
  agenda.operations = std::vector<Operation>{first, second};
  agenda.params = SampleParams();
  agenda.job_id = "job-1";
  agenda.link_id = "link-1";
  agenda.progress_id = "progress-of-" + id;
  agenda.agenda_insight = SampleAgendaInsight();
  return agenda;
}

AgendaTemplate FullAgendaTemplate(const std::string& id, const std::string& customer_id) {
  AgendaTemplate agenda_template;
  FillBase(agenda_template, id, customer_id);
  agenda_template.allowed_customer_ids = AllowedCustomerIds{{"acme", "beta"}};
  agenda_template.is_global = true;
  agenda_template.static_parameters = Json(JsonObject{{"region", "eu"}});
  agenda_template.params = SampleParams();
  Agenda inner = FullAgenda("inner", customer_id);
  inner.id.reset();
  agenda_template.agenda = inner;
  agenda_template.is_default_template = false;
  return agenda_template;
}

Customer FullCustomer(const std::string& id, const std::string& customer_id) {
  Customer customer;
  FillBase(customer, id, customer_id);
  customer.billing_code = "bill-7";
  customer.resource_pool_id = "pool-1";
  return customer;
}

Insight FullInsight(const std::string& id, const std::string& customer_id) {
  Insight insight;
  FillBase(insight, id, customer_id);
  insight.allowed_customer_ids = AllowedCustomerIds{{"acme"}};
  insight.is_global = false;
  insight.resource_pool_id = "pool-1";
  insight.queue_name = "queue-1";
  insight.queue_size = 10;
  insight.scheduling_algorithm = SchedulingAlgorithm::kRoundRobin;
  insight.mappers = InsightMappers{{{"operationName", {"first", "second"}},
                                    {"paramMap", {"region=eu"}},
                                    {"operationType", {"sample"}}}};
  return insight;
}

ResourcePool FullResourcePool(const std::string& id, const std::string& customer_id) {
  ResourcePool pool;
  FillBase(pool, id, customer_id);
  pool.insight_ids = std::vector<std::string>{"insight-1", "insight-2"};
  return pool;
}

OperationProgress FullOperationProgress(const std::string& id, const std::string& customer_id) {
  OperationProgress progress;
  FillBase(progress, id, customer_id);
  progress.agenda_progress_id = "agenda-progress-1";
  progress.operation = "first";
  progress.processing_state = ProcessingState::kComplete;
  progress.processing_state_message = kMessageSucceeded;
  progress.diagnostic_events = std::vector<DiagnosticEvent>{SampleEvent()};
  progress.percent_complete = 100.0;
  progress.attempt_count = 2;
  progress.attempt_time = At(1'700'000'000'200);
  progress.started_time = At(1'700'000'000'150);
  progress.completed_time = At(1'700'000'000'300);
  progress.result_payload = R"({"text":"done"})";
  progress.params = SampleParams();
  return progress;
}

AgendaProgress FullAgendaProgress(const std::string& id, const std::string& customer_id) {
  AgendaProgress progress;
  FillBase(progress, id, customer_id);
  progress.agenda_id = "agenda-1";
  progress.link_id = "link-1";
  progress.external_id = "ext-1";
  progress.processing_state = ProcessingState::kExecuting;
  progress.processing_state_message = kMessageRunningOperations;
  progress.operation_progress =
      std::vector<OperationProgress>{FullOperationProgress(id + "-first", customer_id)};
  progress.diagnostic_events = std::vector<DiagnosticEvent>{SampleEvent(), SampleEvent()};
  progress.attempts_completed = 1;
  progress.maximum_attempts = kDefaultMaximumAttempts;
  progress.started_time = At(1'700'000'000'100);
  progress.completed_time = At(1'700'000'000'900);
  progress.percent_complete = 42.5;
  progress.params = SampleParams();
  progress.agenda_insight = SampleAgendaInsight();
  return progress;
}

}  // namespace

DataObject FullSample(ObjectKind kind, const std::string& id, const std::string& customer_id) {
  switch (kind) {
    case ObjectKind::kAgenda:
      return FullAgenda(id, customer_id);
    case ObjectKind::kAgendaTemplate:
      return FullAgendaTemplate(id, customer_id);
    case ObjectKind::kCustomer:
      return FullCustomer(id, customer_id);
    case ObjectKind::kInsight:
      return FullInsight(id, customer_id);
    case ObjectKind::kResourcePool:
      return FullResourcePool(id, customer_id);
    case ObjectKind::kAgendaProgress:
      return FullAgendaProgress(id, customer_id);
    case ObjectKind::kOperationProgress:
      return FullOperationProgress(id, customer_id);
  }
  return FullAgenda(id, customer_id);  // Not reached: every kind is handled above.
}

Agenda AgendaWith(const std::string& id, const std::string& customer_id) {
  Agenda agenda;
  agenda.id = id;
  agenda.customer_id = customer_id;
  return agenda;
}

Insight InsightWith(const std::string& id, const std::string& customer_id) {
  Insight insight;
  insight.id = id;
  insight.customer_id = customer_id;
  return insight;
}

AgendaProgress AgendaProgressWith(const std::string& id, const std::string& agenda_id) {
  AgendaProgress progress;
  progress.id = id;
  progress.customer_id = "acme";
  progress.agenda_id = agenda_id;
  return progress;
}

OperationProgress OperationProgressWith(const std::string& id,
                                        const std::string& agenda_progress_id) {
  OperationProgress progress;
  progress.id = id;
  progress.customer_id = "acme";
  progress.agenda_progress_id = agenda_progress_id;
  return progress;
}

std::vector<std::string> IdsOf(const std::vector<DataObject>& objects) {
  std::vector<std::string> ids;
  ids.reserve(objects.size());
  for (const DataObject& object : objects) ids.push_back(BaseOf(object).id.value_or("<no id>"));
  return ids;
}

std::string TextOf(const DataObject& object) { return ToJsonText(EncodeObject(object)); }

Status PutAgenda(Store& store, const std::string& id) {
  return store.Write([&](StoreWriter& writer) { return writer.Put(AgendaWith(id, "acme")); });
}

Result<int64_t> CountAgendas(Store& store) {
  int64_t count = -1;
  POP_RETURN_IF_ERROR(store.Read([&](StoreReader& reader) -> Status {
    ObjectQuery query;
    query.scope = VisibilityScope::Everything();
    POP_ASSIGN_OR_RETURN(count, reader.Count(ObjectKind::kAgenda, query));
    return Status::Ok();
  }));
  return count;
}

}  // namespace pop::testing
