// The AgendaProgress PUT of spec §5.6, as a step inside a store transaction, shared by the data
// route, the resource-pool service, rerun and the reclaimer: upserts each embedded
// OperationProgress (`<progressId>-<operation>`), applies the attemptsCompleted rule and
// sparse-merges the rest. `operationProgress` itself is never stored on the AgendaProgress.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/access/auth_context.h"
#include "core/base/result.h"
#include "core/model/agenda_progress.h"
#include "ports/store.h"

namespace pop::app {

struct AgendaProgressUpdate {
  std::string id;
  AgendaProgress patch;
  const AuthContext* auth = nullptr;  // whose GET and PUT rules apply
  Timestamp now;
  // When set, an update that moves the progress into COMPLETE/failed with attempts left
  // (core/progress/retry_rule.h) reruns the agenda with `continue` in the same transaction: the
  // progress goes back to WAITING/"pending" and a ready entry (id `retry_ready_id`) is added,
  // not to be scheduled before now + backoff. Once per failure: the transition happens once.
  std::optional<Duration> retry_backoff;
  std::string retry_ready_id;
};

struct AgendaProgressUpdateResult {
  AgendaProgress stored;             // after the update, without operationProgress
  std::optional<ReadyAgenda> retry;  // the ready entry of an automatic retry
};

// Errors: kNotFound "Unable to get object by id <id>" (missing or invisible), kPermissionDenied,
// kValidation (an embedded OperationProgress names no operation).
[[nodiscard]] Result<AgendaProgressUpdateResult> ApplyAgendaProgressUpdate(
    StoreWriter& tx, const AgendaProgressUpdate& update);

// Upserts one OperationProgress of `progress` (spec §5.6 step 2): sparse-merge onto the stored
// record, or create it as WAITING (unless a state is given) with the progress's customer and cid.
[[nodiscard]] Status UpsertOperationProgress(StoreWriter& tx, const AgendaProgress& progress,
                                             OperationProgress op, Timestamp now);

// Every OperationProgress of the AgendaProgress `progress_id` (no visibility restriction).
[[nodiscard]] Result<std::vector<OperationProgress>> OperationProgressOf(
    StoreReader& tx, const std::string& progress_id);

}  // namespace pop::app
