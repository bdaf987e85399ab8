#include "app/executor.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/dag/conductor.h"
#include "core/metrics/catalogue.h"
#include "core/progress/attempt_log.h"

namespace pop::app {
namespace {

OperationProgress FailedProgress(const std::string& message, Timestamp now) {
  OperationProgress progress;
  progress.processing_state = ProcessingState::kComplete;
  progress.processing_state_message = kMessageFailed;
  DiagnosticEvent event;
  event.message = message;
  event.time = now;
  progress.diagnostic_events = std::vector<DiagnosticEvent>{event};
  return progress;
}

bool Succeeded(const LaunchOutcome& outcome) {
  return outcome.progress && outcome.progress->processing_state == ProcessingState::kComplete &&
         outcome.progress->processing_state_message == kMessageSucceeded;
}

DiagnosticEvent Diagnostic(std::string message, std::optional<std::string> detail, Timestamp now) {
  DiagnosticEvent event;
  event.message = std::move(message);
  event.stack_trace = std::move(detail);
  event.time = now;
  return event;
}

}  // namespace

Duration ReportRetryDelay(const ExecutorOptions& options, int failures) {
  int64_t delay = options.first_retry_delay.millis();
  for (int i = 1; i < failures && delay < options.retry_delay.millis(); ++i) delay *= 2;
  return Duration::Millis(std::min(delay, options.retry_delay.millis()));
}

double PercentComplete(size_t completed, size_t total, double running_percent_sum) {
  if (total == 0) return 0.0;
  return (static_cast<double>(completed) * 100.0 + running_percent_sum) /
         static_cast<double>(total);
}

// Everything the coordinator, the operation tasks and the reporter share. All fields below
// `mu` are guarded by it; the conductor belongs to the coordinator alone.
class Executor::Execution {
 public:
  Execution(const ExecutorDeps& deps, const ExecutorOptions& options, const Agenda& agenda)
      : deps_(deps), options_(options), agenda_(agenda) {}

  std::mutex mu;
  std::condition_variable coordinator_cv;
  std::condition_variable reporter_cv;

  struct Completion {
    std::string name;
    LaunchOutcome outcome;
    std::string type;  // the metrics' label: "unknown" when no launcher runs it (bounded set)
    Duration took;
  };
  std::deque<Completion> completions;
  std::map<std::string, std::shared_ptr<LaunchedOperation>> running;
  std::map<std::string, OperationProgress> unsent_ops;  // latest per operation, not yet reported
  std::map<std::string, std::string> unsent_logs;       // by operation name
  std::map<std::string, int64_t> attempts;              // by operation name: this run's attempt
  // Every operation's progress before this run (a rerun's reset ones, WAITING, included): how
  // many attempts each had. Set before the first Dispatch, read only by the coordinator.
  std::map<std::string, OperationProgress> earlier;
  AgendaProgress state;  // agenda-level fields to report
  size_t completed = 0;
  size_t total = 0;
  bool dirty = false;
  bool final_ready = false;
  bool final_sent = false;
  bool reporter_done = false;
  bool claim_lost = false;
  bool cancelled = false;
  bool paused = false;  // as the last SetPaused or report answer said
  // Counts SetPaused calls: a report's answer was decided before a SetPaused made while it was
  // in flight, so it is applied only when none was (the newer word wins).
  uint64_t pause_epoch = 0;

