// TestKubelet: the kubelet of the test Kubernetes cluster (which has no nodes and no container
// runtime). It registers a Node, binds the pending pods of one namespace to it, runs each pod's
// first container as a local child process (the image is looked up in a table of local
// commands), patches the pod's status (Running, then Succeeded or Failed with the exit code in
// containerStatuses) and serves the container log endpoint over HTTPS that the API server calls
// for `pods/log`. A pod deleted while running has its process killed. Test support, not a fake of
// the API: everything goes through the real API server. Thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/kubernetes/kubernetes_client.h"
#include "ports/mutex.h"
#include "support/test_certificates.h"

namespace pop::testing {

struct TestKubeletOptions {
  std::string node_name;       // unique per test: nodes are cluster-wide
  std::string namespace_name;  // the namespace whose pods it runs
  // image → the local command (argv) that plays it; the container's `args` are appended. A pod
  // whose image is not here stays Pending with reason ErrImagePull (a pod that never starts).
  std::map<std::string, std::vector<std::string>> images;
  // Variables every container gets besides its spec's env: what a real kubelet's service
  // account mount gives a pod (for a handler: POP_KUBE_SERVER, POP_KUBE_TOKEN_FILE, ...).
  std::map<std::string, std::string> env;
};

class TestKubelet {
 public:
  // `admin` outlives the kubelet. Errors: the certificates, the log listener, the Node or the
  // watch could not be made.
  static Result<std::unique_ptr<TestKubelet>> Start(KubernetesClient& admin,
                                                    TestKubeletOptions options);
  ~TestKubelet();
  TestKubelet(const TestKubelet&) = delete;
  TestKubelet& operator=(const TestKubelet&) = delete;

  // Stops watching, kills the processes it still runs, joins its threads. Idempotent.
  void Stop();
  // How many containers it has started so far, and how many of them still run.
  int started() const;
  int running() const;

 private:
  struct Running {
    std::string pod;
    std::string container;
    std::string image;
  };

  TestKubelet(KubernetesClient& admin, TestKubeletOptions options);
  Status Listen();
  Status RegisterNode();
  void OnEvent(const PodEvent& event);
  void WorkLoop();
  void RunPod(const std::string& name);
  void ReapLoop();
  void AcceptLoop();
  void ServeLogs(int fd);
  std::string LogPath(const std::string& pod, const std::string& container) const;
  void PatchStatus(const std::string& pod, const Json& status);

  KubernetesClient& admin_;
  const TestKubeletOptions options_;
  TestCertificates certificates_;
  int listen_fd_ = -1;
  int port_ = 0;
  void* ssl_context_ = nullptr;  // SSL_CTX*, owned
  std::unique_ptr<PodWatch> watch_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> started_{0};

  mutable Mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::string> work_ POP_GUARDED_BY(mu_);         // pods to bind and run
  std::set<std::string> seen_ POP_GUARDED_BY(mu_);           // pods taken on
  std::map<pid_t, Running> running_ POP_GUARDED_BY(mu_);     // live children
  std::set<std::string> finished_logs_ POP_GUARDED_BY(mu_);  // log paths whose writer ended
  std::vector<std::thread> log_threads_ POP_GUARDED_BY(mu_);
  std::thread worker_;
  std::thread reaper_;
  std::thread acceptor_;
};

}  // namespace pop::testing
