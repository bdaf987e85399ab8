// ApiClient: the CLI's connection to a pop server: where it is, which token to send, and one
// call that returns the parsed JSON body or an error carrying the server's description.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/json/json.h"
#include "ports/http_client.h"

namespace pop::cli {

struct ClientConfig {
  std::string server;     // "http://127.0.0.1:9090"
  std::string token;      // bearer secret
  std::string base_path;  // "/pop"
  std::string ca_file;    // PEM CAs to verify an https:// server with; empty: the system's
};

// Flags win, then the environment (POP_ADDR, POP_TOKEN, POP_DATA_DIR), then `pop dev`'s
// defaults (http://127.0.0.1:9090 and <data-dir>/admin-token with data-dir ./pop-data). The CA
// file: --ca-file, else POP_CA_FILE, else none (the system's trust store).
// Errors: kInvalidArgument when no token can be found or the CA file cannot be read.
[[nodiscard]] Result<ClientConfig> ResolveClientConfig(const std::string& server_flag,
                                                       const std::string& token_flag,
                                                       const std::string& data_dir_flag,
                                                       const std::string& ca_file_flag = "");

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// A successful text/plain answer (operation logs).
struct TextResponse {
  std::string body;
  HttpHeaders headers;  // names lower-cased
  // The value of header `name` (lower case), or nullptr.
  const std::string* Header(std::string_view name) const;
};

// Thread-compatible.
class ApiClient {
 public:
  ApiClient(ClientConfig config, std::unique_ptr<HttpClient> http);

  // `path` is relative to the base path ("/agenda"). Returns the parsed body of a successful
  // response. Errors: kUnavailable (server unreachable); otherwise the server's error code and
  // `errorResponse.description`.
  [[nodiscard]] Result<Json> Call(const std::string& method, const std::string& path,
                                  const std::optional<std::string>& body = std::nullopt);
  // As above, with extra request headers (e.g. Idempotency-Key).
  [[nodiscard]] Result<Json> Call(const std::string& method, const std::string& path,
                                  const std::optional<std::string>& body,
                                  const HttpHeaders& headers);
  // GET of a resource that answers text (operation logs). Errors as Call.
  [[nodiscard]] Result<TextResponse> GetText(const std::string& path);

 private:
  Result<HttpClientResponse> Send(const std::string& method, const std::string& path,
                                  const std::optional<std::string>& body,
                                  const HttpHeaders& headers);

  ClientConfig config_;
  std::unique_ptr<HttpClient> http_;
};

// Percent-encodes everything but RFC 3986 unreserved characters, for a path segment or a
// query value.
std::string UrlEncode(std::string_view text);

// Process exit codes for scripts: 0 ok, 1 the server refused the request, 2 bad usage or
// input, 3 the server could not be reached or asked to be retried later (429, 503).
int ExitCodeFor(const Error& error);

}  // namespace pop::cli
