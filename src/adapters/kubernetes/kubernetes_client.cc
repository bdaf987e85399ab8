#include "adapters/kubernetes/kubernetes_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "adapters/kubernetes/kubernetes_pod_codec.h"
#include "adapters/kubernetes/kubernetes_pod_watch.h"
#include "core/codec/json_text.h"
#include "ports/mutex.h"

namespace pop {

// What one API request is, for the request itself and for the error message when it is
// refused ("create pods in namespace 'x'").
struct KubernetesClient::Call {
  Call() = default;
  Call(std::string method_in, std::string path_in, std::string body_in = "",
       std::string content_type_in = "application/json")
      : method(std::move(method_in)),
        path(std::move(path_in)),
        body(std::move(body_in)),
        content_type(std::move(content_type_in)) {}

  std::string method;
  std::string path;
  std::string body;
  std::string content_type = "application/json";
  std::string verb;      // create, get, list, watch, delete, patch
  std::string resource;  // pods, pods/status, pods/log, ...
  std::string namespace_name;
  std::string name;
  // Streaming: called with each chunk; returning false ends the request (not an error).
  std::function<bool(std::string_view)> on_data;
  const std::atomic<bool>* stop = nullptr;
  bool no_timeout = false;
  std::optional<Duration> timeout;  // instead of the client's request_timeout
};

namespace {

struct EasyCleanup {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyCleanup>;

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistFree>;

constexpr size_t kMaxIdleHandles = 16;

CURLcode GlobalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TrimToken(std::string token) {
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  return token;
}

struct Transfer {
  std::string body;
  std::string retry_after;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  bool stopped_by_reader = false;
  const std::atomic<bool>* stop = nullptr;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (transfer->on_data != nullptr) {
    if (!(*transfer->on_data)(std::string_view(data, n))) {
      transfer->stopped_by_reader = true;
      return 0;  // ends the transfer (CURLE_WRITE_ERROR, not reported as an error)
    }
    return n;
  }
  transfer->body.append(data, n);
  return n;
}

size_t OnHeaderLine(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string line(data, size * count);
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.rfind("retry-after:", 0) == 0) transfer->retry_after = TrimToken(line.substr(12));
  return size * count;
}

int OnProgress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
               curl_off_t /*ulnow*/) {
  const auto* transfer = static_cast<const Transfer*>(user);
  return transfer->stop != nullptr && transfer->stop->load() ? 1 : 0;
}

// The "message" of a Kubernetes Status body, or the body itself (shortened).
std::string StatusMessage(const std::string& body) {
  Result<Json> parsed = ParseJson(body);
  if (parsed.ok()) {
    if (const Json* message = parsed->Find("message"); message != nullptr && message->is_string()) {
      return message->AsString();
    }
  }
  std::string text = body.substr(0, 300);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "(no message)" : text;
}

std::string Describe(const KubernetesClient::Call& call) {
  std::string what = call.verb + " " + call.resource;
  if (!call.name.empty()) what += " '" + call.name + "'";
  if (!call.namespace_name.empty()) what += " in namespace '" + call.namespace_name + "'";
  return what;
}

Error ErrorForStatus(long status, const std::string& body, const KubernetesClient::Call& call,
                     const std::string& server) {
  const std::string message = StatusMessage(body);
  const std::string what = Describe(call);
  switch (status) {
    case 400:
    case 422:
      return Error(ErrorCode::kInvalidArgument, "Kubernetes refused to " + what + " (" +
                                                    std::to_string(status) + "): " + message);
    case 401:
      return Error(ErrorCode::kUnauthenticated, "Kubernetes API " + server +
                                                    " refused the credentials (401) to " + what +
                                                    ": " + message);
    case 403:
      return Error(
          ErrorCode::kPermissionDenied,
          "Kubernetes RBAC denies '" + call.verb + "' on '" + call.resource + "'" +
              (call.namespace_name.empty() ? std::string()
                                           : " in namespace '" + call.namespace_name + "'") +
              ": " + message);
    case 404:
      return Error(ErrorCode::kNotFound, "Kubernetes: cannot " + what + ": not found: " + message);
    case 409:
      return Error(ErrorCode::kConflict, "Kubernetes: cannot " + what + ": conflict: " + message);
    case 410:
      return Error(ErrorCode::kConflict, "Kubernetes: cannot " + what +
                                             ": resourceVersion expired (410 Gone): " + message);
    default:
      break;
  }
  const ErrorCode code =
      (status == 429 || status >= 500) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return Error(code,
               "Kubernetes: cannot " + what + ": HTTP " + std::to_string(status) + ": " + message);
}

bool IsRetriableStatus(long status) { return status == 429 || status >= 500; }

}  // namespace

