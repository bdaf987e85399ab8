// DevWorkspace: what `pop dev` creates on first start so that a new user can submit at once:
// resource pool "dev-pool" (its handlerTypes: the registry's types, set again at every start), a
// global Insight "dev" whose mappers take every operation type the
// local registry knows, and Customer "dev" in that pool. Existing objects are left alone (a
// user's edits survive restarts), except that the insight's mappers gain newly registered types.
#pragma once

#include <string>
#include <vector>

#include "app/data_object_service.h"

namespace pop::app {

inline constexpr char kDevPoolId[] = "dev-pool";
inline constexpr char kDevInsightId[] = "dev";
inline constexpr char kDevCustomerId[] = "dev";

[[nodiscard]] Status EnsureDevWorkspace(DataObjectService& data,
                                        const std::vector<std::string>& operation_types);

}  // namespace pop::app
