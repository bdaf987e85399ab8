#include "core/validate/numeric_ranges.h"

#include <cmath>
#include <string>

#include "core/codec/json_text.h"
#include "core/model/params.h"

namespace pop {
namespace {

std::string NumberText(double value) { return ToJsonText(Json(value)); }

Status OutOfRange(const std::string& field, const std::string& value, const std::string& min,
                  const std::string& max) {
  return Status(ErrorCode::kValidation, "Invalid value for field '" + field + "': " + value +
                                            " is outside " + min + " to " + max);
}

Status CheckInt(const std::string& field, const std::optional<int64_t>& value, int64_t min,
                int64_t max) {
  if (!value || (*value >= min && *value <= max)) return Status::Ok();
  return OutOfRange(field, std::to_string(*value), std::to_string(min), std::to_string(max));
}

Status CheckPercent(const std::string& field, const std::optional<double>& value) {
  if (!value || (std::isfinite(*value) && *value >= 0.0 && *value <= kMaxPercentComplete)) {
    return Status::Ok();
  }
  return OutOfRange(field, NumberText(*value), "0", NumberText(kMaxPercentComplete));
}

Status CheckOperationProgress(const OperationProgress& op, const std::string& prefix) {
  POP_RETURN_IF_ERROR(CheckPercent(prefix + "percentComplete", op.percent_complete));
  return CheckInt(prefix + "attemptCount", op.attempt_count, 0, kMaxAttemptCounter);
}

Status CheckAgendaProgress(const AgendaProgress& progress) {
  POP_RETURN_IF_ERROR(
      CheckInt("maximumAttempts", progress.maximum_attempts, 1, kMaxMaximumAttempts));
  POP_RETURN_IF_ERROR(
      CheckInt("attemptsCompleted", progress.attempts_completed, 0, kMaxAttemptCounter));
  POP_RETURN_IF_ERROR(CheckPercent("percentComplete", progress.percent_complete));
  if (!progress.operation_progress) return Status::Ok();
  for (size_t i = 0; i < progress.operation_progress->size(); ++i) {
    POP_RETURN_IF_ERROR(CheckOperationProgress((*progress.operation_progress)[i],
                                               "operationProgress[" + std::to_string(i) + "]."));
  }
  return Status::Ok();
}

// Params hold any JSON; only integer-valued ones are read as numbers (GetParamInt), so only those
// are checked.
Status CheckAgenda(const Agenda& agenda) {
  POP_RETURN_IF_ERROR(CheckInt("params.maximumAttempts",
                               GetParamInt(agenda.params, kParamMaximumAttempts), 1,
                               kMaxMaximumAttempts));
  return CheckInt("params.priority", GetParamInt(agenda.params, kParamPriority),
                  -kMaxAbsolutePriority, kMaxAbsolutePriority);
}

}  // namespace

Status ValidateNumericRanges(const AgendaProgress& progress) {
  return CheckAgendaProgress(progress);
}
Status ValidateNumericRanges(const Agenda& agenda) { return CheckAgenda(agenda); }

Status ValidateNumericRanges(const DataObject& object) {
  if (const auto* insight = std::get_if<Insight>(&object)) {
    return CheckInt("queueSize", insight->queue_size, 0, kMaxQueueSize);
  }
  if (const auto* progress = std::get_if<AgendaProgress>(&object)) {
    return CheckAgendaProgress(*progress);
  }
  if (const auto* op = std::get_if<OperationProgress>(&object)) {
    return CheckOperationProgress(*op, "");
  }
  if (const auto* agenda = std::get_if<Agenda>(&object)) return CheckAgenda(*agenda);
  return Status::Ok();
}

}  // namespace pop