class KubernetesClient::HandlePool {
 public:
  EasyHandle CheckOut() {
    EasyHandle handle;
    {
      MutexLock lock(mu_);
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
    MutexLock lock(mu_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
  }

 private:
  Mutex mu_;
  std::vector<EasyHandle> idle_ POP_GUARDED_BY(mu_);
};

Result<std::unique_ptr<KubernetesClient>> KubernetesClient::Create(
    KubernetesConfig config, const Clock& clock, KubernetesClientOptions options) {
  if (const CURLcode code = GlobalInit(); code != CURLE_OK) {
    return Error(ErrorCode::kInternal,
                 std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  if (config.server.rfind("https://", 0) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "Kubernetes server '" + config.server + "' is not an https:// URL");
  }
  for (const std::string& file :
       {config.ca_file, config.client_cert_file, config.client_key_file, config.token_file}) {
    if (!file.empty() && !ReadFile(file)) {
      return Error(ErrorCode::kInvalidArgument, "Kubernetes: file '" + file + "' cannot be read");
    }
  }
  if (options.max_attempts < 1) options.max_attempts = 1;
  return std::unique_ptr<KubernetesClient>(
      new KubernetesClient(std::move(config), clock, options, std::make_unique<HandlePool>()));
}

KubernetesClient::KubernetesClient(KubernetesConfig config, const Clock& clock,
                                   KubernetesClientOptions options,
                                   std::unique_ptr<HandlePool> pool)
    : config_(std::move(config)), clock_(clock), options_(options), pool_(std::move(pool)) {}

KubernetesClient::~KubernetesClient() = default;

std::string KubernetesClient::QueryEscape(std::string_view value) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

// One attempt per loop turn; 429, 5xx and (for requests that change nothing or are safe to
// repeat) connection failures are retried with exponential backoff through the clock, honouring
// Retry-After. Streaming calls are not retried here: their loops resume by themselves.
Result<std::string> KubernetesClient::Perform(const Call& call) {
  Duration backoff = options_.initial_backoff;
  const bool streaming = static_cast<bool>(call.on_data);
  const int attempts = streaming ? 1 : options_.max_attempts;
  for (int attempt = 1;; ++attempt) {
    std::string token = config_.token;
    if (token.empty() && !config_.token_file.empty()) {
      std::optional<std::string> text = ReadFile(config_.token_file);
      if (!text) {
        return Error(ErrorCode::kUnauthenticated,
                     "Kubernetes: token file '" + config_.token_file + "' cannot be read");
      }
      token = TrimToken(*text);
    }
    HeaderList headers;
    auto append = [&headers](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
    };
    append("Accept: application/json");
    if (!token.empty()) append("Authorization: Bearer " + token);
    if (!call.body.empty()) append("Content-Type: " + call.content_type);

    EasyHandle handle = pool_->CheckOut();
    if (!handle) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    CURL* curl = handle.get();
    Transfer transfer;
    transfer.on_data = streaming ? &call.on_data : nullptr;
    transfer.stop = call.stop;
    char detail[CURL_ERROR_SIZE] = {};
    const std::string url = config_.server + call.path;
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
    if (!call.no_timeout) {
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                       static_cast<long>(std::max<int64_t>(
                           1, call.timeout.value_or(options_.request_timeout).millis())));
    }
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_blob ca_blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(),
                      CURL_BLOB_NOCOPY};
    curl_blob cert_blob{const_cast<char*>(config_.client_cert_pem.data()),
                        config_.client_cert_pem.size(), CURL_BLOB_NOCOPY};
    curl_blob key_blob{const_cast<char*>(config_.client_key_pem.data()),
                       config_.client_key_pem.size(), CURL_BLOB_NOCOPY};
    if (!config_.ca_pem.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca_blob);
    } else if (!config_.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
    }
    if (!config_.client_cert_pem.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert_blob);
      curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    } else if (!config_.client_cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, config_.client_cert_file.c_str());
    }
    if (!config_.client_key_pem.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key_blob);
      curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (!config_.client_key_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLKEY, config_.client_key_file.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    if (call.stop != nullptr) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    }
    if (!call.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(call.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    } else {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    }
    if (call.method != "GET" && call.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    pool_->Return(std::move(handle));

    std::optional<Error> error;
    bool retriable = false;
    if (code == CURLE_WRITE_ERROR && transfer.stopped_by_reader) return std::string();
    if (code == CURLE_ABORTED_BY_CALLBACK) return std::string();  // stopped
    if (code != CURLE_OK) {
      const bool is_tls_trust = code == CURLE_PEER_FAILED_VERIFICATION ||
                                code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM;
      error = Error(ErrorCode::kUnavailable,
                    "Kubernetes API " + config_.server +
                        (is_tls_trust ? " is not trusted (check the CA and client certificate) to "
                                      : " unreachable to ") +
                        Describe(call) + ": " +
                        (detail[0] != '\0' ? std::string(detail) : curl_easy_strerror(code)));
      // Retrying cannot fix a certificate; a POST may have been applied before the cut.
      retriable = call.method != "POST" && !is_tls_trust;
    } else if (status >= 200 && status < 300) {
      return std::move(transfer.body);
    } else {
      error = ErrorForStatus(status, transfer.body, call, config_.server);
      retriable = IsRetriableStatus(status);
    }
    if (!retriable || attempt >= attempts) return *error;
    Duration wait = backoff;
    if (!transfer.retry_after.empty()) {
      const int seconds = std::atoi(transfer.retry_after.c_str());
      if (seconds > 0) wait = Duration::Seconds(std::min(seconds, 10));
    }
    Mutex mu;
    std::condition_variable cv;  // never notified: the wait ends at the deadline
    MutexLock lock(mu);
    const Timestamp deadline = clock_.Now() + wait;
    while (clock_.Now() < deadline) mu.WaitUntil(clock_, cv, deadline);
    backoff = std::min(backoff + backoff, options_.max_backoff);
  }
}

