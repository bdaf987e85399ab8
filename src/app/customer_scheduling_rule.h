// Who may change a Customer's scheduling fields, `weight` and `resourcePoolId`: a super user
// (global caller) or the owner of the resource pool concerned, so that a customer cannot raise
// its own share of a pool or move itself into one (docs/security.md, "Tokens").
#pragma once

#include <optional>
#include <string>

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

// Customer.weight (its WeightedFair share) must be usable: 0.001 to 1000. Errors: kValidation.
[[nodiscard]] Status ValidateCustomerWeight(double weight);

// The pool owner's way to set the weight of a customer in its pool (POST
// /resourcepool/service/setCustomerWeight): only `weight` changes, so the owner needs no right to
// write the rest of the Customer. Returns the stored Customer. Errors: kValidation (no customerId,
// no weight, out of range); kNotFound "Customer <id> not found" when it does not exist or the
// caller can neither read it nor owns its pool (invisible looks like absent); kPermissionDenied
// (as CheckCustomerSchedulingChange) when the caller can read it but does not own its pool.
[[nodiscard]] Result<Customer> SetCustomerWeight(StoreWriter& tx, const std::string& customer_id,
                                                 std::optional<double> weight,
                                                 const AuthContext& auth, Timestamp now);

}  // namespace pop::app
