// PodReaper (spec §17.4): deletes the pods pop made that are of no more use: finished pods
// (Succeeded or Failed, every container terminated) whose first container finished (else whose
// start) at least `finished_age` ago, and pods still Pending `pending_timeout` after they were
// created. Only pods matching `selector` (pop's labels, app/pod_labels.h) are considered, in one
// namespace; never a pod that is running. Deletes in batches; a failed deletion is logged and
// the rest go on; a pass stops after `max_run`. Each pass is logged and counted
// (pop_pods_reaped_total{reason}). Runs on the puller, which lives in the cluster with the
// namespace's pod rights; the server may be outside every cluster (docs/kubernetes.md).
// Thread-safe: RunOnce from one thread at a time; Start/Stop run it every `interval`.
#pragma once

#include <condition_variable>
#include <string>
#include <thread>

#include "ports/clock.h"
#include "ports/kubernetes_pods.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"

namespace pop::app {

struct PodReaperOptions {
  std::string namespace_name = "pop";      // empty: every namespace (--namespace-per-customer)
  std::string selector = "pop.component";  // pods carrying pop's label (executor or operation)
  Duration finished_age = Duration::Minutes(1440);  // pod.reap.age.minutes
  Duration pending_timeout = Duration::Minutes(60);
  Duration max_run = Duration::Minutes(5);  // reaper.run.maxminutes
  size_t batch_size = 50;                   // pod.reap.batch.size
  Duration interval = Duration::Minutes(5);
};

struct PodReaperDeps {
  const Clock& clock;
  KubernetesPods& pods;
  Logger& logger;
  MetricsSink* metrics = nullptr;
};

struct PodReaperReport {
  size_t finished = 0;  // finished pods deleted
  size_t pending = 0;   // pods deleted for staying Pending
  size_t failed = 0;    // deletions that failed
  bool out_of_time = false;
};

class PodReaper {
 public:
  PodReaper(PodReaperDeps deps, PodReaperOptions options);
  ~PodReaper();
  PodReaper(const PodReaper&) = delete;
  PodReaper& operator=(const PodReaper&) = delete;

  // One pass. Errors: the pods could not be listed (nothing was deleted).
  [[nodiscard]] Result<PodReaperReport> RunOnce();

  // A pass now and then every `interval` on a thread of its own, until Stop. Idempotent.
  void Start();
  void Stop();

 private:
  void Loop();
  std::string Where() const;                           // "namespace pop" or "every namespace"
  std::string PodNamespace(const PodInfo& pod) const;  // where to delete it

  PodReaperDeps deps_;
  const PodReaperOptions options_;
  Mutex mu_;
  std::condition_variable wake_;
  bool running_ POP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace pop::app