Result<std::string> KubernetesClient::Request(const std::string& method, const std::string& path,
                                              const std::string& body,
                                              const std::string& content_type) {
  Call call;
  call.method = method;
  call.path = path;
  call.body = body;
  call.content_type = content_type;
  call.verb = method == "POST"     ? "create"
              : method == "DELETE" ? "delete"
              : method == "PATCH"  ? "patch"
              : method == "PUT"    ? "update"
                                   : "get";
  call.resource = path;
  return Perform(call);
}

namespace {

// An empty namespace: every namespace's pods (list and watch only; the caller needs the right to
// list or watch pods cluster-wide).
std::string PodsPath(const std::string& namespace_name) {
  if (namespace_name.empty()) return "/api/v1/pods";
  return "/api/v1/namespaces/" + KubernetesClient::QueryEscape(namespace_name) + "/pods";
}

}  // namespace

Result<PodInfo> KubernetesClient::CreatePod(const std::string& namespace_name,
                                            const Json& manifest) {
  Call call{"POST", PodsPath(namespace_name), ToJsonText(manifest)};
  call.verb = "create";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  if (const Json* metadata = manifest.Find("metadata"); metadata != nullptr) {
    if (const Json* name = metadata->Find("name"); name != nullptr && name->is_string()) {
      call.name = name->AsString();
    }
  }
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  return DecodePodText(body);
}

Result<PodInfo> KubernetesClient::GetPod(const std::string& namespace_name,
                                         const std::string& name) {
  Call call{"GET", PodsPath(namespace_name) + "/" + QueryEscape(name)};
  call.verb = "get";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  call.name = name;
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  return DecodePodText(body);
}

Result<PodList> KubernetesClient::ListPods(const std::string& namespace_name,
                                           const std::string& label_selector) {
  std::string path = PodsPath(namespace_name);
  if (!label_selector.empty()) path += "?labelSelector=" + QueryEscape(label_selector);
  Call call{"GET", path};
  call.verb = "list";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  return DecodePodListText(body);
}

Status KubernetesClient::DeletePod(const std::string& namespace_name, const std::string& name) {
  Call call{"DELETE", PodsPath(namespace_name) + "/" + QueryEscape(name) + "?gracePeriodSeconds=0"};
  call.verb = "delete";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  call.name = name;
  return Perform(call).status();
}

Result<PodInfo> KubernetesClient::PatchPodAnnotations(
    const std::string& namespace_name, const std::string& name,
    const std::map<std::string, std::optional<std::string>>& annotations) {
  JsonObject values;
  for (const auto& [key, value] : annotations) {
    values.Set(key, value ? Json(*value) : Json(nullptr));
  }
  const Json patch(JsonObject{{"metadata", Json(JsonObject{{"annotations", Json(values)}})}});
  Call call{"PATCH", PodsPath(namespace_name) + "/" + QueryEscape(name), ToJsonText(patch),
            "application/merge-patch+json"};
  call.verb = "patch";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  call.name = name;
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  return DecodePodText(body);
}

Result<PodInfo> KubernetesClient::PatchPodStatus(const std::string& namespace_name,
                                                 const std::string& name, const Json& status) {
  const Json patch(JsonObject{{"status", status}});
  Call call{"PATCH", PodsPath(namespace_name) + "/" + QueryEscape(name) + "/status",
            ToJsonText(patch), "application/merge-patch+json"};
  call.verb = "patch";
  call.resource = "pods/status";
  call.namespace_name = namespace_name;
  call.name = name;
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  return DecodePodText(body);
}