  // Starts `op` on the worker pool, or runs it here when its launcher says it is instant.
  void Dispatch(ReadyOperation op, Launcher* launcher) {
    const Timestamp now = deps_.clock.Now();
    LaunchSpec spec;
    spec.operation_name = op.name;
    spec.operation_type = op.type;
    spec.operation_id = op.id;
    spec.agenda_id = agenda_.id.value_or("");
    spec.customer_id = agenda_.customer_id.value_or("");
    spec.cid = agenda_.cid.value_or("");
    spec.payload = ToJsonText(op.payload);
    if (op.prior_progress) spec.last_progress = ToJsonText(Encode(*op.prior_progress));
    {
      std::lock_guard<std::mutex> lock(mu);
      // A retry or rerun appends to the same log: a later attempt's output starts under a header.
      auto before = earlier.find(op.name);
      const int64_t attempt =
          NextAttempt(before != earlier.end() ? std::optional<OperationProgress>(before->second)
                                              : std::nullopt);
      attempts[op.name] = attempt;
      if (attempt > 1) unsent_logs[op.name] += AttemptLogHeader(op.name, attempt, now);
      OperationProgress started;
      started.operation = op.name;
      started.processing_state = ProcessingState::kExecuting;
      started.started_time = now;
      started.percent_complete = 0.0;
      started.attempt_count = attempt;
      unsent_ops[op.name] = std::move(started);
      dirty = true;
    }
    reporter_cv.notify_all();
    if (launcher != nullptr && launcher->Instant(spec.operation_type)) {
      RunOperation(spec, launcher);  // its completion is queued for this (the coordinator) thread
      return;
    }
    deps_.workers.Submit(
        [this, spec = std::move(spec), launcher] { RunOperation(spec, launcher); });
  }

  void RunOperation(const LaunchSpec& spec, Launcher* launcher) {
    const Timestamp launched_at = deps_.clock.Now();
    LaunchOutcome outcome;
    const std::string unknown = "Unknown operation type found: " + spec.operation_type +
                                " on operation: " + spec.operation_name;
    Result<std::unique_ptr<LaunchedOperation>> launched =
        launcher != nullptr
            ? launcher->Launch(spec)
            : Result<std::unique_ptr<LaunchedOperation>>(Error(ErrorCode::kNotFound, unknown));
    if (!launched.ok()) {
      outcome.progress = FailedProgress(launched.error().message, deps_.clock.Now());
      outcome.failure = launched.error().message;
      outcome.retryable = launched.error().code != ErrorCode::kNotFound;  // an unknown type
    } else {
      std::shared_ptr<LaunchedOperation> handle = std::move(launched).value();
      bool cancel_now = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        running[spec.operation_name] = handle;
        cancel_now = cancelled || claim_lost;
      }
      if (cancel_now) handle->Cancel(std::chrono::milliseconds(options_.cancel_grace.millis()));
      outcome = handle->Wait();
      std::string log = handle->TakeNewLog();
      std::lock_guard<std::mutex> lock(mu);
      running.erase(spec.operation_name);
      if (!log.empty()) unsent_logs[spec.operation_name] += log;
    }
    // Notified under the lock: once the coordinator can see this completion it may end the run
    // and destroy this Execution, so nothing here may touch it after the lock is released.
    std::lock_guard<std::mutex> lock(mu);
    completions.push_back({spec.operation_name, std::move(outcome),
                           launcher != nullptr ? spec.operation_type : "unknown",
                           deps_.clock.Now() - launched_at});
    coordinator_cv.notify_all();
  }

  void CancelAll() {
    std::vector<std::shared_ptr<LaunchedOperation>> handles;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [name, handle] : running) handles.push_back(handle);
    }
    for (auto& handle : handles) {
      handle->Cancel(std::chrono::milliseconds(options_.cancel_grace.millis()));
    }
  }

  void Report();  // the reporter thread
  // Reads the running handlers' latest progress without the lock; true when one differs from
  // what the last report sent for it. Reporter thread only.
  bool HandlerProgressChanged(std::unique_lock<std::mutex>& lock);

  // Appends handler output (by operation name) to the operations' logs. Losing a chunk loses
  // output, never state: a failure is logged and otherwise ignored.
  void StoreLogs(const std::map<std::string, std::string>& logs) {
    std::map<std::string, std::string> by_id;
    const std::string prefix = agenda_.progress_id.value_or("") + "-";
    for (const auto& [name, text] : logs) by_id[prefix + name] = text;
    Status logged = deps_.client.AppendOperationLogs(by_id);
    if (!logged.ok()) {
      deps_.logger.Log(LogLevel::kWarning,
                       "agenda " + agenda_.id.value_or("") +
                           ": could not store handler output: " + logged.message());
    }
  }

 private:
  bool SendOnce(std::unique_lock<std::mutex>& lock);

  // The handler progress each running operation's last report carried (its JSON text).
  // Reporter thread only.
  std::map<std::string, std::string> reported_progress_;

  const ExecutorDeps& deps_;
  const ExecutorOptions& options_;
  const Agenda& agenda_;
};

