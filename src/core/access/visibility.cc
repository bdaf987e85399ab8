#include "core/access/visibility.h"

#include <algorithm>
#include <cctype>

namespace pop {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool HasGlobalAndAllowedRules(ObjectKind kind) {
  return kind == ObjectKind::kAgendaTemplate || kind == ObjectKind::kInsight;
}

const std::optional<bool>* IsGlobalOf(const DataObject& object) {
  if (const auto* t = std::get_if<AgendaTemplate>(&object)) return &t->is_global;
  if (const auto* i = std::get_if<Insight>(&object)) return &i->is_global;
  return nullptr;
}

const std::optional<AllowedCustomerIds>* AllowedOf(const DataObject& object) {
  if (const auto* t = std::get_if<AgendaTemplate>(&object)) return &t->allowed_customer_ids;
  if (const auto* i = std::get_if<Insight>(&object)) return &i->allowed_customer_ids;
  return nullptr;
}

}  // namespace

VisibilityScope ReadScope(ObjectKind kind, const AuthContext& auth) {
  VisibilityScope scope = OwnerScope(auth);
  if (HasGlobalAndAllowedRules(kind)) {
    scope.global_objects = true;
    scope.allowed_customers = true;
  }
  return scope;
}

VisibilityScope WriteScope(const AuthContext& auth) { return OwnerScope(auth); }

VisibilityScope OwnerScope(const AuthContext& auth) {
  VisibilityScope scope;
  scope.everything = auth.IsGlobal();
  scope.accounts = auth.accounts;
  return scope;
}

bool ScopeAllowsCustomer(const VisibilityScope& scope, const std::string& customer_id) {
  if (scope.everything) return true;
  return std::find(scope.accounts.begin(), scope.accounts.end(), customer_id) !=
         scope.accounts.end();
}

bool ScopeAllows(const VisibilityScope& scope, const DataObject& object) {
  if (scope.everything) return true;
  const EndpointObject& base = BaseOf(object);
  if (base.customer_id.has_value() && ScopeAllowsCustomer(scope, *base.customer_id)) return true;
  if (scope.global_objects) {
    const auto* is_global = IsGlobalOf(object);
    if (is_global != nullptr && is_global->value_or(false)) return true;
  }
  if (scope.allowed_customers) {
    const auto* allowed = AllowedOf(object);
    if (allowed != nullptr && allowed->has_value() && !(*allowed)->ids.empty()) {
      for (const auto& account : scope.accounts) {
        const auto& ids = (*allowed)->ids;
        if (std::find(ids.begin(), ids.end(), Lower(account)) != ids.end()) return true;
      }
    }
  }
  return false;
}

}  // namespace pop
