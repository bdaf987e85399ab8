// SubmitAgenda: Agenda POST, spec §5.7. Validates (§6.1), selects the Insight (§7), and in ONE
// store transaction creates the AgendaProgress, one OperationProgress per operation, the Agenda
// and its ready entry (unless params.doNotRun is present): after a crash either all of it
// exists or none. A bulk submission (a JSON array) is the same for every element, all elements in
// that one transaction; a single Agenda is a batch of one. With an idempotency key, a repeated
// submission returns what the first one created. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/request_context.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/model/agenda.h"
#include "core/model/ready_agenda.h"

namespace pop::app {

struct SubmitOptions {
  std::optional<std::string> idempotency_key;
  // Acting identity for the visibility check of step 7 (the caller for a plain POST and a
  // template run; the agenda's own customer for createAgenda, whose caller is the pool owner).
  const AuthContext* acting_as = nullptr;
  // createAgenda (spec §10.4): only insights this identity owns are candidates.
  const AuthContext* insight_owner = nullptr;
  // A bulk submission: every error message starts with the index of the element it is about
  // ("[17]: ..."), even for a batch of one.
  bool name_elements = false;
};

// The ready entry of an agenda that may now be scheduled (submission or rerun).
ReadyAgenda ReadyEntryFor(const Agenda& agenda, const std::string& ready_id,
                          const std::string& insight_id, Timestamp now);

// Schedules the agenda again (rerun, automatic retry, recovery): adds its ready entry for the
// insight it was mapped to, not before `not_before` when set, unless it has one already (one
// that is still waiting or claimed schedules it: one ready entry per agenda). A confirmed entry
// (the fence of a running execution) is replaced. Returns the entry added, for the change feed
// once the transaction commits.
[[nodiscard]] Result<std::optional<ReadyAgenda>> AddReadyEntryUnlessScheduled(
    StoreWriter& tx, const Agenda& agenda, const std::string& ready_id, Timestamp now,
    std::optional<Timestamp> not_before = std::nullopt);

class SubmitAgenda {
 public:
  // `changes` learns of every ready entry created.
  SubmitAgenda(Services services, ChangeFeed& changes) : services_(services), changes_(changes) {}

  // Errors: kValidation (body, validator, unknown customer, an operation type no handler of the
  // pool runs), kNotFound (no insight),
  // kPermissionDenied (caller does not own customerId), kUnavailable (store), kConflict (the
  // idempotency key was first used with another agenda).
  [[nodiscard]] Result<Agenda> Run(Agenda agenda, const RequestContext& ctx,
                                   const SubmitOptions& options = {});

  // A bulk submission: each element as Run takes it, validated as a whole before anything is
  // stored, then all of them in one store transaction: every element is stored, or none (the
  // first failing element's error, which names its index when `options.name_elements`). The
  // result is in the order of `agendas`. The change feed hears of the ready entries together,
  // once the transaction committed (ChangeFeed::PublishAll). An idempotency key covers the
  // batch, scoped to the first element's customer: the same batch again answers the agendas the
  // first one created, another batch (or agenda) with the key is kConflict. Errors: as Run.
  [[nodiscard]] Result<std::vector<Agenda>> RunBatch(std::vector<Agenda> agendas,
                                                     const RequestContext& ctx,
                                                     const SubmitOptions& options = {});

 private:
  Services services_;
  ChangeFeed& changes_;
};

}  // namespace pop::app
