// Whether a resource pool can run every operation of an agenda, decided at submit from the
// operation types the pool announces (ResourcePool.handlerTypes). Pure. The rule, and what
// happens when a pool announces nothing: docs/handlers.md#types-checked-at-submit.
#pragma once

#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/agenda.h"
#include "core/model/insight.h"
#include "core/model/resource_pool.h"

namespace pop {

// The types every pop executor runs inside itself (app/resident_launcher.h), whatever the pool's
// registry holds.
const std::vector<std::string>& ResidentOperationTypes();

// Ok when the pool announces no handler types (absent: nothing is known yet, so nothing is
// refused), or when every operation's type is a resident type, one of them, or named by an
// `operationType` mapper of one of `insights` (the pool's insights the customer may use: an
// insight configured for a type says a puller of its own runs it; compared ignoring case, as
// insight selection compares). Otherwise
// kValidation naming the first operation that no handler runs, its type and the pool:
//   "Operation 'o1' has type 'ech' that no handler of resource pool 'dev-pool' runs (did you mean
//    'echo'?); it runs:
//    echo, sample (and the resident noop, logMessages, updateAgenda)".
// An operation without a type is named as type '' (the validator accepts it; no handler runs it).
Status CheckOperationTypes(const Agenda& agenda, const ResourcePool& pool,
                           const std::vector<Insight>& insights = {});

}  // namespace pop