Status KubernetesClient::FollowLog(const std::string& namespace_name, const std::string& name,
                                   const std::string& container,
                                   const std::function<bool(std::string_view)>& on_data) {
  Call call{"GET", PodsPath(namespace_name) + "/" + QueryEscape(name) +
                       "/log?follow=true&container=" + QueryEscape(container)};
  call.verb = "get";
  call.resource = "pods/log";
  call.namespace_name = namespace_name;
  call.name = name;
  call.no_timeout = true;
  call.on_data = on_data;
  return Perform(call).status();
}

Result<std::string> KubernetesClient::ReadLog(const std::string& namespace_name,
                                              const std::string& name,
                                              const std::string& container) {
  Call call{"GET", PodsPath(namespace_name) + "/" + QueryEscape(name) +
                       "/log?container=" + QueryEscape(container)};
  call.verb = "get";
  call.resource = "pods/log";
  call.namespace_name = namespace_name;
  call.name = name;
  // Its caller visits many pods in turn: one slow answer must not hold up the others for long.
  call.timeout = Duration::Seconds(5);
  return Perform(call);
}

Status KubernetesClient::StreamPodWatch(const std::string& namespace_name,
                                        const std::string& label_selector,
                                        const std::string& resource_version,
                                        const std::function<void(const PodWatchLine&)>& on_line,
                                        const std::atomic<bool>& stop) {
  std::string path = PodsPath(namespace_name) + "?watch=1&allowWatchBookmarks=true" +
                     "&timeoutSeconds=" + std::to_string(options_.watch_timeout.millis() / 1000);
  if (!resource_version.empty()) path += "&resourceVersion=" + QueryEscape(resource_version);
  if (!label_selector.empty()) path += "&labelSelector=" + QueryEscape(label_selector);
  Call call{"GET", path};
  call.verb = "watch";
  call.resource = "pods";
  call.namespace_name = namespace_name;
  call.no_timeout = true;
  call.stop = &stop;
  std::string pending;
  std::optional<Error> decode_error;
  call.on_data = [&](std::string_view chunk) {
    pending.append(chunk);
    size_t start = 0;
    for (size_t newline = pending.find('\n', start); newline != std::string::npos;
         newline = pending.find('\n', start)) {
      const std::string_view line(pending.data() + start, newline - start);
      start = newline + 1;
      if (line.empty()) continue;
      Result<PodWatchLine> event = DecodeWatchLine(line);
      if (!event.ok()) {
        decode_error = event.error();
        return false;
      }
      on_line(*event);
    }
    pending.erase(0, start);
    return !stop.load();
  };
  POP_RETURN_IF_ERROR(Perform(call));
  if (decode_error) return *decode_error;
  return Status::Ok();
}

Result<PodAccess> KubernetesClient::ReviewAccess(const std::string& namespace_name,
                                                 const std::string& verb,
                                                 const std::string& resource) {
  // "pods/log" is resource "pods" with subresource "log".
  const size_t slash = resource.find('/');
  JsonObject attributes{{"namespace", Json(namespace_name)},
                        {"verb", Json(verb)},
                        {"resource", Json(resource.substr(0, slash))}};
  if (slash != std::string::npos) attributes.Set("subresource", Json(resource.substr(slash + 1)));
  const Json review(
      JsonObject{{"apiVersion", "authorization.k8s.io/v1"},
                 {"kind", "SelfSubjectAccessReview"},
                 {"spec", Json(JsonObject{{"resourceAttributes", Json(std::move(attributes))}})}});
  Call call{"POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ToJsonText(review)};
  call.verb = "create";
  call.resource = "selfsubjectaccessreviews";
  POP_ASSIGN_OR_RETURN(std::string body, Perform(call));
  POP_ASSIGN_OR_RETURN(Json answer, ParseJson(body));
  const Json* status = answer.Find("status");
  const Json* allowed = status != nullptr ? status->Find("allowed") : nullptr;
  if (allowed == nullptr || !allowed->is_bool()) {
    return Error(ErrorCode::kInternal,
                 "Kubernetes answered a SelfSubjectAccessReview without status.allowed: " +
                     body.substr(0, 300));
  }
  PodAccess access;
  access.allowed = allowed->AsBool();
  if (const Json* reason = status->Find("reason"); reason != nullptr && reason->is_string()) {
    access.reason = reason->AsString();
  }
  return access;
}

Result<std::unique_ptr<PodWatch>> KubernetesClient::WatchPods(
    const std::string& namespace_name, const std::string& label_selector,
    std::function<void(const PodEvent&)> on_event) {
  return StartPodWatch(*this, clock_, options_, namespace_name, label_selector,
                       std::move(on_event));
}

}  // namespace pop
