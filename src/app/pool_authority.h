// Who may act for a Resource Pool (docs/security.md, "Who may do what"). A pool's owner is the
// customer named by its `customerId`; the pool owner decides which insights its pool pulls and
// which customers send work to it, and only the pool that holds an agenda's claim may report on
// that agenda. The rules read the store inside the caller's transaction. Stateless.
#pragma once

#include <optional>
#include <string>

#include "core/access/auth_context.h"
#include "core/base/result.h"
#include "core/model/data_object.h"
#include "ports/store.h"

namespace pop::app {

// True when the pool `pool_id` exists and `auth` is global or its customerId is one of auth's
// accounts.
[[nodiscard]] Result<bool> OwnsPool(StoreReader& tx, const std::string& pool_id,
                                    const AuthContext& auth);

// The pool rules of an Insight write: an Insight that names a resourcePoolId (on create, or when
// it changes), or becomes global, needs the owner of that pool (a global insight without a pool:
// a super user). Customers pointed at a pool: app/customer_scheduling_rule.h. `before` is the
// stored object of an update (nullopt on create), `after` the object as it would be stored.
// kValidation naming the field, with the same message whether the pool is absent or another's.
[[nodiscard]] Status CheckPoolRules(StoreReader& tx, const std::optional<DataObject>& before,
                                    const DataObject& after, const AuthContext& auth);

// The Resource Pool services that act on a claimed agenda (updateAgendaProgress, updateAgenda,
// the operation log) are for whoever may claim from its insight: a global caller, the insight's
// owner (as getAgenda requires), or the owner of the insight's pool. False when the insight is
// gone.
[[nodiscard]] Result<bool> MayActForInsight(StoreReader& tx, const std::string& insight_id,
                                            const AuthContext& auth);

}  // namespace pop::app
