// MemoryClaims: the claims a scheduler decides in memory alone, without writing them to the
// store. Only `pop dev` does (QueueOptions::claims_in_memory): one server on its own SQLite
// file, which releases every claim when it starts, so a stored claim protects nothing that a
// crash would not end anyway. The ready row stays unclaimed until the holder's first report,
// which writes the claim and confirms it in one transaction; until then the use cases that read
// claims (the claim fence, cancel, pause, the Resource Pool status, the queue-wait alert) see
// the row through WithMemoryClaim. Design: docs/design/scheduler.md, "Claims in memory".
// Implemented by InsightQueues. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/model/ready_agenda.h"

namespace pop::app {

// One claim held in memory: the ready entry, who holds it, since when and until when.
struct MemoryClaim {
  ReadyAgenda ready;   // claimed_by, claimed_at and lease_until set
  uint64_t order = 0;  // the scheduler's arrival order of the entry (ties of claimed_at)
};

class MemoryClaims {
 public:
  virtual ~MemoryClaims() = default;

  // The claim held in memory on `agenda_id`'s ready entry (lapsed or not); nullopt: none.
  [[nodiscard]] virtual std::optional<MemoryClaim> ClaimOf(const std::string& agenda_id) const = 0;
  // The claims held in memory on the entries of these insights whose lease runs past `now`,
  // oldest claim first.
  [[nodiscard]] virtual std::vector<MemoryClaim> LiveClaimsOf(
      const std::vector<std::string>& insight_ids, Timestamp now) const = 0;
  // For the first report of `claimer` on `agenda_id`: when it holds the agenda's claim and the
  // lease runs past `now`, the claim is pinned (it cannot lapse) and returned; the caller
  // writes it to the store and then either publishes Change::ClaimConfirmed (the scheduler
  // forgets it) or, when its transaction failed, calls Unpin. Otherwise nullopt, nothing
  // pinned.
  [[nodiscard]] virtual std::optional<MemoryClaim> Pin(const std::string& agenda_id,
                                                       const std::string& claimer,
                                                       Timestamp now) = 0;
  // Lets a pinned claim lapse again at its lease end (or at once when that has passed).
  virtual void Unpin(const std::string& agenda_id) = 0;
};

// `row` as the store would hold it if the claims in memory had been written: an unconfirmed,
// unclaimed row of which `claims` holds the claim gets its claimer, claim time and lease. Any
// other row, or a null `claims`, comes back unchanged.
inline ReadyAgenda WithMemoryClaim(ReadyAgenda row, const MemoryClaims* claims) {
  if (claims == nullptr || row.confirmed || row.claimed_by) return row;
  std::optional<MemoryClaim> held = claims->ClaimOf(row.agenda_id);
  if (!held || held->ready.id != row.id) return row;
  row.claimed_by = held->ready.claimed_by;
  row.claimed_at = held->ready.claimed_at;
  row.lease_until = held->ready.lease_until;
  return row;
}

}  // namespace pop::app
