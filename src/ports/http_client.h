// HttpClient: outgoing HTTP requests (the CLI, and later the puller and executor talking to the
// server). Implementation: CurlHttpClient (adapters/http_client). Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace pop {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: "http://127.0.0.1:9090/pop/agenda"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};  // whole request
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful result. Errors: kUnavailable when the server cannot be
  // reached or the request times out, kInvalidArgument for a malformed URL.
  [[nodiscard]] virtual Result<HttpClientResponse> Send(const HttpClientRequest& request) = 0;
};

}  // namespace pop