bool Executor::Execution::SendOnce(std::unique_lock<std::mutex>& lock) {
  // Snapshot under the lock; poll handlers and call the server without it.
  std::vector<std::pair<std::string, std::shared_ptr<LaunchedOperation>>> handles(running.begin(),
                                                                                  running.end());
  std::map<std::string, OperationProgress> ops = unsent_ops;
  std::map<std::string, std::string> logs = std::move(unsent_logs);
  unsent_logs.clear();
  const std::map<std::string, int64_t> attempt_of = attempts;
  AgendaProgress report = state;
  const size_t done = completed;
  const size_t all = total;
  const bool is_final = final_ready;
  dirty = false;
  const uint64_t pause_epoch_at_send = pause_epoch;
  lock.unlock();

  double running_percent = 0;
  for (auto& [name, handle] : handles) {
    if (auto latest = handle->LatestProgress();
        latest && latest->processing_state == ProcessingState::kExecuting) {
      latest->operation = name;
      running_percent += std::min(100.0, latest->percent_complete.value_or(0.0));
      reported_progress_[name] = ToJsonText(Encode(*latest));
      ops[name] = std::move(*latest);
    }
    if (std::string log = handle->TakeNewLog(); !log.empty()) logs[name] += log;
  }
  report.percent_complete =
      is_final ? report.percent_complete : PercentComplete(done, all, running_percent);
  report.operation_progress.emplace();
  for (auto& [name, op] : ops) {
    // Every report of an operation carries its attempt: a later one may replace the first.
    if (auto attempt = attempt_of.find(name); attempt != attempt_of.end()) {
      op.attempt_count = attempt->second;
    }
    report.operation_progress->push_back(op);
  }

  // The final report's output is stored before the final state: whoever follows the logs until
  // the Agenda completes (`pop agenda logs --follow`) reads it all once it sees COMPLETE.
  if (is_final && !logs.empty()) {
    StoreLogs(logs);
    logs.clear();
  }
  Result<ProgressReportAnswer> answer =
      deps_.client.UpdateAgendaProgress(report, options_.puller_id);
  const Status sent = answer.status();
  if (sent.ok() && !logs.empty()) StoreLogs(logs);

  lock.lock();
  if (sent.ok()) {
    if (answer->paused != paused && pause_epoch == pause_epoch_at_send) {
      paused = answer->paused;
      deps_.logger.Log(LogLevel::kInfo, "agenda " + agenda_.id.value_or("") +
                                            (paused ? ": paused; no new operation starts"
                                                    : ": resumed; starting ready operations"));
      coordinator_cv.notify_all();
    }
    // Keep an entry that changed while we were sending: it goes out next time.
    for (auto& [name, op] : ops) {
      auto it = unsent_ops.find(name);
      if (it != unsent_ops.end() && ToJsonText(Encode(it->second)) == ToJsonText(Encode(op))) {
        unsent_ops.erase(it);
      }
    }
    if (is_final) final_sent = true;
    return true;
  }
  // Put the logs back for the next attempt.
  for (auto& [name, text] : logs) unsent_logs[name] = text + unsent_logs[name];
  dirty = true;
  if (sent.code() == ErrorCode::kConflict) {
    claim_lost = true;
    // After a user's cancel the server already holds the final state and refuses ours.
    deps_.logger.Log(cancelled ? LogLevel::kInfo : LogLevel::kWarning,
                     "agenda " + agenda_.id.value_or("") + ": the server refused the report (" +
                         sent.message() + "); stopping its handlers");
    coordinator_cv.notify_all();
    return false;
  }
  deps_.logger.Log(LogLevel::kWarning,
                   "agenda " + agenda_.id.value_or("") +
                       ": progress report failed, will retry: " + sent.message());
  return false;
}

