// ProcessReactor: the one thread of a ProcessLauncher that follows every running handler: an
// epoll loop over each child's pidfd, output pipe and report pipe, plus the timers for timeouts,
// SIGKILL escalation and the grace after COMPLETE. No thread per child. It reaps each child,
// turns what it saw into the LaunchOutcome (handler_outcome.h) and publishes it in the child's
// HandlerRun. Thread-safe; the thread is joined by Shutdown() (or the destructor).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/local_process/child_spawner.h"
#include "adapters/local_process/handler_run.h"
#include "adapters/local_process/process_records.h"
#include "adapters/local_process/report_reader.h"
#include "adapters/local_process/unique_fd.h"
#include "core/base/result.h"
#include "ports/clock.h"
#include "ports/mutex.h"

namespace pop::local_process {

class ProcessReactor {
 public:
  struct Settings {
    std::chrono::milliseconds complete_grace{10'000};  // running on after COMPLETE, then SIGTERM
    std::chrono::milliseconds shutdown_grace{2'000};   // SIGTERM to SIGKILL at Shutdown()
    size_t max_report_line_bytes = size_t{16} << 20;
    const Clock* clock = nullptr;  // wall time for outcomes; nullptr: the system clock
    // Told when a child's group leader is reaped (the process reaper's records); may be null.
    // Not owned; outlives the reactor.
    ProcessRecords* records = nullptr;
  };
  struct ChildLimits {
    std::chrono::milliseconds timeout{0};
    std::chrono::milliseconds cancel_grace{0};
    bool exit_zero_is_success = false;  // HandlerCommand::exit_zero_is_success
  };

  // Errors: kUnavailable when epoll, eventfd or the thread cannot be had.
  [[nodiscard]] static Result<std::unique_ptr<ProcessReactor>> Start(const Settings& settings);
  ~ProcessReactor();  // Shutdown()
  ProcessReactor(const ProcessReactor&) = delete;
  ProcessReactor& operator=(const ProcessReactor&) = delete;

  // Follows a child that has just been started (its timeout counts from now), reporting into
  // `run` until it ends. Returns the id for Cancel(). Errors: kUnavailable after Shutdown() or
  // when epoll refuses; the child has then been killed and reaped.
  [[nodiscard]] Result<uint64_t> Follow(SpawnedChild child, ChildLimits limits,
                                        std::shared_ptr<HandlerRun> run);
  // SIGTERM to the child's process group now (once), SIGKILL after `grace` (the earliest
  // requested kill wins). Asynchronous; a no-op for a child that has ended.
  void Cancel(uint64_t child_id, std::chrono::milliseconds grace);
  // Refuses new children, cancels every child (SIGKILL after shutdown_grace), reaps them all,
  // publishes their outcomes and joins the thread. Idempotent.
  void Shutdown();

  // Wall time for outcomes: Settings::clock, or the system clock.
  Timestamp WallNow() const;

 private:
  using SteadyClock = std::chrono::steady_clock;
  using TimePoint = SteadyClock::time_point;

  // A child handed over by Follow(), which registers its descriptors right after.
  struct Adoption {
    uint64_t id = 0;
    SpawnedChild child;
    std::shared_ptr<HandlerRun> run;
    ChildLimits limits;
    TimePoint deadline;  // of its timeout
  };
  struct CancelRequest {
    uint64_t child_id = 0;
    std::chrono::milliseconds grace{0};
    bool lost = false;  // Follow() could not register it: kill, reap and forget it now
  };
  struct Child {
    Child(Adoption adoption, size_t max_report_line_bytes);
    const uint64_t id;
    const pid_t pid;
    UniqueFd pidfd;
    UniqueFd output;
    UniqueFd report;
    const std::shared_ptr<HandlerRun> run;
    const ChildLimits limits;
    ReportReader reader;
    std::optional<TimePoint> term_at;    // SIGTERM due (timeout, or the grace after COMPLETE)
    std::optional<TimePoint> kill_at;    // SIGKILL due
    std::optional<TimePoint> timer_key;  // this child's entry in timers_
    bool terminated = false;             // SIGTERM sent
    bool timed_out = false;
  };

  ProcessReactor(const Settings& settings, UniqueFd epoll, UniqueFd wake);

  void Loop();
  void Wake();
  // Gives `adoption` its id and hands it (moved) to the reactor thread, waking that only when
  // the child's deadline comes before the thread would wake by itself (its events wake it
  // otherwise). Returns the id; 0 (and `adoption` untouched) once the thread is done.
  uint64_t Enqueue(Adoption& adoption);
  // Adopts the new children, applies the cancels and, once, the shutdown.
  void TakeWork();
  void Adopt(Adoption adoption);
  bool MayExit();
  void HandleEvent(uint64_t data);
  // One read of a pipe; true when it returned data (more may be waiting). Closes the pipe at
  // end of file.
  bool ReadOutput(Child& child);
  bool ReadReport(Child& child);
  void Publish(HandlerRun& run, const std::vector<std::string>& notes,
               const std::optional<OperationProgress>* latest);
  // Reaps an ended child, publishes its outcome and forgets it.
  void Finish(Child& child);
  void Terminate(Child& child, std::chrono::milliseconds grace);
  void Reschedule(Child& child);
  void FireTimers();
  int NextTimeoutMillis() const;

  const Settings settings_;
  const UniqueFd epoll_;
  const UniqueFd wake_;  // eventfd: work to take, or stopping_

  Mutex mu_;
  uint64_t next_child_id_ POP_GUARDED_BY(mu_) = 1;
  std::vector<Adoption> adoptions_ POP_GUARDED_BY(mu_);
  std::vector<CancelRequest> cancels_ POP_GUARDED_BY(mu_);
  // When the reactor thread will wake by itself at the latest (at most kMaxSleepMillis ahead);
  // TimePoint::min() while it is awake (it takes the work queued so far before it sleeps again).
  // Follow() wakes it only for a deadline earlier than this.
  TimePoint sleeps_until_ POP_GUARDED_BY(mu_) = TimePoint::min();
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  bool done_ POP_GUARDED_BY(mu_) = false;  // the thread has finished (or never started)

  std::mutex join_mu_;  // serialises Shutdown()'s join
  std::thread thread_;

  // Confined to the reactor thread.
  std::unordered_map<uint64_t, std::unique_ptr<Child>> children_;
  std::set<std::pair<TimePoint, uint64_t>> timers_;
  bool shutdown_applied_ = false;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace pop::local_process
