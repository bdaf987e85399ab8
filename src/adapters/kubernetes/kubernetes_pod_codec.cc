#include "adapters/kubernetes/kubernetes_pod_codec.h"

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "core/codec/json_text.h"

namespace pop {
namespace {

std::string StringAt(const Json* object, std::string_view key) {
  if (object == nullptr) return "";
  const Json* value = object->Find(key);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

std::map<std::string, std::string> StringMap(const Json* object) {
  std::map<std::string, std::string> out;
  if (object == nullptr || !object->is_object()) return out;
  for (const auto& [key, value] : object->AsObject()) {
    if (value.is_string()) out[key] = value.AsString();
  }
  return out;
}

// Kubernetes' RFC 3339 times ("2026-12-06T07:00:00Z", maybe with fractional seconds); nullopt
// when absent or not such a time.
std::optional<Timestamp> TimeAt(const Json* object, std::string_view key) {
  const std::string text = StringAt(object, key);
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(static_cast<size_t>(consumed));
  int64_t millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int64_t scale = 100;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      millis += (rest.front() - '0') * scale;
      scale /= 10;
      rest.remove_prefix(1);
    }
  }
  if (rest != "Z") return std::nullopt;  // the API server always writes UTC
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const std::time_t seconds = timegm(&parts);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return Timestamp::FromMillis(static_cast<int64_t>(seconds) * 1000 + millis);
}

PodContainerStatus DecodeContainerStatus(const Json& status) {
  PodContainerStatus out;
  out.name = StringAt(&status, "name");
  const Json* state = status.Find("state");
  if (state == nullptr || !state->is_object()) return out;
  for (const char* kind : {"terminated", "running", "waiting"}) {
    const Json* detail = state->Find(kind);
    if (detail == nullptr || !detail->is_object()) continue;
    out.state = kind;
    out.reason = StringAt(detail, "reason");
    out.message = StringAt(detail, "message");
    if (const Json* code = detail->Find("exitCode"); code != nullptr && code->is_integer()) {
      out.exit_code = static_cast<int>(code->AsInt());
    }
    out.finished_at = TimeAt(detail, "finishedAt");
    break;
  }
  return out;
}

Result<Json> Parse(std::string_view text, const char* what) {
  Result<Json> parsed = ParseJson(text);
  if (!parsed.ok()) {
    return Error(ErrorCode::kInternal, std::string("Kubernetes sent a ") + what +
                                           " that is not JSON: " + parsed.error().message);
  }
  return parsed;
}

}  // namespace

Result<PodInfo> DecodePod(const Json& pod) {
  const Json* metadata = pod.Find("metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return Error(ErrorCode::kInternal, "Kubernetes sent a pod without metadata");
  }
  PodInfo out;
  out.name = StringAt(metadata, "name");
  out.namespace_name = StringAt(metadata, "namespace");
  out.uid = StringAt(metadata, "uid");
  out.resource_version = StringAt(metadata, "resourceVersion");
  out.labels = StringMap(metadata->Find("labels"));
  out.annotations = StringMap(metadata->Find("annotations"));
  out.is_deleting = metadata->Find("deletionTimestamp") != nullptr &&
                    !metadata->Find("deletionTimestamp")->is_null();
  out.created_at = TimeAt(metadata, "creationTimestamp");
  out.node_name = StringAt(pod.Find("spec"), "nodeName");
  if (const Json* status = pod.Find("status"); status != nullptr && status->is_object()) {
    out.phase = StringAt(status, "phase");
    out.start_time = TimeAt(status, "startTime");
    if (const Json* list = status->Find("containerStatuses"); list != nullptr && list->is_array()) {
      for (const Json& item : list->AsArray()) {
        if (item.is_object()) out.containers.push_back(DecodeContainerStatus(item));
      }
    }
  }
  return out;
}

Result<PodInfo> DecodePodText(std::string_view text) {
  POP_ASSIGN_OR_RETURN(Json pod, Parse(text, "pod"));
  return DecodePod(pod);
}

Result<PodList> DecodePodListText(std::string_view text) {
  POP_ASSIGN_OR_RETURN(Json list, Parse(text, "pod list"));
  PodList out;
  out.resource_version = StringAt(list.Find("metadata"), "resourceVersion");
  const Json* items = list.Find("items");
  if (items == nullptr || !items->is_array()) {
    if (items != nullptr && items->is_null()) return out;
    return Error(ErrorCode::kInternal, "Kubernetes sent a pod list without items");
  }
  for (const Json& item : items->AsArray()) {
    POP_ASSIGN_OR_RETURN(PodInfo pod, DecodePod(item));
    out.pods.push_back(std::move(pod));
  }
  return out;
}

Result<PodWatchLine> DecodeWatchLine(std::string_view line) {
  POP_ASSIGN_OR_RETURN(Json event, Parse(line, "watch event"));
  PodWatchLine out;
  out.type = StringAt(&event, "type");
  const Json* object = event.Find("object");
  if (out.type.empty() || object == nullptr || !object->is_object()) {
    return Error(ErrorCode::kInternal, "Kubernetes sent a watch event without type or object");
  }
  if (out.type == "ERROR") {
    if (const Json* code = object->Find("code"); code != nullptr && code->is_integer()) {
      out.error_code = static_cast<int>(code->AsInt());
    }
    out.error_message = StringAt(object, "message");
    return out;
  }
  if (out.type == "BOOKMARK") {
    out.pod.resource_version = StringAt(object->Find("metadata"), "resourceVersion");
    return out;
  }
  POP_ASSIGN_OR_RETURN(out.pod, DecodePod(*object));
  return out;
}

}  // namespace pop
