// Alert: one condition the alerting rules (docs/alerting.md) found, as the sinks, the API and
// `pop alert list` carry it. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/time.h"

namespace pop::app {

enum class AlertRule {
  kAgendaFailed,          // Agendas ended failed after their last attempt
  kOperationTypeFailing,  // one operation type failed N times within a window
  kQueueWait,             // an Insight's oldest queued Agenda waits longer than T
  kPullerSilent,          // no puller polled an Insight for T
  kReclaimed,             // the reclaimer failed stuck Agendas
  kStoreWriteFailing,     // a store write (the leader's probe) failed
};

inline constexpr AlertRule kAllAlertRules[] = {
    AlertRule::kAgendaFailed, AlertRule::kOperationTypeFailing,
    AlertRule::kQueueWait,    AlertRule::kPullerSilent,
    AlertRule::kReclaimed,    AlertRule::kStoreWriteFailing};

// "agendaFailed", "operationTypeFailing", "queueWait", "pullerSilent", "reclaimed",
// "storeWriteFailing": the names of the configuration file and of the API.
const char* AlertRuleName(AlertRule rule);
std::optional<AlertRule> ParseAlertRule(std::string_view name);

// What the alert is about; empty fields do not apply.
struct AlertSubject {
  std::string insight_id;
  std::string agenda_id;  // the latest Agenda concerned, when there is one
  std::string customer_id;
  std::string operation_type;
};

struct Alert {
  std::string id;  // "<rule>/<key>", stable while the condition lasts
  AlertRule rule = AlertRule::kAgendaFailed;
  std::string key;  // which condition of the rule (an insight id, "insightId/customerId", ...)
  AlertSubject subject;
  std::string summary;   // one line for a person on call
  int64_t count = 0;     // failures counted since the streak began (threshold included)
  Timestamp first_seen;  // first failure of the streak
  Timestamp last_seen;   // latest failure
  std::optional<Timestamp> resolved_at;
  std::string agenda_url;  // the Agenda in the UI, when there is an Agenda and a base URL

  bool firing() const { return !resolved_at.has_value(); }
};

enum class AlertTransition { kFiring, kResolved };

// What the sinks receive: an alert that started firing, or one that cleared.
struct AlertNotice {
  AlertTransition transition = AlertTransition::kFiring;
  Alert alert;
};

}  // namespace pop::app
