// The rerun reset of spec §8.2 (ProgressResetProcessor): which operations a rerun resets and
// which generated operations it deletes, from the request's params and the agenda. Pure.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/agenda.h"
#include "core/model/operation_progress.h"

namespace pop {

struct RerunParams {
  bool reset_all = false;
  std::optional<std::vector<std::string>> operations_to_reset;  // as given, split on ','
  bool continue_only = false;
  bool skip_execution = false;
};

// Parses the request's `params` list ("name" or "name=value", split at the first '='; unknown
// names, nulls and empty strings ignored; names case-sensitive). With none of resetAll,
// operationsToReset and continue, resetAll applies.
RerunParams ParseRerunParams(const std::vector<std::string>& params);

struct ResetPlan {
  std::set<std::string> reset;   // operations whose progress goes back to WAITING/pending
  std::set<std::string> remove;  // generated operations removed with their progress
};

// Errors (kValidation): "params is invalid - operationsToReset has no operations specified",
// "params is invalid - operationsToReset has the following invalid operation names: x,y".
// `continue` alone resets nothing (an empty plan).
[[nodiscard]] Result<ResetPlan> PlanReset(const Agenda& agenda,
                                          const std::vector<OperationProgress>& progress,
                                          const RerunParams& params);

}  // namespace pop
