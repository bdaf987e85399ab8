#include "app/dev_workspace.h"

#include <algorithm>

#include "core/validate/operation_types.h"

namespace pop::app {
namespace {

Result<std::optional<DataObject>> Find(DataObjectService& data, ObjectKind kind,
                                       const std::string& id, const RequestContext& ctx) {
  ObjectGet get;
  get.kind = kind;
  get.id = id;
  get.include_operation_progress = false;
  POP_ASSIGN_OR_RETURN(ObjectGetResult found, data.Get(get, ctx));
  if (found.objects.empty()) return std::optional<DataObject>();
  return std::optional<DataObject>(std::move(found.objects.front()));
}

// The registry's types: what the dev pool announces (the resident types run everywhere).
std::vector<std::string> RegisteredTypes(const std::vector<std::string>& operation_types) {
  std::vector<std::string> registered;
  const auto& resident = ResidentOperationTypes();
  for (const std::string& type : operation_types) {
    if (std::find(resident.begin(), resident.end(), type) == resident.end()) {
      registered.push_back(type);
    }
  }
  return registered;
}

}  // namespace

Status EnsureDevWorkspace(DataObjectService& data,
                          const std::vector<std::string>& operation_types) {
  const RequestContext ctx{AuthContext::Service(), std::nullopt, "dev-workspace"};
  POP_ASSIGN_OR_RETURN(auto pool, Find(data, ObjectKind::kResourcePool, kDevPoolId, ctx));
  if (!pool) {
    ResourcePool created;
    created.id = kDevPoolId;
    created.customer_id = kDevCustomerId;
    created.title = "pop dev pool";
    created.handler_types = RegisteredTypes(operation_types);
    POP_RETURN_IF_ERROR(data.Create(created, ctx, std::nullopt).status());
  } else if (std::get<ResourcePool>(*pool).handler_types != RegisteredTypes(operation_types)) {
    ResourcePool patch;  // the registry is the truth of what this pool runs
    patch.handler_types = RegisteredTypes(operation_types);
    POP_RETURN_IF_ERROR(data.Update(kDevPoolId, patch, ctx).status());
  }
  POP_ASSIGN_OR_RETURN(auto insight, Find(data, ObjectKind::kInsight, kDevInsightId, ctx));
  if (!insight) {
    Insight created;
    created.id = kDevInsightId;
    created.customer_id = kDevCustomerId;
    created.title = "dev";
    created.resource_pool_id = kDevPoolId;
    created.queue_name = "dev";
    created.queue_size = 100;
    created.scheduling_algorithm = SchedulingAlgorithm::kFirstInFirstOut;
    created.is_global = true;
    created.mappers = InsightMappers{{{"operationType", operation_types}}};
    POP_RETURN_IF_ERROR(data.Create(created, ctx, std::nullopt).status());
  } else {
    // Types registered since the last start join the mapper.
    const auto& existing = std::get<Insight>(*insight);
    InsightMappers mappers = existing.mappers.value_or(InsightMappers{});
    auto it = std::find_if(mappers.entries.begin(), mappers.entries.end(),
                           [](const auto& entry) { return entry.first == "operationType"; });
    if (it == mappers.entries.end()) {
      mappers.entries.emplace_back("operationType", std::vector<std::string>{});
      it = mappers.entries.end() - 1;
    }
    bool changed = false;
    for (const std::string& type : operation_types) {
      if (std::find(it->second.begin(), it->second.end(), type) == it->second.end()) {
        it->second.push_back(type);
        changed = true;
      }
    }
    if (changed) {
      Insight patch;
      patch.mappers = std::move(mappers);
      POP_RETURN_IF_ERROR(data.Update(kDevInsightId, patch, ctx).status());
    }
  }
  POP_ASSIGN_OR_RETURN(auto customer, Find(data, ObjectKind::kCustomer, kDevCustomerId, ctx));
  if (!customer) {
    Customer created;
    created.id = kDevCustomerId;
    created.customer_id = kDevCustomerId;
    created.title = "dev";
    created.resource_pool_id = kDevPoolId;
    POP_RETURN_IF_ERROR(data.Create(created, ctx, std::nullopt).status());
  }
  return Status::Ok();
}

}  // namespace pop::app
