#include "adapters/http_client/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pop {
namespace {

// Idle handles kept for reuse; each keeps its own (small) cache of open connections. More
// concurrent requests than this still work: the extra handles are closed when returned.
constexpr size_t kMaxIdleHandles = 32;

struct EasyCleanup {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyCleanup>;

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

// curl_global_init is not safe to race with itself or with other libcurl calls on every
// platform: a function-local static runs it exactly once, thread-safely. Never cleaned up,
// since it is process-wide and other users of libcurl may be running.
CURLcode GlobalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

std::string LowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

bool IsValidHeaderName(std::string_view name) {
  return !name.empty() && name.find_first_of(":\r\n \t") == std::string_view::npos;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Called once per header line, status line included; a new status line (after "100 Continue")
// starts the header list again.
size_t OnHeaderLine(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(LowerCase(Trim(line.substr(0, colon))),
                          std::string(Trim(line.substr(colon + 1))));
  }
  return size * count;
}

Error ErrorFor(CURLcode code, const char* detail, const HttpClientRequest& request) {
  std::string message = request.method + " " + request.url + ": " +
                        (detail[0] != '\0' ? std::string(detail) : curl_easy_strerror(code));
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidArgument, std::move(message));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return Error(ErrorCode::kInternal, std::move(message));
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error(ErrorCode::kUnavailable,
                   "the server's TLS certificate is not trusted (check the CA file): " + message);
    default:  // Connect, resolve, timeout, send/receive failures, TLS handshakes, ...
      return Error(ErrorCode::kUnavailable, std::move(message));
  }
}

// Request headers as a curl list. A body without a Content-Type must not get curl's default
// (application/x-www-form-urlencoded), so "Content-Type:" removes it.
Result<HeaderList> BuildHeaders(const HttpClientRequest& request, bool sends_body) {
  HeaderList list;
  bool has_content_type = false;
  auto append = [&list](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return false;
    (void)list.release();  // `next` now owns the old list.
    list.reset(next);
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    if (!IsValidHeaderName(name) || HasLineBreak(value)) {
      return Error(ErrorCode::kInvalidArgument, "invalid request header '" + name + "'");
    }
    if (LowerCase(name) == "content-type") has_content_type = true;
    // "Name;" is curl's spelling of a header with an empty value.
    std::string line = name;
    if (value.empty()) {
      line += ';';
    } else {
      line.append(": ").append(value);
    }
    if (!append(line)) {
      return Error(ErrorCode::kInternal, "out of memory");
    }
  }
  if (sends_body && !has_content_type && !append("Content-Type:")) {
    return Error(ErrorCode::kInternal, "out of memory");
  }
  return list;
}

}  // namespace

class CurlHttpClient::HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  // A handle with all options reset (its connections stay open), or null when curl fails.
  EasyHandle CheckOut() {
    EasyHandle handle;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        handle = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!handle) return EasyHandle(curl_easy_init());
    curl_easy_reset(handle.get());
    return handle;
  }

  void Return(EasyHandle handle) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
    // Otherwise `handle` closes its connections when it goes out of scope: after unlocking.
  }

 private:
  std::mutex mu_;
  std::vector<EasyHandle> idle_;  // guarded by mu_
};

Result<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(CurlHttpClientOptions options) {
  if (const CURLcode code = GlobalInit(); code != CURLE_OK) {
    return Error(ErrorCode::kInternal,
                 std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  if (!options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return Error(ErrorCode::kInvalidArgument,
                 "CA file '" + options.ca_file + "' cannot be read: " + std::strerror(errno));
  }
  return std::unique_ptr<CurlHttpClient>(
      new CurlHttpClient(std::move(options), std::make_unique<HandlePool>()));
}

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options, std::unique_ptr<HandlePool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpClientResponse> CurlHttpClient::Send(const HttpClientRequest& request) {
  if (request.method.empty() || !IsValidHeaderName(request.method)) {
    return Error(ErrorCode::kInvalidArgument, "invalid HTTP method '" + request.method + "'");
  }
  const bool is_head = request.method == "HEAD";
  const bool sends_body = !is_head && (!request.body.empty() || request.method == "POST" ||
                                       request.method == "PUT" || request.method == "PATCH");
  POP_ASSIGN_OR_RETURN(HeaderList headers, BuildHeaders(request, sends_body));
  EasyHandle handle = pool_->CheckOut();
  if (!handle) return Error(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* curl = handle.get();

  HttpClientResponse response;
  char detail[CURL_ERROR_SIZE] = {};
  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(curl, CURLOPT_PROXY, "");     // Ignore proxy variables from the environment.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // Required for multi-threaded use.
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  // https://: the chain and the host name are verified (curl's defaults, set again so that no
  // reset can lose them), TLS 1.2 at least.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (is_head) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  const CURLcode code = curl_easy_perform(curl);
  // The handle must not keep pointers into this frame once it is back in the pool.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) {
    Error error = ErrorFor(code, detail, request);
    pool_->Return(std::move(handle));
    return error;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  pool_->Return(std::move(handle));
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace pop
