#include "adapters/kubernetes/kubernetes_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "core/base/base64.h"

namespace pop {
namespace {

Error Invalid(const std::string& origin, const std::string& field, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "kubeconfig " + origin + ": " + field + ": " + what);
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// The string value of `node[key]`, empty when absent. Errors when present but not a scalar.
Result<std::string> StringField(const YAML::Node& node, const std::string& key,
                                const std::string& origin, const std::string& path) {
  const YAML::Node value = node[key];
  if (!value || value.IsNull()) return std::string();
  if (!value.IsScalar()) return Invalid(origin, path + "." + key, "must be a string");
  return value.as<std::string>();
}

Result<std::string> DecodeData(const std::string& data, const std::string& origin,
                               const std::string& field) {
  std::string compact;
  for (char c : data) {
    if (c != '\n' && c != '\r' && c != ' ') compact.push_back(c);
  }
  std::optional<std::string> decoded = Base64Decode(compact);
  if (!decoded || decoded->empty()) return Invalid(origin, field, "not valid base64");
  return *decoded;
}

// The entry of the named list ("clusters", "users", "contexts") whose name is `name`; its
// inner map (key `inner`).
Result<YAML::Node> NamedEntry(const YAML::Node& root, const std::string& list,
                              const std::string& inner, const std::string& name,
                              const std::string& origin, const std::string& referenced_by) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) {
    return Invalid(origin, list, "missing (a list is required)");
  }
  for (const YAML::Node& entry : entries) {
    if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar()) continue;
    if (entry["name"].as<std::string>() != name) continue;
    const YAML::Node body = entry[inner];
    if (!body || !body.IsMap()) {
      std::string field = list;
      field.append("[").append(name).append("].").append(inner);
      return Invalid(origin, field, "missing (a map is required)");
    }
    return body;
  }
  return Invalid(origin, referenced_by,
                 "names " + list + " entry '" + name + "', which does not exist");
}

Status ReadCluster(const YAML::Node& cluster, const std::string& origin, const std::string& path,
                   const std::string& base_dir, KubernetesConfig& config) {
  POP_ASSIGN_OR_RETURN(config.server, StringField(cluster, "server", origin, path));
  if (config.server.empty()) return Invalid(origin, path + ".server", "missing");
  if (config.server.rfind("https://", 0) != 0) {
    return Invalid(origin, path + ".server",
                   "'" + config.server + "' is not an https:// URL (pop verifies the server)");
  }
  while (config.server.size() > 8 && config.server.back() == '/') config.server.pop_back();
  POP_ASSIGN_OR_RETURN(std::string insecure,
                       StringField(cluster, "insecure-skip-tls-verify", origin, path));
  if (insecure == "true") {
    return Invalid(origin, path + ".insecure-skip-tls-verify",
                   "is not supported: pop always verifies the server's certificate");
  }
  POP_ASSIGN_OR_RETURN(std::string ca_file,
                       StringField(cluster, "certificate-authority", origin, path));
  POP_ASSIGN_OR_RETURN(std::string ca_data,
                       StringField(cluster, "certificate-authority-data", origin, path));
  if (!ca_data.empty()) {
    POP_ASSIGN_OR_RETURN(config.ca_pem,
                         DecodeData(ca_data, origin, path + ".certificate-authority-data"));
  } else if (!ca_file.empty()) {
    config.ca_file = Resolve(base_dir, ca_file);
    if (!ReadFile(config.ca_file)) {
      return Invalid(origin, path + ".certificate-authority",
                     "file '" + config.ca_file + "' cannot be read");
    }
  }
  return Status::Ok();
}

Status ReadUser(const YAML::Node& user, const std::string& origin, const std::string& path,
                const std::string& base_dir, KubernetesConfig& config) {
  if (user["exec"] || user["auth-provider"]) {
    return Invalid(origin, path + (user["exec"] ? ".exec" : ".auth-provider"),
                   "is not supported: use a token or a client certificate");
  }
  POP_ASSIGN_OR_RETURN(config.token, StringField(user, "token", origin, path));
  POP_ASSIGN_OR_RETURN(std::string token_file, StringField(user, "tokenFile", origin, path));
  if (config.token.empty() && !token_file.empty()) {
    config.token_file = Resolve(base_dir, token_file);
    if (!ReadFile(config.token_file)) {
      return Invalid(origin, path + ".tokenFile",
                     "file '" + config.token_file + "' cannot be read");
    }
  }
  POP_ASSIGN_OR_RETURN(std::string cert_file,
                       StringField(user, "client-certificate", origin, path));
  POP_ASSIGN_OR_RETURN(std::string cert_data,
                       StringField(user, "client-certificate-data", origin, path));
  POP_ASSIGN_OR_RETURN(std::string key_file, StringField(user, "client-key", origin, path));
  POP_ASSIGN_OR_RETURN(std::string key_data, StringField(user, "client-key-data", origin, path));
  if (!cert_data.empty()) {
    POP_ASSIGN_OR_RETURN(config.client_cert_pem,
                         DecodeData(cert_data, origin, path + ".client-certificate-data"));
  } else if (!cert_file.empty()) {
    config.client_cert_file = Resolve(base_dir, cert_file);
  }
  if (!key_data.empty()) {
    POP_ASSIGN_OR_RETURN(config.client_key_pem,
                         DecodeData(key_data, origin, path + ".client-key-data"));
  } else if (!key_file.empty()) {
    config.client_key_file = Resolve(base_dir, key_file);
  }
  const bool has_cert = !config.client_cert_pem.empty() || !config.client_cert_file.empty();
  const bool has_key = !config.client_key_pem.empty() || !config.client_key_file.empty();
  if (has_cert != has_key) {
    return Invalid(origin, path + (has_cert ? ".client-key" : ".client-certificate"),
                   "missing: a client certificate needs its key");
  }
  for (const auto& [file, field] : {std::pair{config.client_cert_file, ".client-certificate"},
                                    std::pair{config.client_key_file, ".client-key"}}) {
    if (!file.empty() && !ReadFile(file)) {
      return Invalid(origin, path + field, "file '" + file + "' cannot be read");
    }
  }
  if (config.token.empty() && config.token_file.empty() && !has_cert) {
    return Invalid(origin, path, "has no credentials (token, tokenFile or client-certificate)");
  }
  return Status::Ok();
}

}  // namespace

