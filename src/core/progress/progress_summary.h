// The progress roll-up of spec §9: one state and percent for all AgendaProgress of a linkId.
// Pure.
#pragma once

#include <optional>
#include <vector>

#include "core/model/agenda_progress.h"

namespace pop {

struct ProgressSummary {
  ProcessingState state = ProcessingState::kComplete;
  std::optional<double> percent;  // absent when any progress failed
};

// Any `failed` message (case-insensitive) → COMPLETE with no percent. Otherwise percent =
// min(100, Σ percentComplete / N) (nulls count as 0 but still count in N) and the state is
// EXECUTING if any is executing, WAITING if all are waiting, EXECUTING if some are waiting and
// some complete, COMPLETE otherwise. No progress at all → COMPLETE, 0.
ProgressSummary SummarizeProgress(const std::vector<AgendaProgress>& progresses);

}  // namespace pop
