#include "cli/executor_server_ca.h"

#include <cctype>

#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

bool IsHttps(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

Status CheckExecutorServerCa(KubernetesClient& client, const std::string& namespace_name,
                             const std::string& server_url, const ServerCaSource& ca,
                             Logger& logger) {
  const bool config_map = ca.kind == ServerCaSource::Kind::kConfigMap;
  const std::string what = std::string(config_map ? "ConfigMap" : "Secret") + " '" + ca.name + "'";
  if (!IsHttps(server_url)) {
    return Status(ErrorCode::kInvalidArgument,
                  "--executor-ca " + std::string(config_map ? "configmap/" : "secret/") + ca.name +
                      ": the executor pods reach the server at " + server_url +
                      ", which is not https://: CA certificates verify an https server only (set "
                      "--executor-server https://... or drop --executor-ca)");
  }
  if (namespace_name.empty()) return Status::Ok();
  Result<std::string> got =
      client.Request("GET", "/api/v1/namespaces/" + namespace_name + "/" +
                                (config_map ? "configmaps/" : "secrets/") + ca.name);
  if (!got.ok() && got.error().code == ErrorCode::kNotFound) {
    return Status(ErrorCode::kInvalidArgument,
                  "--executor-ca: " + what + " does not exist in namespace '" + namespace_name +
                      "': create it with the server's CA certificates (PEM) under the key '" +
                      ca.key + "' (docs/kubernetes.md)");
  }
  if (!got.ok()) {
    // Most often RBAC: the puller's Role covers pods only. Not a reason to refuse to start.
    logger.Log(LogLevel::kInfo, "--executor-ca: cannot check " + what + " in namespace '" +
                                    namespace_name + "' (" + got.error().message +
                                    "); if it is missing, the executor pods stay Pending and "
                                    "fail after podScheduledTimeoutMs");
    return Status::Ok();
  }
  Result<Json> object = ParseJson(*got);
  std::string keys;
  for (const char* field : {"data", "binaryData"}) {
    const Json* data = object.ok() && object->is_object() ? object->Find(field) : nullptr;
    if (data == nullptr || !data->is_object()) continue;
    if (data->Find(ca.key) != nullptr) return Status::Ok();
    for (const auto& [key, value] : data->AsObject()) keys += (keys.empty() ? "" : ", ") + key;
  }
  return Status(ErrorCode::kInvalidArgument,
                "--executor-ca: " + what + " in namespace '" + namespace_name + "' has no key '" +
                    ca.key +
                    "' (set --executor-ca-key; its keys: " + (keys.empty() ? "none" : keys) + ")");
}

}  // namespace pop::cli
