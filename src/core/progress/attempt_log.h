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

// The number of the attempt that starts now: 1 when the operation never started before (no
// prior progress, or one without a startedTime), else the prior attemptCount + 1 (a prior that
// started but counted 0 attempts, as stored before attempts were counted, is attempt 1).
int64_t NextAttempt(const std::optional<OperationProgress>& prior);

// "" for attempt 1; else "\n--- attempt N of NAME, started 2026-12-06T09:40:01Z ---\n" (UTC).
std::string AttemptLogHeader(const std::string& operation, int64_t attempt, Timestamp started);

// Epoch milliseconds as UTC "2026-12-06T09:40:01Z" (seconds, no fraction).
std::string FormatUtc(Timestamp time);

}  // namespace pop
