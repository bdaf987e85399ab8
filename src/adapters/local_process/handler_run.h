// HandlerRun: what the reactor thread learns about one running handler (its log, its latest
// progress, finally its outcome) and what the LaunchedOperation handle reads from any thread.
// Shared by both (shared_ptr): the handle may outlive the launcher and the reactor may outlive a
// dropped handle. Thread-safe through `mu`.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "adapters/local_process/log_buffer.h"
#include "adapters/local_process/work_dir.h"
#include "core/model/operation_progress.h"
#include "ports/launcher.h"
#include "ports/mutex.h"

namespace pop::local_process {

struct HandlerRun {
  HandlerRun(std::string name, size_t max_pending_log_bytes)
      : operation_name(std::move(name)), log(max_pending_log_bytes) {}

  // Sets the outcome and wakes whoever waits for it. Once.
  void End(LaunchOutcome how) {
    {
      MutexLock lock(mu);
      outcome = std::move(how);
    }
    ended_cv.notify_all();
  }

  const std::string operation_name;
  // The handler's working directory; removed (unless kept) when the last of the handle and the
  // reactor lets go of this run, i.e. after the handler ended. Set before the run is shared.
  std::unique_ptr<WorkDir> work_dir;

  Mutex mu;
  std::condition_variable ended_cv;  // notified once `outcome` is set
  LogBuffer log POP_GUARDED_BY(mu);
  std::optional<OperationProgress> latest POP_GUARDED_BY(mu);
  std::optional<LaunchOutcome> outcome POP_GUARDED_BY(mu);  // set once, when the handler ended
  bool cancel_requested POP_GUARDED_BY(mu) = false;
};

}  // namespace pop::local_process
