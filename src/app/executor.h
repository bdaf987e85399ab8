// Executor: runs one Agenda (spec §14): starts every operation whose inputs exist, in parallel
// up to a limit, through the launcher that handles its type; feeds outputs to dependants; stops
// new starts after a failure while running operations finish; and reports AgendaProgress with
// its OperationProgress through the PoolClient: coalesced (a burst of fast operations costs one
// report; an Agenda that ends within the first interval sends only its final state), a
// heartbeat every 5 s while it runs, the final state with retries. A report refused with 409
// (the claim is no longer ours, or the Agenda was cancelled) cancels the running handlers and
// ends the run without a final state; their remaining output is still stored. While the Agenda is
// paused (SetPaused, or a report's answer) no new operation starts; the running ones finish and
// the reports go on; on resume the ready operations start at once.
// Design: docs/design/executor.md. Thread-safe: Run on one thread, Cancel from any.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/thread_cache.h"
#include "app/worker_pool.h"
#include "core/model/agenda.h"
#include "core/model/agenda_progress.h"
#include "ports/clock.h"
#include "ports/launcher.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"
#include "ports/pool_client.h"

namespace pop::app {

struct ExecutorOptions {
  size_t max_parallel = 50;                   // operations running at once
  Duration heartbeat = Duration::Seconds(5);  // report at least this often while running
  Duration coalesce = Duration::Millis(100);  // report at most this often when busy
  // How often the running handlers' latest progress is read while nothing else is due: a change
  // (a handler's report) goes out then, so it reaches the server within this (plus coalesce)
  // rather than the heartbeat; however often a handler reports, it costs one report per check.
  Duration progress_check = Duration::Millis(500);
  Duration cancel_grace = Duration::Seconds(10);  // SIGTERM → SIGKILL for cancelled handlers
  int final_report_attempts = 8;                  // the final report: first try + retries
  // After a failed report the next try comes first_retry_delay later, doubling up to
  // retry_delay: a server back within a second (a restart, PostgreSQL restarting) hears from
  // the executor within about a second, long before the claim's lease or the reclaimer's
  // deadline; a longer outage costs a try every retry_delay. The 8 tries of the final report
  // span 22.5 s.
  Duration first_retry_delay = Duration::Millis(500);
  Duration retry_delay = Duration::Seconds(5);  // the longest wait between failed reports
  std::string puller_id;                        // who holds the claim (fences reports)
};

struct ExecutorDeps {
  const Clock& clock;
  PoolClient& client;
  std::vector<Launcher*> launchers;  // the first that Handles() a type runs it
  WorkerPool& workers;
  Logger& logger;
  ThreadCache& threads;  // runs the reporter of each Agenda
  // Operations by type and outcome, their durations and the Agenda's (core/metrics/catalogue.h);
  // null: nothing is recorded. Not owned.
  MetricsSink* metrics = nullptr;
};

struct ExecutionResult {
  bool succeeded = false;
  bool claim_lost = false;      // another puller holds the agenda now; nothing final was sent
  bool final_reported = false;  // the server has the final state
  bool cancelled = false;       // a user's Cancel() ended it
};

class Executor {
 public:
  Executor(ExecutorDeps deps, ExecutorOptions options);

  // Runs `agenda` to its end. `prior` is the progress of an earlier attempt (getAgenda's
  // agendaProgresses, or LAST_PROGRESS). Blocks until every handler it started has ended.
  ExecutionResult Run(const Agenda& agenda, const std::optional<AgendaProgress>& prior);

  // Stops the run: running handlers are terminated (SIGTERM, then SIGKILL after the grace),
  // nothing new starts. A user's cancel ends the Agenda COMPLETE with message "cancelled" (never
  // retried); a shutdown (`user_requested` false) ends it COMPLETE/"failed" with a diagnostic
  // saying the executor stopped, so that the retry rules apply.
  void Cancel(bool user_requested = true);

  // Pauses (nothing new starts; running handlers go on) or resumes (the ready operations start
  // at once) the run, from any thread. A pause before Run applies from its start. The answer to
  // each progress report says it too (the server's state wins from then on).
  void SetPaused(bool paused);

 private:
  class Execution;  // the state of one Run, shared by its coordinator, workers and reporter

  ExecutorDeps deps_;
  ExecutorOptions options_;
  Mutex mu_;
  bool cancel_requested_ POP_GUARDED_BY(mu_) = false;
  bool cancel_by_user_ POP_GUARDED_BY(mu_) = true;
  bool paused_ POP_GUARDED_BY(mu_) = false;
  Execution* active_ POP_GUARDED_BY(mu_) = nullptr;  // the current Run's state
};

// Percent complete of spec §14.7: (completed × 100 + Σ min(100, running percent)) / total.
double PercentComplete(size_t completed, size_t total, double running_percent_sum);

// How long the reporter waits after `failures` (≥ 1) failed reports in a row:
// first_retry_delay, doubling, at most retry_delay.
Duration ReportRetryDelay(const ExecutorOptions& options, int failures);

}  // namespace pop::app
