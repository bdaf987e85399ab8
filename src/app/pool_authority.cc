#include "app/pool_authority.h"

#include "core/access/visibility.h"

namespace pop::app {
namespace {

Status PoolNotUsable(const std::string& field, const std::string& pool_id) {
  return Status(ErrorCode::kValidation, "Issues detected: The " + field +
                                            " field names a ResourcePool that was not found or "
                                            "that you do not own: " +
                                            pool_id);
}

Status CheckInsight(StoreReader& tx, const Insight* before, const Insight& after,
                    const AuthContext& auth) {
  const bool pool_changes = before == nullptr || before->resource_pool_id != after.resource_pool_id;
  const bool becomes_global =
      after.is_global.value_or(false) && (before == nullptr || !before->is_global.value_or(false));
  if (!pool_changes && !becomes_global) return Status::Ok();
  if (!after.resource_pool_id) {
    if (becomes_global && !auth.IsGlobal()) {
      return Status(ErrorCode::kValidation,
                    "Issues detected: Only a super user may make an Insight without a "
                    "resourcePoolId global (isGlobal).");
    }
    return Status::Ok();
  }
  POP_ASSIGN_OR_RETURN(bool owns, OwnsPool(tx, *after.resource_pool_id, auth));
  if (!owns) return PoolNotUsable("resourcePoolId", *after.resource_pool_id);
  return Status::Ok();
}

}  // namespace

Result<bool> OwnsPool(StoreReader& tx, const std::string& pool_id, const AuthContext& auth) {
  POP_ASSIGN_OR_RETURN(auto pool, tx.Get(ObjectKind::kResourcePool, pool_id));
  if (!pool) return false;  // nobody owns a pool that does not exist, not even a super user
  return auth.IsGlobal() || ScopeAllows(OwnerScope(auth), *pool);
}

Status CheckPoolRules(StoreReader& tx, const std::optional<DataObject>& before,
                      const DataObject& after, const AuthContext& auth) {
  if (const auto* insight = std::get_if<Insight>(&after)) {
    const Insight* stored = before ? std::get_if<Insight>(&*before) : nullptr;
    return CheckInsight(tx, stored, *insight, auth);
  }
  return Status::Ok();
}

Result<bool> MayActForInsight(StoreReader& tx, const std::string& insight_id,
                              const AuthContext& auth) {
  POP_ASSIGN_OR_RETURN(auto found, tx.Get(ObjectKind::kInsight, insight_id));
  if (!found) return false;
  if (ScopeAllows(OwnerScope(auth), *found)) return true;
  const auto& pool_id = std::get<Insight>(*found).resource_pool_id;
  if (!pool_id) return false;
  return OwnsPool(tx, *pool_id, auth);
}

}  // namespace pop::app
