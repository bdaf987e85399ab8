// KubernetesConfig: where a Kubernetes API server is and how pop authenticates to it, read from
// a kubeconfig file (token and client-certificate users, certificate-authority file or data) or
// from inside a pod (the service account's token and CA, KUBERNETES_SERVICE_HOST/PORT).
// Immutable once loaded.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace pop {

struct KubernetesConfig {
  std::string server;      // "https://host:port", no trailing slash
  std::string ca_file;     // PEM file of the CA that signs the server's certificate, or
  std::string ca_pem;      // the PEM itself; neither: the system's trust store
  std::string token;       // bearer token, or
  std::string token_file;  // a file read again on each request (rotated service account tokens)
  std::string client_cert_file;  // client certificate (PEM) and key, as files or
  std::string client_key_file;
  std::string client_cert_pem;  // as PEM text
  std::string client_key_pem;
  std::string namespace_name;  // the context's (or the service account's) namespace; may be empty
};

// Reads a kubeconfig file. `context` empty: the file's current-context. Relative file paths in
// the file are taken relative to the file's directory (as kubectl does).
// Errors: kInvalidArgument naming the file and the field that is missing or wrong (e.g.
// "users[pop].user.client-key-data: not valid base64"); kNotFound when the file cannot be read.
[[nodiscard]] Result<KubernetesConfig> LoadKubeconfig(const std::string& path,
                                                      const std::string& context = "");
// The same from text; `base_dir` resolves relative paths, `origin` names the source in errors.
[[nodiscard]] Result<KubernetesConfig> ParseKubeconfig(std::string_view text,
                                                       const std::string& base_dir,
                                                       const std::string& origin,
                                                       const std::string& context = "");

// In-cluster configuration: server from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (via
// `getenv`), token file, CA and namespace from `service_account_dir` (in a pod:
// /var/run/secrets/kubernetes.io/serviceaccount). Errors: kInvalidArgument naming what is
// missing (not in a pod).
[[nodiscard]] Result<KubernetesConfig> InClusterKubernetesConfig(
    const std::function<const char*(const char*)>& getenv,
    const std::string& service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace pop
