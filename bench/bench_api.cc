#include "bench_api.h"

#include <cstdlib>
#include <utility>

#include "core/codec/json_text.h"

namespace pop::bench {

BenchApi::BenchApi(std::string url, std::string token, DieFunction die)
    : url_(std::move(url)), token_(std::move(token)), die_(die) {
  auto client = CurlHttpClient::Create();
  if (!client.ok()) Fail("libcurl: " + client.error().message);
  http_ = std::move(client).value();
}

void BenchApi::Fail(const std::string& message) const {
  die_(message);
  std::abort();  // `die` returned, which it must not
}

Json BenchApi::Call(const std::string& method, const std::string& path, const std::string& body,
                    std::chrono::milliseconds timeout) {
  std::string error;
  std::optional<Json> json = TryCall(method, path, body, timeout, error);
  if (!json) Fail(error);
  return std::move(*json);
}

std::optional<Json> BenchApi::TryCall(const std::string& method, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds timeout,
                                      std::string& error) {
  HttpClientRequest request;
  request.method = method;
  request.url = url_ + "/pop" + path;
  request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = timeout;
  Result<HttpClientResponse> response = http_->Send(request);
  if (!response.ok()) {
    error = method + " " + path + ": " + response.error().message;
    return std::nullopt;
  }
  if (response->status != 200) {
    error = method + " " + path + ": HTTP " + std::to_string(response->status) + " " +
            response->body.substr(0, 500);
    return std::nullopt;
  }
  Result<Json> parsed = ParseJson(response->body);
  if (!parsed.ok()) {
    error = method + " " + path + ": unparsable response " + response->body.substr(0, 500);
    return std::nullopt;
  }
  return std::move(parsed).value();
}

const JsonArray& AllOf(const Json& envelope) {
  static const JsonArray kEmpty;
  const Json* all = envelope.is_object() ? envelope.Find("all") : nullptr;
  return all != nullptr && all->is_array() ? all->AsArray() : kEmpty;
}

}  // namespace pop::bench
