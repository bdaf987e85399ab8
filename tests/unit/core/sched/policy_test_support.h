// Helpers shared by the scheduling policy tests: terse candidates and id lists.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/base/time.h"
#include "core/sched/scheduling_policy.h"

namespace pop::sched::testing {

// A candidate of `customer` ready at `added_ms`; the sequence defaults to the ready time.
inline Candidate MakeCandidate(std::string agenda_id, std::string customer, int64_t added_ms,
                               int64_t priority = 0, int64_t sequence = -1) {
  return Candidate{std::move(agenda_id), std::move(customer), Timestamp::FromMillis(added_ms),
                   priority, static_cast<uint64_t>(sequence < 0 ? added_ms : sequence)};
}

inline std::vector<std::string> IdsOf(const std::vector<Candidate>& candidates) {
  std::vector<std::string> ids;
  ids.reserve(candidates.size());
  for (const Candidate& candidate : candidates) ids.push_back(candidate.agenda_id);
  return ids;
}

// Adds `count` candidates "<customer><i>" (i from 1) for `customer`, ready at `first_ms`,
// `first_ms` + 1, ...; sequences continue from `*sequence`.
inline void AddMany(SchedulingPolicy& policy, const std::string& customer, int count,
                    int64_t first_ms, uint64_t* sequence) {
  for (int i = 1; i <= count; ++i) {
    policy.Add(Candidate{customer + std::to_string(i), customer,
                         Timestamp::FromMillis(first_ms + i - 1), 0, (*sequence)++});
  }
}

}  // namespace pop::sched::testing
