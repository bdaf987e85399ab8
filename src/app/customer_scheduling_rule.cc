#include "app/customer_scheduling_rule.h"

#include <algorithm>
#include <string>
#include <vector>

#include "app/pool_authority.h"
#include "core/access/visibility.h"

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

Status ValidateCustomerWeight(double weight) {
  if (!(weight >= 0.001 && weight <= 1000.0)) {
    return Status(ErrorCode::kValidation,
                  "Issues detected: The weight field must be between 0.001 and 1000.");
  }
  return Status::Ok();
}

Result<Customer> SetCustomerWeight(StoreWriter& tx, const std::string& customer_id,
                                   std::optional<double> weight, const AuthContext& auth,
                                   Timestamp now) {
  if (customer_id.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error(ErrorCode::kValidation, "customerId is required on setCustomerWeight");
  }
  if (!weight) return Error(ErrorCode::kValidation, "weight is required on setCustomerWeight");
  POP_RETURN_IF_ERROR(ValidateCustomerWeight(*weight));
  Error not_found(ErrorCode::kNotFound, "Customer " + customer_id + " not found");
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kCustomer, customer_id));
  if (!found) return not_found;
  Customer customer = std::get<Customer>(std::move(*found));
  const std::string pool = customer.resource_pool_id.value_or("");
  bool owns = auth.IsGlobal();
  if (!owns && !pool.empty()) {
    POP_ASSIGN_OR_RETURN(owns, OwnsPool(tx, pool, auth));
  }
  if (!owns) {
    if (!ScopeAllows(ReadScope(ObjectKind::kCustomer, auth), DataObject(customer))) {
      return not_found;
    }
    return Refused(customer_id, "weight", pool).error();
  }
  customer.weight = *weight;
  customer.updated_time = now;
  POP_RETURN_IF_ERROR(tx.Put(DataObject(customer)));
  return customer;
}

Status CheckCustomerSchedulingChange(StoreReader& reader, const std::optional<DataObject>& existing,
                                     const DataObject& incoming, const AuthContext& auth) {
  const auto* next = std::get_if<Customer>(&incoming);
  if (next == nullptr) return Status::Ok();
  const Customer* stored = existing ? std::get_if<Customer>(&*existing) : nullptr;
  if (auth.IsGlobal()) {
    // A super user may point a customer at any pool that exists.
    const bool moves = next->resource_pool_id &&
                       (stored == nullptr || next->resource_pool_id != stored->resource_pool_id);
    if (!moves) return Status::Ok();
    POP_ASSIGN_OR_RETURN(auto pool, reader.Get(ObjectKind::kResourcePool, *next->resource_pool_id));
    if (pool) return Status::Ok();
    return Status(ErrorCode::kValidation,
                  "Issues detected: The resourcePoolId field names a ResourcePool that was not "
                  "found: " +
                      *next->resource_pool_id);
  }
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
