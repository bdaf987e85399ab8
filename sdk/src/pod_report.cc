#include "pop_sdk/pod_report.h"

#include <curl/curl.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "core/codec/json_text.h"

namespace pop::sdk {
namespace {

constexpr char kAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount/";

std::optional<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One merge-patch of the pod's annotations; the error text, or nullopt on success.
std::optional<std::string> Patch(const PodReportTarget& target, const std::string& body) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return std::string("libcurl could not start a request");
  const std::string url =
      target.server + "/api/v1/namespaces/" + target.namespace_name + "/pods/" + target.pod;
  std::string response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + target.token).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/merge-patch+json");
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_CAINFO, target.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return "patching pod " + target.pod + " failed: " + curl_easy_strerror(rc);
  }
  if (status < 200 || status >= 300) {
    std::string message = response;
    if (Result<Json> json = ParseJson(response); json.ok() && json->is_object()) {
      if (const Json* text = json->Find("message"); text != nullptr && text->is_string()) {
        message = text->AsString();
      }
    }
    return "patching pod " + target.pod + " failed: HTTP " + std::to_string(status) + ": " +
           message;
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<PodReportTarget>> PodReportTargetFrom(const HandlerEnvironment& env) {
  const std::optional<std::string> pod = env.Variable(kPodNameVar);
  if (!pod.has_value() || pod->empty()) return std::optional<PodReportTarget>();
  const std::string where = "in a pod (MY_POD_NAME=" + *pod + ") but ";
  PodReportTarget target;
  target.pod = *pod;
  if (std::optional<std::string> server = env.Variable("POP_KUBE_SERVER");
      server && !server->empty()) {
    target.server = *server;
  } else {
    const std::optional<std::string> host = env.Variable("KUBERNETES_SERVICE_HOST");
    if (!host.has_value() || host->empty()) {
      return Error(ErrorCode::kUnavailable,
                   where + "no API server: KUBERNETES_SERVICE_HOST is not set");
    }
    const std::string port = env.Variable("KUBERNETES_SERVICE_PORT").value_or("443");
    const bool ipv6 = host->find(':') != std::string::npos;
    target.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + port;
  }
  const std::string token_file =
      env.Variable("POP_KUBE_TOKEN_FILE").value_or(std::string(kAccountDir) + "token");
  std::optional<std::string> token = ReadText(token_file);
  if (!token.has_value() || token->empty()) {
    return Error(ErrorCode::kUnavailable, where + "no service account token in " + token_file);
  }
  target.token = std::move(*token);
  target.ca_file = env.Variable("POP_KUBE_CA_FILE").value_or(std::string(kAccountDir) + "ca.crt");
  if (std::optional<std::string> ns = env.Variable("POP_KUBE_NAMESPACE"); ns && !ns->empty()) {
    target.namespace_name = *ns;
  } else {
    const std::string ns_file = std::string(kAccountDir) + "namespace";
    std::optional<std::string> text = ReadText(ns_file);
    if (!text.has_value() || text->empty()) {
      return Error(ErrorCode::kUnavailable, where + "no namespace in " + ns_file);
    }
    target.namespace_name = std::move(*text);
  }
  return std::optional<PodReportTarget>(std::move(target));
}

std::unique_ptr<ReportChannel> PodReportChannel(PodReportTarget target,
                                                const HandlerEnvironment& env,
                                                ProgressReporterOptions options) {
  auto send = [target = std::move(target)](
                  const std::string& progress_json,
                  const std::optional<std::string>& result_json) -> std::optional<std::string> {
    JsonObject annotations;
    annotations.Set("pop.report.progress", progress_json);
    if (result_json.has_value()) annotations.Set("pop.report.payload", *result_json);
    return Patch(
        target,
        ToJsonText(Json(JsonObject{
            {"metadata", Json(JsonObject{{"annotations", Json(std::move(annotations))}})}})));
  };
  // One clock for both: a fake `now` with the system's wait would never reach its deadlines.
  const bool own_clock = env.now && env.wait_until;
  return ReportChannel::ToReporter(
      ProgressReporter::Start(std::move(send), own_clock ? env.now : SystemNow,
                              own_clock ? env.wait_until : SystemWaitUntil, options));
}

}  // namespace pop::sdk
