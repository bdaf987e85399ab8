#include "core/kube/server_ca.h"

#include <algorithm>
#include <utility>

namespace pop {
namespace {

// A DNS subdomain (RFC 1123), the form of ConfigMap and Secret names: at most 253 characters of
// [a-z0-9-.], starting and ending with [a-z0-9].
bool IsDnsSubdomain(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 253 || !alnum(name.front()) || !alnum(name.back())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// A ConfigMap or Secret key: at most 253 characters of [-._a-zA-Z0-9], not "." or "..".
bool IsDataKey(std::string_view key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// The list `key` of `object`, made empty when absent.
JsonArray& ListAt(JsonObject& object, const std::string& key) {
  if (object.Find(key) == nullptr) object.Set(key, Json(JsonArray{}));
  return object.Find(key)->AsArray();
}

}  // namespace

Result<ServerCaSource> ParseServerCaSource(std::string_view text, const std::string& key) {
  ServerCaSource source;
  const size_t slash = text.find('/');
  const std::string_view kind = text.substr(0, slash);
  if (slash == std::string_view::npos || (kind != "configmap" && kind != "secret")) {
    return Error(ErrorCode::kInvalidArgument,
                 "--executor-ca: expected configmap/<name> or secret/<name>, got '" +
                     std::string(text) + "'");
  }
  source.kind =
      kind == "configmap" ? ServerCaSource::Kind::kConfigMap : ServerCaSource::Kind::kSecret;
  source.name = std::string(text.substr(slash + 1));
  if (!IsDnsSubdomain(source.name)) {
    return Error(ErrorCode::kInvalidArgument,
                 "--executor-ca: '" + source.name +
                     "' is not a Kubernetes object name (lower-case letters, digits, '-' and '.')");
  }
  if (!IsDataKey(key)) {
    return Error(ErrorCode::kInvalidArgument,
                 "--executor-ca-key: '" + key +
                     "' is not a ConfigMap or Secret key (letters, digits, '-', '_' and '.')");
  }
  source.key = key;
  return source;
}

void AddServerCaToPod(const ServerCaSource& ca, Json& pod) {
  JsonObject& spec = pod.AsObject().Find("spec")->AsObject();
  JsonObject& container = spec.Find("containers")->AsArray().front().AsObject();
  // Only the one key, under a fixed file name: POP_CA_FILE does not depend on the key's name.
  const Json items(
      JsonArray{Json(JsonObject{{"key", ca.key}, {"path", std::string(kServerCaFileName)}})});
  JsonObject volume{{"name", std::string(kServerCaVolume)}};
  if (ca.kind == ServerCaSource::Kind::kConfigMap) {
    volume.Set("configMap", Json(JsonObject{{"name", ca.name}, {"items", items}}));
  } else {
    volume.Set("secret", Json(JsonObject{{"secretName", ca.name}, {"items", items}}));
  }
  ListAt(spec, "volumes").push_back(Json(std::move(volume)));
  ListAt(container, "volumeMounts")
      .push_back(Json(JsonObject{{"name", std::string(kServerCaVolume)},
                                 {"mountPath", std::string(kServerCaMountPath)},
                                 {"readOnly", Json(true)}}));
  ListAt(container, "env")
      .push_back(
          Json(JsonObject{{"name", "POP_CA_FILE"},
                          {"value", std::string(kServerCaMountPath) + "/" + kServerCaFileName}}));
}

}  // namespace pop
