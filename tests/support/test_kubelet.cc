#include "support/test_kubelet.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <utility>

#include "core/base/base64.h"
#include "core/codec/json_text.h"

namespace pop::testing {
namespace {

std::string StringAt(const Json* object, std::string_view key) {
  if (object == nullptr) return "";
  const Json* value = object->Find(key);
  return value != nullptr && value->is_string() ? value->AsString() : "";
}

std::string Now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

Json ContainerStatus(const std::string& name, const std::string& image, Json state) {
  return Json(JsonObject{{"name", name},
                         {"image", image},
                         {"imageID", ""},
                         {"ready", state.Find("running") != nullptr},
                         {"restartCount", 0},
                         {"state", std::move(state)}});
}

}  // namespace

TestKubelet::TestKubelet(KubernetesClient& admin, TestKubeletOptions options)
    : admin_(admin), options_(std::move(options)) {}

Result<std::unique_ptr<TestKubelet>> TestKubelet::Start(KubernetesClient& admin,
                                                        TestKubeletOptions options) {
  std::unique_ptr<TestKubelet> kubelet(new TestKubelet(admin, std::move(options)));
  POP_RETURN_IF_ERROR(kubelet->Listen());
  POP_RETURN_IF_ERROR(kubelet->RegisterNode());
  TestKubelet* self = kubelet.get();
  kubelet->worker_ = std::thread([self] { self->WorkLoop(); });
  kubelet->reaper_ = std::thread([self] { self->ReapLoop(); });
  kubelet->acceptor_ = std::thread([self] { self->AcceptLoop(); });
  POP_ASSIGN_OR_RETURN(kubelet->watch_,
                       admin.WatchPods(kubelet->options_.namespace_name, "",
                                       [self](const PodEvent& event) { self->OnEvent(event); }));
  return kubelet;
}

TestKubelet::~TestKubelet() {
  Stop();
  if (ssl_context_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_context_));
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TestKubelet::Stop() {
  if (stopping_.exchange(true)) return;
  if (watch_) watch_->Stop();
  {
    MutexLock lock(mu_);
    for (const auto& [pid, running] : running_) ::kill(-pid, SIGKILL);
    work_ready_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  if (reaper_.joinable()) reaper_.join();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> log_threads;
  {
    MutexLock lock(mu_);
    log_threads.swap(log_threads_);
  }
  for (std::thread& thread : log_threads) thread.join();
}

int TestKubelet::started() const { return started_.load(); }

int TestKubelet::running() const {
  MutexLock lock(mu_);
  return static_cast<int>(running_.size());
}

Status TestKubelet::Listen() {
  if (certificates_.dir().empty() || !certificates_.MakeCa("kubelet-ca") ||
      !certificates_.MakeServerCert("kubelet", "kubelet-ca", "IP:127.0.0.1")) {
    return Status(ErrorCode::kInternal, "test kubelet: openssl could not make its certificate");
  }
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  ssl_context_ = context;
  if (context == nullptr ||
      SSL_CTX_use_certificate_file(context, certificates_.Path("kubelet.pem").c_str(),
                                   SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, certificates_.Path("kubelet.key").c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    return Status(ErrorCode::kInternal, "test kubelet: TLS context failed");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Status(ErrorCode::kInternal,
                  std::string("test kubelet: listen failed: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  return Status::Ok();
}

Status TestKubelet::RegisterNode() {
  const Json node(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", Json(JsonObject{{"name", options_.node_name}})},
      {"status",
       Json(JsonObject{
           {"addresses",
            Json(JsonArray{Json(JsonObject{{"type", "InternalIP"}, {"address", "127.0.0.1"}})})},
           {"daemonEndpoints",
            Json(JsonObject{{"kubeletEndpoint", Json(JsonObject{{"Port", port_}})}})},
           {"conditions",
            Json(JsonArray{Json(JsonObject{
                {"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}})})}})}});
  return admin_.Request("POST", "/api/v1/nodes", ToJsonText(node)).status();
}

void TestKubelet::OnEvent(const PodEvent& event) {
  if (event.type == PodEventType::kDeleted) {
    MutexLock lock(mu_);
    for (const auto& [pid, running] : running_) {
      if (running.pod == event.pod.name) ::kill(-pid, SIGKILL);
    }
    return;
  }
  if (!event.pod.node_name.empty() || event.pod.is_deleting) return;
  MutexLock lock(mu_);
  if (!seen_.insert(event.pod.name).second) return;
  work_.push_back(event.pod.name);
  work_ready_.notify_all();
}

void TestKubelet::WorkLoop() {
  while (true) {
    std::string pod;
    {
      MutexLock lock(mu_);
      while (work_.empty() && !stopping_.load()) mu_.Wait(work_ready_);
      if (stopping_.load()) return;
      pod = std::move(work_.front());
      work_.pop_front();
    }
    RunPod(pod);
  }
}

void TestKubelet::PatchStatus(const std::string& pod, const Json& status) {
  // A pod deleted meanwhile has no status to patch: nothing to report then.
  (void)admin_.PatchPodStatus(options_.namespace_name, pod, status);
}

void TestKubelet::RunPod(const std::string& name) {
  const std::string& ns = options_.namespace_name;
  const std::string pod_path = "/api/v1/namespaces/" + ns + "/pods/" + name;
  const Json binding(JsonObject{
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", Json(JsonObject{{"name", name}})},
      {"target",
       Json(JsonObject{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", options_.node_name}})}});
  if (!admin_.Request("POST", pod_path + "/binding", ToJsonText(binding)).ok()) return;
  Result<std::string> text = admin_.Request("GET", pod_path);
  if (!text.ok()) return;
  Result<Json> pod = ParseJson(*text);
  if (!pod.ok()) return;
  const Json* spec = pod->Find("spec");
  const Json* containers = spec != nullptr ? spec->Find("containers") : nullptr;
  if (containers == nullptr || !containers->is_array() || containers->AsArray().empty()) return;
  const Json& container = containers->AsArray().front();
  const std::string container_name = StringAt(&container, "name");
  const std::string image = StringAt(&container, "image");
  const auto table = options_.images.find(image);
  if (table == options_.images.end()) {
    PatchStatus(
        name,
        Json(JsonObject{
            {"phase", "Pending"},
            {"containerStatuses",
             Json(JsonArray{ContainerStatus(
                 container_name, image,
                 Json(JsonObject{{"waiting", Json(JsonObject{{"reason", "ErrImagePull"},
                                                             {"message", "image '" + image +
                                                                             "' is not in the "
                                                                             "test kubelet's "
                                                                             "table"}})}}))})}}));
    return;
  }
  std::vector<std::string> argv = table->second;
  if (const Json* args = container.Find("args"); args != nullptr && args->is_array()) {
    for (const Json& arg : args->AsArray()) {
      if (arg.is_string()) argv.push_back(arg.AsString());
    }
  }
  std::vector<std::string> env = {
      "PATH=" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin")};
  for (const auto& [var_name, value] : options_.env) env.push_back(var_name + "=" + value);
  if (const Json* vars = container.Find("env"); vars != nullptr && vars->is_array()) {
    for (const Json& var : vars->AsArray()) {
      const std::string var_name = StringAt(&var, "name");
      std::string value = StringAt(&var, "value");
      if (const Json* from = var.Find("valueFrom"); from != nullptr) {
        if (const Json* field = from->Find("fieldRef"); field != nullptr) {
          const std::string path = StringAt(field, "fieldPath");
          if (path == "metadata.name") value = name;
          if (path == "metadata.namespace") value = ns;
        } else if (const Json* secret = from->Find("secretKeyRef"); secret != nullptr) {
          Result<std::string> secret_text = admin_.Request(
              "GET", "/api/v1/namespaces/" + ns + "/secrets/" + StringAt(secret, "name"));
          Result<Json> parsed =
              secret_text.ok() ? ParseJson(*secret_text) : Result<Json>(secret_text.error());
          if (parsed.ok()) {
            const std::string encoded = StringAt(parsed->Find("data"), StringAt(secret, "key"));
            value = Base64Decode(encoded).value_or("");
          }
        }
      }
      env.push_back(var_name + "=" + value);
    }
  }
  const std::string log_path = LogPath(name, container_name);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return;
  std::vector<char*> c_argv;
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (std::string& var : env) c_env.push_back(var.data());
  c_env.push_back(nullptr);
  MutexLock lock(mu_);     // so the reaper sees the child in running_ before it can exit
  if (stopping_.load()) {  // the reaper may have taken its last look at running_
    ::close(log_fd);
    return;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return;
  // The parent sets the child's process group too: otherwise a pod deleted before the child ran
  // its own setpgid would be "killed" with kill(-pid), which finds no group, and live on.
  ::setpgid(pid, pid);
  running_[pid] = Running{name, container_name, image};
  started_.fetch_add(1);
  lock.Unlock();
  PatchStatus(name,
              Json(JsonObject{
                  {"phase", "Running"},
                  {"startTime", Now()},
                  {"containerStatuses",
                   Json(JsonArray{ContainerStatus(
                       container_name, image,
                       Json(JsonObject{{"running", Json(JsonObject{{"startedAt", Now()}})}}))})}}));
}

void TestKubelet::ReapLoop() {
  while (!stopping_.load()) {
    std::vector<std::pair<Running, int>> exited;
    {
      MutexLock lock(mu_);
      for (auto it = running_.begin(); it != running_.end();) {
        int status = 0;
        if (::waitpid(it->first, &status, WNOHANG) == it->first) {
          const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          finished_logs_.insert(LogPath(it->second.pod, it->second.container));
          exited.emplace_back(it->second, code);
          it = running_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& [running, code] : exited) {
      Json terminated(JsonObject{{"exitCode", code},
                                 {"reason", code == 0 ? "Completed" : "Error"},
                                 {"finishedAt", Now()}});
      PatchStatus(
          running.pod,
          Json(JsonObject{
              {"phase", code == 0 ? "Succeeded" : "Failed"},
              {"containerStatuses",
               Json(JsonArray{ContainerStatus(running.container, running.image,
                                              Json(JsonObject{{"terminated", terminated}}))})}}));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Stopping: kill what still runs and reap it, without holding mu_ while waiting (Stop takes
  // mu_ to kill too: a waitpid under the lock made it wait for the process to end by itself, a
  // whole `sleep 60`). RunPod forks no child once stopping_ is set, so none comes after this.
  std::map<pid_t, Running> left;
  {
    MutexLock lock(mu_);
    left.swap(running_);
  }
  for (const auto& [pid, running] : left) {
    ::kill(-pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

std::string TestKubelet::LogPath(const std::string& pod, const std::string& container) const {
  return certificates_.Path("log-" + pod + "-" + container);
}

void TestKubelet::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd ready{listen_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    MutexLock lock(mu_);
    log_threads_.emplace_back([this, fd] { ServeLogs(fd); });
  }
}

// One log request: GET /containerLogs/NS/POD/CONTAINER[?follow=true]. The answer ends when the
// log is complete (the process exited) or, without follow, at once.
void TestKubelet::ServeLogs(int fd) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ssl_context_));
  SSL_set_fd(ssl, fd);
  std::string request;
  if (SSL_accept(ssl) == 1) {
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const int n = SSL_read(ssl, buffer, sizeof(buffer));
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
  }
  const size_t start = request.find(' ');
  const size_t end = start == std::string::npos ? start : request.find(' ', start + 1);
  std::string target = start == std::string::npos || end == std::string::npos
                           ? ""
                           : request.substr(start + 1, end - start - 1);
  const bool follow = target.find("follow=true") != std::string::npos;
  target = target.substr(0, target.find('?'));
  const std::string prefix = "/containerLogs/" + options_.namespace_name + "/";
  std::string response;
  std::string log_path;
  if (target.rfind(prefix, 0) == 0) {
    const std::string rest = target.substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash != std::string::npos)
      log_path = LogPath(rest.substr(0, slash), rest.substr(slash + 1));
  }
  std::ifstream log(log_path, std::ios::binary);
  if (log_path.empty() || !log) {
    response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    SSL_write(ssl, response.data(), static_cast<int>(response.size()));
  } else {
    response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
    bool ok = SSL_write(ssl, response.data(), static_cast<int>(response.size())) > 0;
    while (ok && !stopping_.load()) {
      bool finished;
      {
        MutexLock lock(mu_);
        finished = finished_logs_.count(log_path) != 0;
      }
      std::string chunk((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      log.clear();
      if (!chunk.empty()) ok = SSL_write(ssl, chunk.data(), static_cast<int>(chunk.size())) > 0;
      if (!follow || (finished && chunk.empty())) break;
      if (chunk.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  SSL_shutdown(ssl);
  SSL_free(ssl);
  ::close(fd);
}

}  // namespace pop::testing
