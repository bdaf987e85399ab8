// Who may change a Customer's scheduling fields, `weight` and `resourcePoolId`: a super user
// (global caller) or the owner of the resource pool concerned, so that a customer cannot raise
// its own share of a pool or move itself into one (docs/security.md, "Tokens").
#pragma once

#include <optional>

#include "core/access/auth_context.h"
#include "core/base/result.h"
#include "core/model/data_object.h"
#include "ports/store.h"

namespace pop::app {

// `incoming` is a new object or a patch of `existing` (nullopt when there is none). Changing
// `weight` needs the owner of the customer's pool (the stored one, else the incoming one);
// changing `resourcePoolId` needs the owner of the pool it leaves (if any) and of the pool it
// joins. Objects of other kinds, and fields sent unchanged, always pass.
// Errors: kPermissionDenied naming the field and the pool.
[[nodiscard]] Status CheckCustomerSchedulingChange(StoreReader& reader,
                                                   const std::optional<DataObject>& existing,
                                                   const DataObject& incoming,
                                                   const AuthContext& auth);

}  // namespace pop::app
