// SubmitAgenda: Agenda POST, spec §5.7. Validates (§6.1), selects the Insight (§7), and in ONE
// store transaction creates the AgendaProgress, one OperationProgress per operation, the Agenda
// and its ready entry (unless params.doNotRun is present): after a crash either all of it
// exists or none. With an idempotency key, a repeated submission returns the first Agenda.
// Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "app/request_context.h"
#include "app/services.h"
#include "core/base/result.h"
#include "core/model/agenda.h"
#include "core/model/ready_agenda.h"

namespace pop::app {

struct SubmitOptions {
  std::optional<std::string> idempotency_key;
  // Acting identity for the visibility check of step 7 (the caller for a plain POST; the
  // agenda's own customer for template runs and createAgenda).
  const AuthContext* acting_as = nullptr;
};

// The ready entry of an agenda that may now be scheduled (submission or rerun).
ReadyAgenda ReadyEntryFor(const Agenda& agenda, const std::string& ready_id,
                          const std::string& insight_id, Timestamp now);

class SubmitAgenda {
 public:
  explicit SubmitAgenda(Services services) : services_(services) {}

  // Errors: kValidation (body, validator, unknown customer), kNotFound (no insight),
  // kPermissionDenied (caller does not own customerId), kUnavailable (store).
  [[nodiscard]] Result<Agenda> Run(Agenda agenda, const RequestContext& ctx,
                                   const SubmitOptions& options = {});

 private:
  Services services_;
};

}  // namespace pop::app
