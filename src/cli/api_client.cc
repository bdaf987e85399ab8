#include "cli/api_client.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/base/error_status.h"
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

}  // namespace

Result<ClientConfig> ResolveClientConfig(const std::string& server_flag,
                                         const std::string& token_flag,
                                         const std::string& data_dir_flag,
                                         const std::string& ca_file_flag) {
  ClientConfig config;
  config.ca_file = !ca_file_flag.empty() ? ca_file_flag : EnvOr("POP_CA_FILE", "");
  if (!config.ca_file.empty() && !std::ifstream(config.ca_file).good()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(ca_file_flag.empty() ? "POP_CA_FILE" : "--ca-file") +
                     ": cannot read '" + config.ca_file + "': " + std::strerror(errno));
  }
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
  return Call(method, path, body, {});
}

Result<Json> ApiClient::Call(const std::string& method, const std::string& path,
                             const std::optional<std::string>& body, const HttpHeaders& headers) {
  POP_ASSIGN_OR_RETURN(HttpClientResponse response, Send(method, path, body, headers));
  Result<Json> parsed = ParseJson(response.body);
  if (!parsed.ok()) return Error(ErrorCode::kInternal, "the server sent invalid JSON");
  return parsed;
}

Result<TextResponse> ApiClient::GetText(const std::string& path) {
  POP_ASSIGN_OR_RETURN(HttpClientResponse response, Send("GET", path, std::nullopt, {}));
  return TextResponse{std::move(response.body), std::move(response.headers)};
}

Result<HttpClientResponse> ApiClient::Send(const std::string& method, const std::string& path,
                                           const std::optional<std::string>& body,
                                           const HttpHeaders& headers) {
  HttpClientRequest request;
  request.method = method;
  request.url = config_.server + config_.base_path + path;
  request.headers.emplace_back("Authorization", "Bearer " + config_.token);
  for (const auto& header : headers) request.headers.push_back(header);
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = *body;
  }
  POP_ASSIGN_OR_RETURN(HttpClientResponse response, http_->Send(request));
  if (response.status >= 200 && response.status < 300) return response;
  std::string description = "HTTP " + std::to_string(response.status);
  Result<Json> parsed = ParseJson(response.body);
  if (parsed.ok()) {
    const Json* error = parsed->Find("errorResponse");
    const Json* text = error != nullptr ? error->Find("description") : nullptr;
    if (text != nullptr && text->is_string()) description = text->AsString();
  }
  return Error(CodeForHttpStatus(response.status), description);
}

const std::string* TextResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kTooManyRequests:  // like unavailable: the same command may succeed later
      return 3;
    case ErrorCode::kInvalidArgument:
      return 2;
    default:
      return 1;
  }
}

}  // namespace pop::cli
