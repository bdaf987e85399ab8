#include "app/alerts/alert_config.h"

#include <set>
#include <string>

#include "core/codec/json_text.h"

namespace pop::app {
namespace {

Error FieldError(const std::string& field, const std::string& problem) {
  return Error(ErrorCode::kInvalidArgument, "alerts configuration: " + field + ": " + problem);
}

Status CheckKnown(const Json& object, const std::string& where,
                  const std::set<std::string>& known) {
  for (const auto& [key, value] : object.AsObject()) {
    if (known.count(key) == 0) {
      std::string field = where;
      if (!field.empty()) field += ".";
      field += key;
      return FieldError(field, "unknown field");
    }
  }
  return Status::Ok();
}

Result<const Json*> ObjectAt(const Json& parent, const std::string& key, const std::string& path) {
  const Json* value = parent.Find(key);
  if (value == nullptr) return static_cast<const Json*>(nullptr);
  if (!value->is_object()) return FieldError(path, "must be an object");
  return value;
}

// A whole number within [min, max], when present.
Status ReadInt(const Json& parent, const std::string& key, const std::string& path, int64_t min,
               int64_t max, int64_t& out) {
  const Json* value = parent.Find(key);
  if (value == nullptr) return Status::Ok();
  if (!value->is_integer() || value->AsInt() < min || value->AsInt() > max) {
    return FieldError(
        path, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  out = value->AsInt();
  return Status::Ok();
}

Status ReadDuration(const Json& parent, const std::string& key, const std::string& path,
                    int64_t unit_ms, int64_t min, Duration& out) {
  int64_t units = out.millis() / unit_ms;
  POP_RETURN_IF_ERROR(
      ReadInt(parent, key, path, min, int64_t{365} * 24 * 3600 * 1000 / unit_ms, units));
  out = Duration::Millis(units * unit_ms);
  return Status::Ok();
}

Status ReadString(const Json& parent, const std::string& key, const std::string& path,
                  std::string& out) {
  const Json* value = parent.Find(key);
  if (value == nullptr) return Status::Ok();
  if (!value->is_string()) return FieldError(path, "must be a string");
  out = value->AsString();
  return Status::Ok();
}

bool IsHttpUrl(const std::string& url) {
  for (const char* scheme : {"http://", "https://"}) {
    const std::string prefix = scheme;
    if (url.size() > prefix.size() && url.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

Status ParseRule(AlertRule rule, const Json& json, const std::string& path, AlertConfig& config) {
  std::set<std::string> known{"enabled", "threshold"};
  switch (rule) {
    case AlertRule::kOperationTypeFailing:
      known.insert({"failures", "windowSeconds"});
      break;
    case AlertRule::kQueueWait:
      known.insert("waitSeconds");
      break;
    case AlertRule::kPullerSilent:
      known.insert("lastRequestMilliseconds");
      break;
    default:
      break;
  }
  POP_RETURN_IF_ERROR(CheckKnown(json, path, known));
  if (const Json* enabled = json.Find("enabled")) {
    if (!enabled->is_bool()) return FieldError(path + ".enabled", "must be true or false");
    config.rules.disabled[rule] = !enabled->AsBool();
  }
  int64_t threshold = config.engine.default_threshold;
  POP_RETURN_IF_ERROR(ReadInt(json, "threshold", path + ".threshold", 1, 1'000'000, threshold));
  if (json.Find("threshold") != nullptr) config.engine.thresholds[rule] = threshold;
  POP_RETURN_IF_ERROR(
      ReadInt(json, "failures", path + ".failures", 1, 1'000'000, config.rules.operation_failures));
  POP_RETURN_IF_ERROR(ReadDuration(json, "windowSeconds", path + ".windowSeconds", 1000, 1,
                                   config.rules.operation_window));
  POP_RETURN_IF_ERROR(
      ReadDuration(json, "waitSeconds", path + ".waitSeconds", 1000, 1, config.rules.queue_wait));
  return ReadDuration(json, "lastRequestMilliseconds", path + ".lastRequestMilliseconds", 1, 1,
                      config.rules.puller_silence);
}

Status ParseSink(const Json& json, const std::string& path, AlertConfig& config) {
  if (!json.is_object()) return FieldError(path, "must be an object");
  POP_RETURN_IF_ERROR(CheckKnown(json, path, {"name", "type", "url", "token", "headers"}));
  AlertSinkConfig sink;
  sink.name = path;
  POP_RETURN_IF_ERROR(ReadString(json, "name", path + ".name", sink.name));
  std::string type;
  POP_RETURN_IF_ERROR(ReadString(json, "type", path + ".type", type));
  if (type == "webhook") {
    sink.kind = AlertSinkKind::kWebhook;
  } else if (type == "slack") {
    sink.kind = AlertSinkKind::kSlack;
  } else if (type == "alertmanager") {
    sink.kind = AlertSinkKind::kAlertmanager;
  } else {
    return FieldError(path + ".type", "must be \"webhook\", \"slack\" or \"alertmanager\"");
  }
  POP_RETURN_IF_ERROR(ReadString(json, "url", path + ".url", sink.url));
  // The URL is a secret (a Slack webhook URL is its own credential): say what is wrong with
  // it without quoting it.
  if (!IsHttpUrl(sink.url)) return FieldError(path + ".url", "must be an http:// or https:// URL");
  POP_RETURN_IF_ERROR(ReadString(json, "token", path + ".token", sink.token));
  POP_ASSIGN_OR_RETURN(const Json* headers, ObjectAt(json, "headers", path + ".headers"));
  if (headers != nullptr) {
    for (const auto& [name, value] : headers->AsObject()) {
      std::string field = path;
      field += ".headers.";
      field += name;
      if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos) {
        return FieldError(field, "is not a header name");
      }
      if (!value.is_string() || value.AsString().find_first_of("\r\n") != std::string::npos) {
        return FieldError(field, "must be a string on one line");
      }
      sink.headers.emplace_back(name, value.AsString());
    }
  }
  config.sinks.push_back(std::move(sink));
  return Status::Ok();
}

}  // namespace

Result<AlertConfig> ParseAlertConfig(std::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return FieldError("(file)", parsed.error().message);
  const Json& root = parsed.value();
  if (!root.is_object()) return FieldError("(file)", "must be a JSON object");
  POP_RETURN_IF_ERROR(CheckKnown(
      root, "", {"uiBaseUrl", "intervalSeconds", "countThreshold", "delivery", "rules", "sinks"}));
  AlertConfig config;
  POP_RETURN_IF_ERROR(ReadString(root, "uiBaseUrl", "uiBaseUrl", config.engine.ui_base_url));
  if (!config.engine.ui_base_url.empty() && !IsHttpUrl(config.engine.ui_base_url)) {
    return FieldError("uiBaseUrl", "must be an http:// or https:// URL");
  }
  POP_RETURN_IF_ERROR(
      ReadDuration(root, "intervalSeconds", "intervalSeconds", 1000, 1, config.interval));
  POP_RETURN_IF_ERROR(ReadInt(root, "countThreshold", "countThreshold", 1, 1'000'000,
                              config.engine.default_threshold));

  POP_ASSIGN_OR_RETURN(const Json* delivery, ObjectAt(root, "delivery", "delivery"));
  if (delivery != nullptr) {
    POP_RETURN_IF_ERROR(CheckKnown(*delivery, "delivery",
                                   {"retryCount", "retryTimeoutMillis", "requestTimeoutMillis"}));
    POP_RETURN_IF_ERROR(ReadInt(*delivery, "retryCount", "delivery.retryCount", 0, 100,
                                config.delivery.retry_count));
    POP_RETURN_IF_ERROR(ReadDuration(*delivery, "retryTimeoutMillis", "delivery.retryTimeoutMillis",
                                     1, 1, config.delivery.retry_backoff));
    Duration request_timeout = Duration::Millis(config.delivery.request_timeout.count());
    POP_RETURN_IF_ERROR(ReadDuration(*delivery, "requestTimeoutMillis",
                                     "delivery.requestTimeoutMillis", 1, 1, request_timeout));
    config.delivery.request_timeout = std::chrono::milliseconds(request_timeout.millis());
  }

  POP_ASSIGN_OR_RETURN(const Json* rules, ObjectAt(root, "rules", "rules"));
  if (rules != nullptr) {
    for (const auto& [name, value] : rules->AsObject()) {
      const std::string path = "rules." + name;
      std::optional<AlertRule> rule = ParseAlertRule(name);
      if (!rule) return FieldError(path, "unknown rule");
      if (!value.is_object()) return FieldError(path, "must be an object");
      POP_RETURN_IF_ERROR(ParseRule(*rule, value, path, config));
    }
  }

  if (const Json* sinks = root.Find("sinks")) {
    if (!sinks->is_array()) return FieldError("sinks", "must be an array");
    for (size_t i = 0; i < sinks->AsArray().size(); ++i) {
      POP_RETURN_IF_ERROR(
          ParseSink(sinks->AsArray()[i], "sinks[" + std::to_string(i) + "]", config));
    }
  }
  return config;
}

}  // namespace pop::app
