#include "app/customer_scheduling_rule.h"

#include <algorithm>
#include <string>
#include <vector>

#include "app/pool_authority.h"

namespace pop::app {
namespace {

Status Refused(const std::string& customer, const char* field, const std::string& pool) {
  std::string where =
      pool.empty() ? "a resource pool (the Customer has none)" : "resource pool " + pool;
  return Status(ErrorCode::kPermissionDenied, "Only a super user or the owner of " + where +
                                                  " may change the " + field +
                                                  " field of Customer " + customer + ".");
}

}  // namespace

Status CheckCustomerSchedulingChange(StoreReader& reader, const std::optional<DataObject>& existing,
                                     const DataObject& incoming, const AuthContext& auth) {
  const auto* next = std::get_if<Customer>(&incoming);
  if (next == nullptr || auth.IsGlobal()) return Status::Ok();
  const Customer* stored = existing ? std::get_if<Customer>(&*existing) : nullptr;
  const bool had_weight = stored != nullptr && stored->weight.has_value();
  const bool weight_changes =
      next->weight.has_value() && (!had_weight || *next->weight != *stored->weight);
  std::optional<std::string> stored_pool = stored ? stored->resource_pool_id : std::nullopt;
  const bool pool_changes = next->resource_pool_id && next->resource_pool_id != stored_pool;
  const std::string customer = next->id.value_or(stored ? stored->id.value_or("") : "");

  // The pools whose owner must agree, and the field each check is for.
  std::vector<std::pair<std::string, const char*>> checks;
  if (weight_changes) {
    checks.emplace_back(stored_pool.value_or(next->resource_pool_id.value_or("")), "weight");
  }
  if (pool_changes) {
    if (stored_pool) checks.emplace_back(*stored_pool, "resourcePoolId");
    checks.emplace_back(*next->resource_pool_id, "resourcePoolId");
  }
  for (const auto& [pool, field] : checks) {
    bool owns = false;
    if (!pool.empty()) {
      POP_ASSIGN_OR_RETURN(owns, OwnsPool(reader, pool, auth));
    }
    if (!owns) return Refused(customer, field, pool);
  }
  return Status::Ok();
}

}  // namespace pop::app
