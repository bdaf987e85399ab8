// CurlHttpClient: the HttpClient port over libcurl (HTTP/1.1, keep-alive). curl.h stays in the
// .cc. Thread-safe: concurrent Send() calls each check out their own curl handle from a small
// pool, and a handle keeps its connections open for the next request that checks it out.
#pragma once

#include <memory>
#include <string>

#include "core/base/result.h"
#include "ports/http_client.h"

namespace pop {

struct CurlHttpClientOptions {
  // PEM file of the CA certificates that https:// servers are verified against, instead of the
  // system's. Empty: the system's trust store. Either way the certificate chain and the host
  // name are always verified, and TLS 1.2 is the minimum.
  std::string ca_file;
};

// Proxies from the environment (http_proxy, ...) are ignored: requests go straight to the URL's
// host. Redirects are not followed. Only http:// and https:// URLs are accepted. A timeout
// under 1 ms counts as 1 ms.
class CurlHttpClient final : public HttpClient {
 public:
  // Initialises libcurl once per process (never cleaned up: other clients may still use it).
  // Errors: kInternal when libcurl cannot be initialised; kInvalidArgument when
  // options.ca_file cannot be read (the message names the file).
  [[nodiscard]] static Result<std::unique_ptr<CurlHttpClient>> Create(
      CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Errors: kUnavailable (cannot connect or resolve, timed out, connection lost, TLS handshake
  // failed or the server's certificate is not trusted or not for this host; the message is
  // curl's), kInvalidArgument (malformed or non-HTTP URL, CR/LF in a header), kInternal
  // (libcurl failed internally, e.g. out of memory).
  [[nodiscard]] Result<HttpClientResponse> Send(const HttpClientRequest& request) override;

 private:
  class HandlePool;
  CurlHttpClient(CurlHttpClientOptions options, std::unique_ptr<HandlePool> pool);

  const CurlHttpClientOptions options_;
  std::unique_ptr<HandlePool> pool_;
};

}  // namespace pop
