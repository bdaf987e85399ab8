// The automatic retry rule of spec §17.2: a failed AgendaProgress is rerun with `continue`
// while attempts remain. Pure.
#pragma once

#include "core/model/agenda_progress.h"

namespace pop {

inline constexpr int64_t kMaxRetryAttempts = 20;

// True when `progress` is COMPLETE with message "failed" (any case) and
// attemptsCompleted (absent → 1) < min(20, maximumAttempts (absent → 3)), and none of its
// diagnosticEvents has statusCode kStatusNotRetryable (a failure a retry cannot fix).
bool ShouldRetry(const AgendaProgress& progress);

}  // namespace pop