bool Executor::Execution::HandlerProgressChanged(std::unique_lock<std::mutex>& lock) {
  std::vector<std::pair<std::string, std::shared_ptr<LaunchedOperation>>> handles(running.begin(),
                                                                                  running.end());
  lock.unlock();
  bool changed = false;
  for (auto& [name, handle] : handles) {
    if (auto latest = handle->LatestProgress();
        latest && latest->processing_state == ProcessingState::kExecuting) {
      latest->operation = name;
      auto sent = reported_progress_.find(name);
      changed = changed || sent == reported_progress_.end() ||
                sent->second != ToJsonText(Encode(*latest));
    }
  }
  lock.lock();
  return changed;
}

void Executor::Execution::Report() {
  std::unique_lock<std::mutex> lock(mu);
  // The first report waits for the coalescing interval like any other (the final one excepted):
  // an Agenda that ends within it costs the server one report, not two. The claim's lease is far
  // longer than the interval.
  Timestamp last_sent = deps_.clock.Now();
  Timestamp last_check = last_sent;  // of the handlers' progress
  int final_attempts = 0;
  int failures = 0;  // reports failed in a row
  bool last_failed = false;
  while (!claim_lost) {
    Timestamp now = deps_.clock.Now();
    // A handler's own progress report sets nothing here: it is read every progress_check.
    if (!dirty && !final_ready && !running.empty() && now >= last_check + options_.progress_check) {
      last_check = now;
      if (HandlerProgressChanged(lock)) dirty = true;
      now = deps_.clock.Now();
    }
    Duration spacing = last_failed ? ReportRetryDelay(options_, failures) : options_.coalesce;
    bool due = (final_ready && (!last_failed || now >= last_sent + spacing)) ||
               (dirty && now >= last_sent + spacing) || now >= last_sent + options_.heartbeat;
    if (!due) {
      Timestamp next = last_sent + options_.heartbeat;
      if (dirty || final_ready) next = std::min(next, last_sent + spacing);
      if (!dirty && !running.empty()) next = std::min(next, last_check + options_.progress_check);
      deps_.clock.WaitUntil(reporter_cv, lock, next);
      continue;
    }
    const bool is_final = final_ready;
    last_failed = !SendOnce(lock);
    failures = last_failed ? failures + 1 : 0;
    // Coalescing counts from when the report's content was read, so a change made while it was
    // on its way goes out one interval after it, not one interval after the server answered; a
    // failed report's retry delay counts from the failure.
    last_sent = last_failed ? deps_.clock.Now() : now;
    if (is_final && final_sent) break;
    if (is_final && ++final_attempts >= options_.final_report_attempts) {
      deps_.logger.Log(LogLevel::kError,
                       "agenda " + agenda_.id.value_or("") + ": Failed to report all progress.");
      break;
    }
  }
  reporter_done = true;
  coordinator_cv.notify_all();
}

