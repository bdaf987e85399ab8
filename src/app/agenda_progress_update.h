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
#include "core/model/agenda.h"
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
  // Set by a caller that deleted the agenda's claim fence in this transaction already
  // (StoreWriter::DeleteHeldReadyClaim): an update into COMPLETE then deletes no confirmed entry.
  bool fence_deleted = false;
};

struct AgendaProgressUpdateResult {
  AgendaProgress stored;             // after the update, without operationProgress
  std::optional<ReadyAgenda> retry;  // the ready entry of an automatic retry
};

// An update that moves the progress into COMPLETE ends the execution: the agenda's claim fence
// (its confirmed ready entry, docs/design/scheduler.md) is deleted.
// Errors: kNotFound "Unable to get object by id <id>" (missing or invisible), kPermissionDenied,
// kValidation (an embedded OperationProgress names no operation).
[[nodiscard]] Result<AgendaProgressUpdateResult> ApplyAgendaProgressUpdate(
    StoreWriter& tx, const AgendaProgressUpdate& update);
// The same, for a caller that has already read the progress `update.id` in this transaction:
// `found` is that read (nullopt when it was absent), so it is not read and decoded again.
[[nodiscard]] Result<AgendaProgressUpdateResult> ApplyAgendaProgressUpdate(
    StoreWriter& tx, const AgendaProgressUpdate& update, std::optional<DataObject> found);

// Where the OperationProgress of `operation` in the AgendaProgress `progress_id` is, or is to be
// created: `id` and, when it exists, the stored record. Its id is `<progressId>-<operation>`
// (spec §5.6) unless another agenda progress's record already has that id: both parts are
// client-chosen, so two agendas' ids can collide, and a record is never shared or taken over.
// Then the record is found by its fields, or gets the first free id `<progressId>-<operation>~N`
// (N = 2, 3, ...). kConflict when no free id is found within a bound.
struct OperationProgressSlot {
  std::string id;
  std::optional<DataObject> existing;
};
[[nodiscard]] Result<OperationProgressSlot> LocateOperationProgress(StoreReader& tx,
                                                                    const std::string& progress_id,
                                                                    const std::string& operation);

// Upserts one OperationProgress of `progress` (spec §5.6 step 2): sparse-merge onto the stored
// record, or create it as WAITING (unless a state is given) with the progress's customer and cid.
// A client-given `op.id` is used only when it names a record of this progress; otherwise the
// record is located as LocateOperationProgress says.
[[nodiscard]] Status UpsertOperationProgress(StoreWriter& tx, const AgendaProgress& progress,
                                             OperationProgress op, Timestamp now);

// The agenda `agenda_id`, when `auth` may read it, and its stored AgendaProgress (without
// operationProgress), read in `tx`: what cancel, pause and rerun act on. kNotFound "Agenda <id>
// not found" when it is missing or invisible (never saying which), "AgendaProgress <id> not
// found" when its progress is missing.
struct VisibleAgenda {
  Agenda agenda;
  AgendaProgress progress;
};
[[nodiscard]] Result<VisibleAgenda> ReadVisibleAgenda(StoreReader& tx, const std::string& agenda_id,
                                                      const AuthContext& auth);

// Every OperationProgress of the AgendaProgress `progress_id` (no visibility restriction).
[[nodiscard]] Result<std::vector<OperationProgress>> OperationProgressOf(
    StoreReader& tx, const std::string& progress_id);

}  // namespace pop::app
