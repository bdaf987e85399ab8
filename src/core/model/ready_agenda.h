// ReadyAgenda (spec §3.12): an agenda that waits to be scheduled into its insight's queue, and,
// once a puller claims it, the lease of that claim. The executor's first report confirms the
// claim: the row stays, `confirmed`, as the fence that only its holder may report through, until
// the execution ends (the agenda completes, is rerun, cancelled or deleted). Design:
// docs/design/scheduler.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"

namespace pop {

struct ReadyAgenda {
  std::string id;
  std::string insight_id;
  std::string agenda_id;
  std::string customer_id;
  Timestamp added;
  int64_t priority = 0;  // agenda params.priority when it became ready (higher first)
  // Store-assigned arrival order (read back only; ignored on insert).
  int64_t sequence = 0;
  // Set while a puller holds the agenda; the claim lapses at lease_until.
  std::optional<std::string> claimed_by;
  std::optional<Timestamp> lease_until;
  // When claimed_by took the claim (read back only: ClaimReady sets it from its `now`; a claim
  // the holder renews keeps its first time, SetReadyClaim leaves it unset).
  std::optional<Timestamp> claimed_at;
  // Not scheduled before this time (the backoff of an automatic retry).
  std::optional<Timestamp> not_before;
  // The holder's executor reported: the agenda runs, the entry is no longer scheduled, and
  // claimed_by names the only one whose reports are accepted.
  bool confirmed = false;
};

// Scheduler bookkeeping of one insight (spec §3.13): the RoundRobin carry-over list.
struct InsightScheduleInfo {
  std::string insight_id;
  std::vector<std::string> pending_customer_ids;
  std::optional<Timestamp> last_executed;
};

}  // namespace pop