Executor::Executor(ExecutorDeps deps, ExecutorOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {}

void Executor::SetPaused(bool paused) {
  MutexLock lock(mu_);  // held throughout, as in Cancel
  paused_ = paused;
  if (active_ == nullptr) return;
  std::lock_guard<std::mutex> run_lock(active_->mu);
  active_->paused = paused;
  ++active_->pause_epoch;
  active_->coordinator_cv.notify_all();
}

void Executor::Cancel(bool user_requested) {
  // mu_ stays held throughout: Run clears active_ under it before its Execution is destroyed,
  // so the run cannot end under our feet.
  MutexLock lock(mu_);
  cancel_requested_ = true;
  cancel_by_user_ = user_requested;
  Execution* active = active_;
  if (active == nullptr) return;
  {
    std::lock_guard<std::mutex> run_lock(active->mu);
    active->cancelled = true;
    active->coordinator_cv.notify_all();
  }
  active->CancelAll();
}

ExecutionResult Executor::Run(const Agenda& agenda, const std::optional<AgendaProgress>& prior) {
  Execution run(deps_, options_, agenda);
  const Timestamp started = deps_.clock.Now();
  std::vector<OperationProgress> prior_ops;
  if (prior && prior->operation_progress) prior_ops = *prior->operation_progress;
  for (const OperationProgress& op : prior_ops) {
    if (op.operation) run.earlier[*op.operation] = op;
  }
  Conductor conductor(agenda, prior_ops);
  std::vector<DiagnosticEvent> diagnostics;
  {
    std::lock_guard<std::mutex> lock(run.mu);
    run.state.id = agenda.progress_id;
    run.state.processing_state = ProcessingState::kExecuting;
    run.state.processing_state_message = kMessageRunningOperations;
    run.state.started_time = started;
    run.total = conductor.total();
    run.completed = conductor.completed();
    run.dirty = true;
  }
  bool cancelled_before_start = false;
  {
    MutexLock lock(mu_);
    active_ = &run;
    std::lock_guard<std::mutex> run_lock(run.mu);
    run.cancelled = cancel_requested_;
    run.paused = paused_;
    cancelled_before_start = cancel_requested_;
  }
  // No report goes out before the coalescing interval has passed (the final one excepted), so
  // the reporter thread starts only then: an Agenda that ends sooner sends its final report from
  // this thread, without a second one.
  const Timestamp reporter_due = started + options_.coalesce;
  ThreadCache::Task reporter;  // joinable once started

  // No operations list at all fails (spec §14.2); an empty one has nothing to do and succeeds,
  // as the original's conductor did with zero operations.
  if (!agenda.operations) {
    diagnostics.push_back(
        Diagnostic("No operations in Agenda. Nothing to do.", std::nullopt, deps_.clock.Now()));
  }
  bool stop_starting = !diagnostics.empty() || cancelled_before_start;
  bool paused = false;  // the coordinator's view of run.paused: what it last acted on
  {
    std::lock_guard<std::mutex> lock(run.mu);
    paused = run.paused;
  }
  for (;;) {
    if (!stop_starting && !paused) {
      size_t room = options_.max_parallel > conductor.running()
                        ? options_.max_parallel - conductor.running()
                        : 0;
      for (ReadyOperation& op : conductor.TakeReady(room)) {
        Launcher* launcher = nullptr;
        for (Launcher* candidate : deps_.launchers) {
          if (candidate->Handles(op.type)) {
            launcher = candidate;
            break;
          }
        }
        run.Dispatch(std::move(op), launcher);
      }
    }
    if (conductor.running() == 0 && (stop_starting || conductor.Finished())) break;
    std::deque<Execution::Completion> ended;
    {
      std::unique_lock<std::mutex> lock(run.mu);
      // A pause or resume wakes it too: a resume starts the ready operations at once.
      auto woken = [&] {
        return !run.completions.empty() || ((run.claim_lost || run.cancelled) && !stop_starting) ||
               run.paused != paused;
      };
      while (!woken()) {
        if (reporter.joinable()) {
          run.coordinator_cv.wait(lock, woken);
        } else if (deps_.clock.Now() >= reporter_due) {
          lock.unlock();
          reporter = deps_.threads.Run([&run] { run.Report(); });
          lock.lock();
        } else {
          deps_.clock.WaitUntil(run.coordinator_cv, lock, reporter_due);
        }
      }
      ended.swap(run.completions);
      paused = run.paused;
      if ((run.claim_lost || run.cancelled) && !stop_starting) {
        stop_starting = true;
        lock.unlock();
        run.CancelAll();
        lock.lock();
      }
    }
    for (auto& completion : ended) {
      const Timestamp now = deps_.clock.Now();
      const bool ok = Succeeded(completion.outcome);
      OperationProgress final_op = completion.outcome.progress.value_or(FailedProgress(
          "Failed to complete operation: " + completion.name + " No progress was reported.", now));
      final_op.operation = completion.name;
      if (ok) final_op.percent_complete = 100.0;
      if (!final_op.completed_time) final_op.completed_time = now;
      if (completion.outcome.output) final_op.result_payload = completion.outcome.output;
      if (completion.outcome.failure) {
        diagnostics.push_back(Diagnostic("Failed to execute operation: " + completion.name,
                                         completion.outcome.failure, now));
        if (!completion.outcome.retryable) diagnostics.back().status_code = kStatusNotRetryable;
      }
      std::optional<Json> output;
      if (completion.outcome.output) {
        Result<Json> parsed = ParseJson(*completion.outcome.output);
        output = parsed.ok() ? std::move(parsed).value() : Json(*completion.outcome.output);
      }
      if (deps_.metrics != nullptr) {
        deps_.metrics->Add(metrics::kOperations, {completion.type, ok ? "succeeded" : "failed"}, 1);
        deps_.metrics->Observe(metrics::kOperationDuration, {completion.type},
                               static_cast<double>(completion.took.millis()) / 1000.0);
      }
      conductor.Complete(completion.name, ok, std::move(output));
      std::lock_guard<std::mutex> lock(run.mu);
      run.unsent_ops[completion.name] = std::move(final_op);
      run.completed = conductor.completed();
      run.total = conductor.total();
      run.dirty = true;
    }
    run.reporter_cv.notify_all();
  }

  // The end: the final state, unless the agenda now belongs to another puller.
  const Timestamp ended_at = deps_.clock.Now();
  bool by_user = true;
  {
    MutexLock lock(mu_);
    by_user = cancel_by_user_;
  }
  {
    std::lock_guard<std::mutex> lock(run.mu);
    if (run.cancelled && !by_user) {
      run.cancelled = false;  // a shutdown is a failure the retry rules may repeat
      diagnostics.push_back(Diagnostic("The executor was stopped before the agenda finished",
                                       std::nullopt, ended_at));
    }
  }
  // The conductor's errors are the agenda's own (invalid references, a generator's bad output):
  // the same agenda fails the same way again, so none is retried automatically.
  for (const std::string& error : conductor.errors()) {
    diagnostics.push_back(Diagnostic("Error running operations", error, ended_at));
    diagnostics.back().status_code = kStatusNotRetryable;
  }
  ExecutionResult result;
  {
    std::unique_lock<std::mutex> lock(run.mu);
    result.claim_lost = run.claim_lost;
    const bool cancelled = run.cancelled;
    result.succeeded = !run.claim_lost && !cancelled && !conductor.Failed() && diagnostics.empty();
    run.state.processing_state = ProcessingState::kComplete;
    run.state.processing_state_message =
        cancelled ? kMessageCancelled : (result.succeeded ? kMessageSucceeded : kMessageFailed);
    run.state.completed_time = ended_at;
    run.state.percent_complete = PercentComplete(conductor.completed(), conductor.total(), 0);
    if (!result.succeeded && !diagnostics.empty()) run.state.diagnostic_events = diagnostics;
    run.final_ready = true;
    run.dirty = true;
    lock.unlock();
    if (reporter.joinable()) {
      run.reporter_cv.notify_all();
    } else {
      run.Report();  // sends the final state at once, retrying as the reporter would
    }
    lock.lock();
    run.coordinator_cv.wait(lock, [&] { return run.reporter_done; });
    result.final_reported = run.final_sent;
    result.claim_lost = run.claim_lost;
  }
  reporter.Join();  // nothing to wait for when it never started
  // Output captured after the server stopped taking reports (a cancel, a lost claim) is kept.
  std::map<std::string, std::string> leftover_logs;
  {
    std::lock_guard<std::mutex> lock(run.mu);
    if (!run.final_sent) leftover_logs.swap(run.unsent_logs);
    result.cancelled = run.cancelled;
  }
  if (!leftover_logs.empty()) run.StoreLogs(leftover_logs);
  {
    MutexLock lock(mu_);
    active_ = nullptr;
    cancel_requested_ = false;
    cancel_by_user_ = true;
    paused_ = false;
  }
  const std::string outcome =
      result.succeeded
          ? "succeeded"
          : (result.cancelled ? "cancelled" : (result.claim_lost ? "claim lost" : "failed"));
  if (deps_.metrics != nullptr) {
    deps_.metrics->Observe(metrics::kAgendaDuration,
                           {outcome == "claim lost" ? "claim_lost" : outcome},
                           static_cast<double>((ended_at - started).millis()) / 1000.0);
  }
  deps_.logger.Log(LogLevel::kInfo, "Agenda " + agenda.id.value_or("") +
                                        " (Ops) execution duration (milliseconds): " +
                                        std::to_string((ended_at - started).millis()) +
                                        ". ExecutorComplete " + outcome);
  return result;
}

}  // namespace pop::app
