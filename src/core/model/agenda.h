// Agenda and Operation (spec §3.1, §3.2): a DAG of operations submitted by a customer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/common.h"

namespace pop {

struct Operation {
  std::optional<std::string> id;    // caller's own id, passed to the handler as OPERATION_ID
  std::optional<std::string> name;  // unique within the agenda, case-insensitively
  std::optional<std::string> type;  // selects the handler
  std::optional<Json> payload;      // any JSON; may hold @<...> references
  std::optional<ParamsMap> params;  // dependsOn, generatedOperationParent, ...
};

struct Agenda : EndpointObject {
  std::optional<std::vector<Operation>> operations;
  std::optional<ParamsMap> params;
  std::optional<std::string> job_id;
  std::optional<std::string> link_id;
  std::optional<std::string> progress_id;
  std::optional<AgendaInsight> agenda_insight;
};

}  // namespace pop