Result<KubernetesConfig> ParseKubeconfig(std::string_view text, const std::string& base_dir,
                                         const std::string& origin, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument,
                 "kubeconfig " + origin + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) return Invalid(origin, "(document)", "must be a map");
  try {
    std::string context_name = context;
    if (context_name.empty()) {
      POP_ASSIGN_OR_RETURN(context_name,
                           StringField(root, "current-context", origin, "(document)"));
      if (context_name.empty()) {
        return Invalid(origin, "current-context", "missing (and no context was given)");
      }
    }
    const std::string context_field = context.empty() ? "current-context" : "context";
    POP_ASSIGN_OR_RETURN(YAML::Node ctx, NamedEntry(root, "contexts", "context", context_name,
                                                    origin, context_field));
    const std::string ctx_path = "contexts[" + context_name + "].context";
    POP_ASSIGN_OR_RETURN(std::string cluster_name, StringField(ctx, "cluster", origin, ctx_path));
    if (cluster_name.empty()) return Invalid(origin, ctx_path + ".cluster", "missing");
    POP_ASSIGN_OR_RETURN(std::string user_name, StringField(ctx, "user", origin, ctx_path));
    if (user_name.empty()) return Invalid(origin, ctx_path + ".user", "missing");
    KubernetesConfig config;
    POP_ASSIGN_OR_RETURN(config.namespace_name, StringField(ctx, "namespace", origin, ctx_path));
    POP_ASSIGN_OR_RETURN(YAML::Node cluster, NamedEntry(root, "clusters", "cluster", cluster_name,
                                                        origin, ctx_path + ".cluster"));
    POP_RETURN_IF_ERROR(
        ReadCluster(cluster, origin, "clusters[" + cluster_name + "].cluster", base_dir, config));
    POP_ASSIGN_OR_RETURN(YAML::Node user,
                         NamedEntry(root, "users", "user", user_name, origin, ctx_path + ".user"));
    POP_RETURN_IF_ERROR(ReadUser(user, origin, "users[" + user_name + "].user", base_dir, config));
    return config;
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, "kubeconfig " + origin + ": " + e.what());
  }
}

Result<KubernetesConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return Error(ErrorCode::kNotFound, "kubeconfig '" + path + "' cannot be read");
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return ParseKubeconfig(*text, base_dir, "'" + path + "'", context);
}

Result<KubernetesConfig> InClusterKubernetesConfig(
    const std::function<const char*(const char*)>& getenv, const std::string& service_account_dir) {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || host[0] == '\0' || port == nullptr || port[0] == '\0') {
    return Error(
        ErrorCode::kInvalidArgument,
        "in-cluster Kubernetes configuration: KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT must be set (is this a pod? otherwise give --kubeconfig)");
  }
  KubernetesConfig config;
  const std::string host_text = host;
  // An IPv6 service address goes in brackets.
  config.server = "https://" +
                  (host_text.find(':') != std::string::npos ? "[" + host_text + "]" : host_text) +
                  ":" + port;
  config.token_file = service_account_dir + "/token";
  config.ca_file = service_account_dir + "/ca.crt";
  for (const std::string& file : {config.token_file, config.ca_file}) {
    if (!ReadFile(file)) {
      return Error(ErrorCode::kInvalidArgument,
                   "in-cluster Kubernetes configuration: '" + file +
                       "' cannot be read (is a service account token mounted?)");
    }
  }
  if (std::optional<std::string> ns = ReadFile(service_account_dir + "/namespace")) {
    config.namespace_name = *ns;
    while (!config.namespace_name.empty() &&
           (config.namespace_name.back() == '\n' || config.namespace_name.back() == ' ')) {
      config.namespace_name.pop_back();
    }
  }
  return config;
}

}  // namespace pop
