#include "cli/api_client.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/codec/json_text.h"

namespace pop::cli {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::optional<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return std::nullopt;
  return token;
}

ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kMethodNotAllowed;
    case 409:
      return ErrorCode::kConflict;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 422:
      return ErrorCode::kValidation;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Result<ClientConfig> ResolveClientConfig(const std::string& server_flag,
                                         const std::string& token_flag,
                                         const std::string& data_dir_flag) {
  ClientConfig config;
  config.server = !server_flag.empty() ? server_flag : EnvOr("POP_ADDR", "http://127.0.0.1:9090");
  if (config.server.find("://") == std::string::npos) config.server = "http://" + config.server;
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  config.base_path = EnvOr("POP_BASE_PATH", "/pop");
  config.token = !token_flag.empty() ? token_flag : EnvOr("POP_TOKEN", "");
  if (config.token.empty()) {
    std::string data_dir =
        !data_dir_flag.empty() ? data_dir_flag : EnvOr("POP_DATA_DIR", "pop-data");
    std::string path = data_dir + "/admin-token";
    if (auto token = ReadTokenFile(path)) {
      config.token = *token;
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "no token: pass --token, set POP_TOKEN, or run where `pop dev` wrote " + path);
    }
  }
  return config;
}

ApiClient::ApiClient(ClientConfig config, std::unique_ptr<HttpClient> http)
    : config_(std::move(config)), http_(std::move(http)) {}

Result<Json> ApiClient::Call(const std::string& method, const std::string& path,
                             const std::optional<std::string>& body) {
  HttpClientRequest request;
  request.method = method;
  request.url = config_.server + config_.base_path + path;
  request.headers.emplace_back("Authorization", "Bearer " + config_.token);
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = *body;
  }
  POP_ASSIGN_OR_RETURN(HttpClientResponse response, http_->Send(request));
  Result<Json> parsed = ParseJson(response.body);
  if (response.status >= 200 && response.status < 300) {
    if (!parsed.ok()) return Error(ErrorCode::kInternal, "the server sent invalid JSON");
    return parsed;
  }
  std::string description = "HTTP " + std::to_string(response.status);
  if (parsed.ok()) {
    const Json* error = parsed->Find("errorResponse");
    const Json* text = error != nullptr ? error->Find("description") : nullptr;
    if (text != nullptr && text->is_string()) description = text->AsString();
  }
  return Error(CodeForStatus(response.status), description);
}

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
      return 3;
    case ErrorCode::kInvalidArgument:
      return 2;
    default:
      return 1;
  }
}

}  // namespace pop::cli
