// Which attempt of an operation is starting, and the header line its log carries from the second
// attempt on (an automatic retry or a rerun appends to the same log, so each later attempt's
// output starts under "--- attempt N of NAME, started TIME ---"). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/time.h"
#include "core/model/operation_progress.h"

namespace pop {

// The number of the attempt that starts now, from the operation's stored progress before it (a
// rerun's reset progress, WAITING, included: it keeps attemptCount and its times): 1 when it
// never ran (no progress, or one with attemptCount 0 and no startedTime or completedTime), else
// its attemptCount + 1 (one that ran but counted 0, as stored before attempts were counted, had
// attempt 1).
int64_t NextAttempt(const std::optional<OperationProgress>& prior);

// "" for attempt 1; else "\n--- attempt N of NAME, started 2026-12-06T09:40:01Z ---\n" (UTC).
std::string AttemptLogHeader(const std::string& operation, int64_t attempt, Timestamp started);

// Epoch milliseconds as UTC "2026-12-06T09:40:01Z" (seconds, no fraction).
std::string FormatUtc(Timestamp time);

}  // namespace pop
