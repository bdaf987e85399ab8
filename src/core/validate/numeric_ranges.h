// Ranges of the numeric fields a client sets (docs/security.md "Limits"): a negative queue size,
// a huge maximumAttempts or a percentComplete of -5 is refused with kValidation naming the field,
// before anything is stored. Pure.
#pragma once

#include <cstdint>

#include "core/base/result.h"
#include "core/model/data_object.h"

namespace pop {

inline constexpr int64_t kMaxQueueSize = 1'000'000;         // Insight.queueSize: 0 to this
inline constexpr int64_t kMaxMaximumAttempts = 100;         // maximumAttempts: 1 to this
inline constexpr int64_t kMaxAttemptCounter = 1'000'000;    // attemptsCompleted, attemptCount
inline constexpr int64_t kMaxAbsolutePriority = 1'000'000;  // params.priority: -this to this
inline constexpr double kMaxPercentComplete = 100.0;        // percentComplete: 0 to this

// Every numeric field of `object` that is present: Insight.queueSize; AgendaProgress
// maximumAttempts, attemptsCompleted, percentComplete and those of its operationProgress;
// OperationProgress percentComplete and attemptCount; Agenda params maximumAttempts and priority
// (when integers). Errors: kValidation "Invalid value for field '<name>': <value> is outside
// <min> to <max>".
Status ValidateNumericRanges(const DataObject& object);
// The same for one kind, without copying it into a DataObject.
Status ValidateNumericRanges(const AgendaProgress& progress);
Status ValidateNumericRanges(const Agenda& agenda);

}  // namespace pop
