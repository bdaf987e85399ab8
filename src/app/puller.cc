#include "app/puller.h"

#include <algorithm>

#include "core/metrics/catalogue.h"

namespace pop::app {

Puller::Puller(PullerDeps deps, PullerOptions options)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      threads_(2 * options_.max_agendas * std::max<size_t>(options_.insight_ids.size(), 1)) {}

Puller::~Puller() { Stop(); }

void Puller::Start() {
  MutexLock lock(mu_);
  if (running_) return;
  running_ = true;
  for (const std::string& insight : options_.insight_ids) {
    pollers_.emplace_back(&Puller::PollLoop, this, insight);
  }
  deps_.logger.Log(LogLevel::kInfo, "puller " + options_.puller_id + " polling " +
                                        std::to_string(options_.insight_ids.size()) +
                                        " insight(s), up to " +
                                        std::to_string(options_.max_agendas) + " agendas each");
}

void Puller::Stop(bool let_finish) {
  {
    MutexLock lock(mu_);
    running_ = false;
  }
  cv_.notify_all();
  for (auto& poller : pollers_) poller.join();
  pollers_.clear();
  std::list<Run> runs;
  {
    MutexLock lock(mu_);
    runs.swap(runs_);
  }
  if (!let_finish) {
    for (Run& run : runs) run.executor->Cancel(/*user_requested=*/false);
  }
  for (Run& run : runs) run.task.Join();
}

Timestamp Puller::last_poll() const {
  MutexLock lock(mu_);
  return last_poll_;
}

size_t Puller::running() const {
  MutexLock lock(mu_);
  size_t total = 0;
  for (const auto& [insight, count] : active_) total += count;
  return total;
}

void Puller::Wake() {
  { MutexLock lock(mu_); }
  cv_.notify_all();
}

void Puller::ReapFinishedLocked(std::vector<ThreadCache::Task>& to_join) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    to_join.push_back(std::move(it->task));
    it = runs_.erase(it);
  }
}

void Puller::PollLoop(const std::string& insight_id) {
  Duration backoff = options_.min_backoff;
  for (;;) {
    size_t room = 0;
    std::vector<ThreadCache::Task> finished;
    {
      MutexLock lock(mu_);
      if (deps_.executor_pods != nullptr) {
        while (running_ &&
               (room = deps_.executor_pods->Room(insight_id, options_.max_agendas)) == 0) {
          mu_.Wait(cv_);
        }
      } else {
        while (running_ && active_[insight_id] >= options_.max_agendas) mu_.Wait(cv_);
        room = options_.max_agendas - active_[insight_id];
      }
      if (!running_) return;
      ReapFinishedLocked(finished);
    }
    for (ThreadCache::Task& task : finished) task.Join();
    const Timestamp poll_started = deps_.clock.Now();
    Result<ClaimedWork> work = deps_.client.GetAgenda(insight_id, static_cast<int64_t>(room),
                                                      options_.wait, options_.puller_id);
    if (deps_.metrics != nullptr) {
      deps_.metrics->Observe(
          metrics::kPullerPoll, {},
          static_cast<double>((deps_.clock.Now() - poll_started).millis()) / 1000.0);
      if (!work.ok()) deps_.metrics->Add(metrics::kPullerFailures, {}, 1);
    }
    if (!work.ok()) {
      deps_.logger.Log(LogLevel::kWarning, "puller: getAgenda for insight " + insight_id +
                                               " failed (" + work.error().message +
                                               "); retrying in " +
                                               std::to_string(backoff.millis()) + " ms");
      MutexLock lock(mu_);
      const Timestamp until = deps_.clock.Now() + backoff;
      while (running_ && deps_.clock.Now() < until) mu_.WaitUntil(deps_.clock, cv_, until);
      backoff = std::min(options_.max_backoff, backoff + backoff);
      continue;
    }
    backoff = options_.min_backoff;
    {
      MutexLock lock(mu_);
      last_poll_ = deps_.clock.Now();
    }
    for (Agenda& agenda : work->agendas) {
      std::optional<AgendaProgress> prior;
      for (const AgendaProgress& progress : work->prior_progress) {
        if (progress.id && progress.id == agenda.progress_id) prior = progress;
      }
      deps_.logger.Log(LogLevel::kInfo, " Puller Agenda metadata: agendaType=exec owner=" +
                                            agenda.customer_id.value_or("") +
                                            " agendaId=" + agenda.id.value_or("") + " ");
      StartAgenda(insight_id, std::move(agenda), std::move(prior));
    }
  }
}

void Puller::StartAgenda(const std::string& insight_id, Agenda agenda,
                         std::optional<AgendaProgress> prior) {
  if (deps_.executor_pods != nullptr) {
    deps_.executor_pods->Launch(insight_id, agenda, prior);
    return;
  }
  ExecutorOptions executor_options = options_.executor;
  executor_options.puller_id = options_.puller_id;
  const std::string agenda_id = agenda.id.value_or("");
  MutexLock lock(mu_);
  // Handed out again while this puller still runs it: its reports have not reached the server
  // (down, or PostgreSQL restarting) for longer than the claim's lease, and this puller claimed
  // it anew. The execution under way keeps going and its next report confirms the new claim
  // (same puller); a second execution would run its operations again.
  for (const Run& running : runs_) {
    if (!running.done && running.agenda_id == agenda_id) {
      deps_.logger.Log(LogLevel::kWarning,
                       "agenda " + agenda_id +
                           ": handed out again while still running here (its reports did not "
                           "arrive in time); the running execution carries on");
      return;
    }
  }
  ++active_[insight_id];
  Run& run = runs_.emplace_back();
  run.agenda_id = agenda_id;
  run.executor =
      std::make_unique<Executor>(ExecutorDeps{deps_.clock, deps_.client, deps_.launchers,
                                              deps_.workers, deps_.logger, threads_, deps_.metrics},
                                 executor_options);
  Executor* executor = run.executor.get();
  Run* slot = &run;
  if (deps_.running_agendas != nullptr) deps_.running_agendas->Add(agenda_id, executor);
  run.task = threads_.Run(
      [this, executor, slot, insight_id, agenda = std::move(agenda), prior = std::move(prior)] {
        executor->Run(agenda, prior);
        if (deps_.running_agendas != nullptr) {
          deps_.running_agendas->Remove(agenda.id.value_or(""), executor);
        }
        {
          MutexLock done_lock(mu_);
          --active_[insight_id];
          slot->done = true;
        }
        cv_.notify_all();
      });
}

}  // namespace pop::app
