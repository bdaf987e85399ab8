// BenchApi: a benchmark's client of pop's HTTP API (libcurl, Bearer token, JSON bodies), one per
// thread. Failures end the program through the `die` it is given (each program's own, which may
// stop the children it started).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "adapters/http_client/curl_http_client.h"
#include "core/json/json.h"

namespace pop::bench {

class BenchApi {
 public:
  // Prints `message` and ends the program; must not return.
  using DieFunction = void (*)(const std::string& message);

  BenchApi(std::string url, std::string token, DieFunction die);

  // The parsed body of a 200 response to `method` `url`/pop`path`; anything else calls `die`.
  Json Call(const std::string& method, const std::string& path, const std::string& body = "",
            std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

  // As Call, but a failure is returned in `error` (method, path, status and the body's start).
  std::optional<Json> TryCall(const std::string& method, const std::string& path,
                              const std::string& body, std::chrono::milliseconds timeout,
                              std::string& error);

 private:
  [[noreturn]] void Fail(const std::string& message) const;

  std::string url_;
  std::string token_;
  DieFunction die_;
  std::unique_ptr<CurlHttpClient> http_;
};

// The envelope's `all` array; empty when it has none.
const JsonArray& AllOf(const Json& envelope);

}  // namespace pop::bench
