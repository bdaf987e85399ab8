#include "app/alerts/alert_sink.h"

#include <cstdint>
#include <cstdio>

#include "core/codec/json_text.h"

namespace pop::app {
namespace {

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

void SetIfNotEmpty(JsonObject& object, const char* key, const std::string& value) {
  if (!value.empty()) object.Set(key, value);
}

std::string SlackText(const AlertNotice& notice) {
  const Alert& alert = notice.alert;
  std::string text = notice.transition == AlertTransition::kFiring ? "[FIRING] " : "[RESOLVED] ";
  text += std::string(AlertRuleName(alert.rule)) + ": " + alert.summary;
  text += " (count " + std::to_string(alert.count) + ", first " +
          FormatAlertTime(alert.first_seen) + ", last " + FormatAlertTime(alert.last_seen);
  if (alert.resolved_at) text += ", resolved " + FormatAlertTime(*alert.resolved_at);
  text += ")";
  if (!alert.agenda_url.empty()) {
    text += " <" + alert.agenda_url + "|Agenda " + alert.subject.agenda_id + ">";
  }
  return text;
}

// One postableAlert of the Alertmanager v2 API: labels identify the alert (Alertmanager
// groups and deduplicates by them), annotations describe it; endsAt in the past resolves it.
Json AlertmanagerBody(const AlertNotice& notice) {
  const Alert& alert = notice.alert;
  JsonObject labels{{"alertname", std::string("pop_") + AlertRuleName(alert.rule)},
                    {"rule", AlertRuleName(alert.rule)},
                    {"key", alert.key}};
  SetIfNotEmpty(labels, "insight", alert.subject.insight_id);
  SetIfNotEmpty(labels, "customer", alert.subject.customer_id);
  SetIfNotEmpty(labels, "operation_type", alert.subject.operation_type);
  JsonObject annotations{{"summary", alert.summary},
                         {"count", std::to_string(alert.count)},
                         {"first_seen", FormatAlertTime(alert.first_seen)},
                         {"last_seen", FormatAlertTime(alert.last_seen)}};
  SetIfNotEmpty(annotations, "agenda", alert.subject.agenda_id);
  SetIfNotEmpty(annotations, "agenda_url", alert.agenda_url);
  JsonObject body{{"labels", Json(std::move(labels))},
                  {"annotations", Json(std::move(annotations))},
                  {"startsAt", FormatAlertTime(alert.first_seen)}};
  if (alert.resolved_at) body.Set("endsAt", FormatAlertTime(*alert.resolved_at));
  SetIfNotEmpty(body, "generatorURL", alert.agenda_url);
  return Json(JsonArray{Json(std::move(body))});
}

}  // namespace

const char* AlertSinkKindName(AlertSinkKind kind) {
  switch (kind) {
    case AlertSinkKind::kWebhook:
      return "webhook";
    case AlertSinkKind::kSlack:
      return "slack";
    case AlertSinkKind::kAlertmanager:
      return "alertmanager";
  }
  return "unknown";
}

std::string FormatAlertTime(Timestamp t) {
  const int64_t ms = t.millis();
  int64_t days = ms / 86'400'000;
  int64_t rest = ms % 86'400'000;
  if (rest < 0) {
    rest += 86'400'000;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, year, month, day);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(year), month, day,    // NOLINT(google-runtime-int)
                static_cast<long long>(rest / 3'600'000),    // NOLINT(google-runtime-int)
                static_cast<long long>(rest / 60'000 % 60),  // NOLINT(google-runtime-int)
                static_cast<long long>(rest / 1000 % 60),    // NOLINT(google-runtime-int)
                static_cast<long long>(rest % 1000));        // NOLINT(google-runtime-int)
  return buffer;
}

Json AlertToJson(const Alert& alert) {
  JsonObject out{{"id", alert.id},
                 {"status", alert.firing() ? "firing" : "resolved"},
                 {"rule", AlertRuleName(alert.rule)},
                 {"key", alert.key},
                 {"summary", alert.summary}};
  SetIfNotEmpty(out, "insightId", alert.subject.insight_id);
  SetIfNotEmpty(out, "agendaId", alert.subject.agenda_id);
  SetIfNotEmpty(out, "customerId", alert.subject.customer_id);
  SetIfNotEmpty(out, "operationType", alert.subject.operation_type);
  out.Set("count", alert.count);
  out.Set("firstSeen", FormatAlertTime(alert.first_seen));
  out.Set("lastSeen", FormatAlertTime(alert.last_seen));
  if (alert.resolved_at) out.Set("resolvedAt", FormatAlertTime(*alert.resolved_at));
  SetIfNotEmpty(out, "agendaUrl", alert.agenda_url);
  return Json(std::move(out));
}

HttpClientRequest BuildAlertRequest(const AlertSinkConfig& sink, const AlertNotice& notice,
                                    std::chrono::milliseconds timeout) {
  HttpClientRequest request;
  request.method = "POST";
  request.timeout = timeout;
  request.headers.emplace_back("Content-Type", "application/json");
  if (!sink.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + sink.token);
  for (const auto& header : sink.headers) request.headers.push_back(header);
  switch (sink.kind) {
    case AlertSinkKind::kWebhook:
      request.url = sink.url;
      request.body = ToJsonText(Json(JsonObject{
          {"status", notice.transition == AlertTransition::kFiring ? "firing" : "resolved"},
          {"alert", AlertToJson(notice.alert)}}));
      break;
    case AlertSinkKind::kSlack:
      request.url = sink.url;
      request.body = ToJsonText(Json(JsonObject{{"text", SlackText(notice)}}));
      break;
    case AlertSinkKind::kAlertmanager: {
      std::string base = sink.url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      request.url = base + "/api/v2/alerts";
      request.body = ToJsonText(AlertmanagerBody(notice));
      break;
    }
  }
  return request;
}

std::string RedactSecrets(const AlertSinkConfig& sink, std::string text) {
  std::vector<std::string> secrets{sink.url, sink.token};
  for (const auto& header : sink.headers) secrets.push_back(header.second);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "<redacted>");
      at += 10;
    }
  }
  return text;
}

}  // namespace pop::app
