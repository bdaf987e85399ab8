// AlertRecord: the stored state of one alert condition (docs/alerting.md), so that every server
// sharing a store lists the same alerts and the server that leads the rules next carries on
// where the last one stopped. InsightPoll: when a puller last asked an Insight for work, as any
// server answering it recorded. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/time.h"

namespace pop {

struct AlertRecord {
  std::string rule;  // the rule's name: "agendaFailed", "operationTypeFailing", ...
  std::string key;   // which condition of the rule; (rule, key) names an open condition
  // True once the streak reached the rule's threshold and "firing" was announced; false while
  // it is still counting towards it.
  bool alerting = false;
  int64_t count = 0;
  Timestamp first_seen;
  Timestamp last_seen;
  std::optional<Timestamp> resolved_at;  // set on the resolved alerts kept for the list
  std::string insight_id;
  std::string agenda_id;
  std::string customer_id;
  std::string operation_type;
  std::string summary;
  std::string agenda_url;
};

struct InsightPoll {
  std::string insight_id;
  Timestamp last_poll;
};

}  // namespace pop
