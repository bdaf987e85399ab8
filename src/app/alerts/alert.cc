#include "app/alerts/alert.h"

namespace pop::app {

const char* AlertRuleName(AlertRule rule) {
  switch (rule) {
    case AlertRule::kAgendaFailed:
      return "agendaFailed";
    case AlertRule::kOperationTypeFailing:
      return "operationTypeFailing";
    case AlertRule::kQueueWait:
      return "queueWait";
    case AlertRule::kPullerSilent:
      return "pullerSilent";
    case AlertRule::kReclaimed:
      return "reclaimed";
    case AlertRule::kStoreWriteFailing:
      return "storeWriteFailing";
  }
  return "unknown";
}

std::optional<AlertRule> ParseAlertRule(std::string_view name) {
  for (AlertRule rule : kAllAlertRules) {
    if (name == AlertRuleName(rule)) return rule;
  }
  return std::nullopt;
}

}  // namespace pop::app
