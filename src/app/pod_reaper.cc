#include "app/pod_reaper.h"

#include <algorithm>
#include <vector>

#include "core/metrics/catalogue.h"

namespace pop::app {
namespace {

bool AllTerminated(const PodInfo& pod) {
  for (const PodContainerStatus& container : pod.containers) {
    if (container.state != "terminated") return false;
  }
  return true;
}

}  // namespace

std::string PodReaper::Where() const {
  return options_.namespace_name.empty() ? "every namespace"
                                         : "namespace " + options_.namespace_name;
}

std::string PodReaper::PodNamespace(const PodInfo& pod) const {
  return pod.namespace_name.empty() ? options_.namespace_name : pod.namespace_name;
}

PodReaper::PodReaper(PodReaperDeps deps, PodReaperOptions options)
    : deps_(deps), options_(std::move(options)) {}

PodReaper::~PodReaper() { Stop(); }

Result<PodReaperReport> PodReaper::RunOnce() {
  const Timestamp started = deps_.clock.Now();
  Result<PodList> list = deps_.pods.ListPods(options_.namespace_name, options_.selector);
  if (!list.ok()) {
    return Error(list.error().code,
                 "PodReaper: cannot list the pods of " + Where() + ": " + list.error().message);
  }
  struct Candidate {
    std::string namespace_name;  // the pod's (a reaper of every namespace sees many)
    std::string name;
    bool finished;
  };
  std::vector<Candidate> candidates;
  for (const PodInfo& pod : list->pods) {
    if (pod.is_deleting) continue;
    if (pod.phase == "Succeeded" || pod.phase == "Failed") {
      if (!AllTerminated(pod)) continue;
      // The first container's end, else the pod's start (spec §17.4); neither: left alone.
      std::optional<Timestamp> when =
          pod.containers.empty() ? pod.start_time : pod.containers[0].finished_at;
      if (when && *when <= started - options_.finished_age) {
        candidates.push_back({PodNamespace(pod), pod.name, true});
      }
    } else if (pod.phase.empty() || pod.phase == "Pending") {
      if (pod.created_at && *pod.created_at <= started - options_.pending_timeout) {
        candidates.push_back({PodNamespace(pod), pod.name, false});
      }
    }
  }
  PodReaperReport report;
  for (size_t begin = 0; begin < candidates.size(); begin += options_.batch_size) {
    if (deps_.clock.Now() - started >= options_.max_run) {
      report.out_of_time = true;
      break;
    }
    size_t batch_failures = 0;
    const size_t end = std::min(candidates.size(), begin + options_.batch_size);
    for (size_t i = begin; i < end; ++i) {
      const Candidate& candidate = candidates[i];
      Status deleted = deps_.pods.DeletePod(candidate.namespace_name, candidate.name);
      if (!deleted.ok() && deleted.code() != ErrorCode::kNotFound) {
        ++batch_failures;
        deps_.logger.Log(LogLevel::kWarning, "PodReaper: cannot delete pod " + candidate.name +
                                                 ": " + deleted.message());
        continue;
      }
      if (!deleted.ok()) continue;  // gone meanwhile (another reaper)
      ++(candidate.finished ? report.finished : report.pending);
      if (deps_.metrics != nullptr) {
        deps_.metrics->Add(metrics::kPodsReaped, {candidate.finished ? "finished" : "pending"}, 1);
      }
    }
    if (batch_failures > 0) {
      report.failed += batch_failures;
      deps_.logger.Log(LogLevel::kWarning,
                       "Failed to reap a batch of pods. Continuing with next batch.");
    }
  }
  if (report.finished + report.pending + report.failed > 0 || report.out_of_time) {
    deps_.logger.Log(
        LogLevel::kInfo,
        "PodReaper: deleted " + std::to_string(report.finished) + " finished and " +
            std::to_string(report.pending) + " pending pod(s) in " + Where() +
            (report.failed > 0 ? "; " + std::to_string(report.failed) + " failed" : std::string()) +
            (report.out_of_time ? "; stopped at its time limit" : ""));
  }
  return report;
}

void PodReaper::Start() {
  MutexLock lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread(&PodReaper::Loop, this);
}

void PodReaper::Stop() {
  {
    MutexLock lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PodReaper::Loop() {
  MutexLock lock(mu_);
  while (running_) {
    lock.Unlock();
    Result<PodReaperReport> report = RunOnce();
    if (!report.ok()) deps_.logger.Log(LogLevel::kWarning, report.error().message);
    lock.Lock();
    const Timestamp next = deps_.clock.Now() + options_.interval;
    while (running_ && deps_.clock.Now() < next) mu_.WaitUntil(deps_.clock, wake_, next);
  }
}

}  // namespace pop::app
