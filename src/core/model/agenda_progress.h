// AgendaProgress (spec §3.9). `operationProgress` is never stored with it: reads assemble it
// from the OperationProgress records, writes upsert them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/common.h"
#include "core/model/operation_progress.h"

namespace pop {

inline constexpr int64_t kDefaultMaximumAttempts = 3;

struct AgendaProgress : EndpointObject {
  std::optional<std::string> agenda_id;
  std::optional<std::string> link_id;
  std::optional<std::string> external_id;
  std::optional<ProcessingState> processing_state;
  std::optional<std::string> processing_state_message;
  std::optional<std::vector<OperationProgress>> operation_progress;
  std::optional<std::vector<DiagnosticEvent>> diagnostic_events;
  std::optional<int64_t> attempts_completed;
  std::optional<int64_t> maximum_attempts;
  std::optional<Timestamp> started_time;
  std::optional<Timestamp> completed_time;
  std::optional<double> percent_complete;
  std::optional<ParamsMap> params;
  std::optional<AgendaInsight> agenda_insight;
};

}  // namespace pop
