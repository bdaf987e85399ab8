// AlertConfig: the alerting configuration file (`--alerts FILE`, JSON; docs/alerting.md gives
// the format and an example): the rules' thresholds and parameters, the sinks, delivery retries.
// Parsing validates everything and names the offending field ("sinks[1].url: ..."); a message
// never quotes a secret (URLs, tokens, header values). Pure; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "app/alerts/alert_dispatcher.h"
#include "app/alerts/alert_engine.h"
#include "app/alerts/alert_rules.h"
#include "app/alerts/alert_sink.h"
#include "core/base/result.h"

namespace pop::app {

struct AlertConfig {
  AlertEngineOptions engine;
  AlertRulesOptions rules;
  AlertDeliveryOptions delivery;
  std::vector<AlertSinkConfig> sinks;
  Duration interval = Duration::Seconds(15);  // between two rounds of the rules
};

// Errors: kInvalidArgument naming the field (or the JSON syntax error's offset).
[[nodiscard]] Result<AlertConfig> ParseAlertConfig(std::string_view text);

}  // namespace pop::app
