// AlertSink: where alert notices go (docs/alerting.md "Sinks"), and the HTTP request each kind
// of receiver expects: a generic JSON webhook, a Slack-compatible incoming webhook, or the
// Prometheus Alertmanager v2 API. The URL, token and headers are secrets: never logged (the
// name is what logs show). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/alerts/alert.h"
#include "core/json/json.h"
#include "ports/http_client.h"

namespace pop::app {

enum class AlertSinkKind { kWebhook, kSlack, kAlertmanager };

const char* AlertSinkKindName(AlertSinkKind kind);  // "webhook", "slack", "alertmanager"

struct AlertSinkConfig {
  std::string name;  // shown in logs instead of the URL
  AlertSinkKind kind = AlertSinkKind::kWebhook;
  // webhook and slack: the URL posted to; alertmanager: its base URL (".../api/v2/alerts" is
  // appended). Secret.
  std::string url;
  std::string token;  // sent as "Authorization: Bearer <token>" when set. Secret.
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers. Secret values.
};

// RFC 3339 in UTC with milliseconds: "2026-12-06T02:45:00.000Z".
std::string FormatAlertTime(Timestamp t);

// The alert as the API and the webhook show it: id, rule, key, summary, insightId, agendaId,
// customerId, operationType, count, firstSeen, lastSeen, resolvedAt, agendaUrl, status
// ("firing" or "resolved"); empty fields are left out.
Json AlertToJson(const Alert& alert);

// The request for one notice to one sink.
HttpClientRequest BuildAlertRequest(const AlertSinkConfig& sink, const AlertNotice& notice,
                                    std::chrono::milliseconds timeout);

// `text` with every secret of `sink` (URL, token, header values) replaced by "<redacted>", for
// log lines that quote an error (curl's messages name the URL).
std::string RedactSecrets(const AlertSinkConfig& sink, std::string text);

}  // namespace pop::app
