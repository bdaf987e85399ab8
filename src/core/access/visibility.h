// Visibility rules of spec §4.4: which objects a caller may read or change. The same rules are
// pushed into store queries (VisibilityScope) and checked on single objects (ScopeAllows).
#pragma once

#include <string>
#include <vector>

#include "core/access/auth_context.h"
#include "core/model/data_object.h"

namespace pop {

// An object is visible when ANY enabled rule matches.
struct VisibilityScope {
  bool everything = false;            // global visibility or the service user
  std::vector<std::string> accounts;  // CustomerFilter: object.customerId equals one (exact case)
  bool global_objects = false;        // GlobalObjectFilter: object.isGlobal == true
  bool allowed_customers = false;     // AllowedCustomerFilter: a lower-cased account is listed

  static VisibilityScope Everything() {
    VisibilityScope scope;
    scope.everything = true;
    return scope;
  }
};

// GET rule: AgendaTemplate and Insight: AnyMatch(Customer, GlobalObject, AllowedCustomer);
// every other kind: Customer.
VisibilityScope ReadScope(ObjectKind kind, const AuthContext& auth);
// POST/PUT/DELETE rule for every kind: Customer.
VisibilityScope WriteScope(const AuthContext& auth);
// Only the CustomerFilter, whatever the kind (e.g. getAgenda's insight ownership check).
VisibilityScope OwnerScope(const AuthContext& auth);

bool ScopeAllows(const VisibilityScope& scope, const DataObject& object);
// The CustomerFilter alone applied to a customer id (POST checks on a new object).
bool ScopeAllowsCustomer(const VisibilityScope& scope, const std::string& customer_id);

}  // namespace pop
