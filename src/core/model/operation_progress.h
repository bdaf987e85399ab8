// OperationProgress (spec §3.10): the progress of one operation of one agenda, id
// `<agendaProgressId>-<operationName>`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/common.h"

namespace pop {

struct OperationProgress : EndpointObject {
  std::optional<std::string> agenda_progress_id;
  std::optional<std::string> operation;  // the operation NAME
  std::optional<ProcessingState> processing_state;
  std::optional<std::string> processing_state_message;
  std::optional<std::vector<DiagnosticEvent>> diagnostic_events;
  std::optional<double> percent_complete;
  std::optional<int64_t> attempt_count;
  std::optional<Timestamp> attempt_time;
  std::optional<Timestamp> started_time;
  std::optional<Timestamp> completed_time;
  std::optional<std::string> result_payload;  // JSON text
  std::optional<ParamsMap> params;
};

// `<agendaProgressId>-<operationName>`, plain concatenation.
inline std::string OperationProgressId(const std::string& agenda_progress_id,
                                       const std::string& operation_name) {
  return agenda_progress_id + "-" + operation_name;
}

}  // namespace pop
