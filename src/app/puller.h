// Puller: a Resource Pool's agent (spec §13, fixed per docs/compat.md): for each of its
// Insights it long-polls getAgenda for as many Agendas as it has room for (`max_agendas` per
// Insight), runs each in an Executor on its own thread, backs off on errors, and records when it
// last polled (liveness). No sleeping between polls: the long poll returns the moment work
// arrives. Thread-safe.
#pragma once

#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/executor.h"
#include "app/executor_pods.h"
#include "app/running_agendas.h"
#include "app/thread_cache.h"
#include "app/worker_pool.h"
#include "ports/clock.h"
#include "ports/launcher.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"
#include "ports/pool_client.h"

namespace pop::app {

struct PullerOptions {
  std::vector<std::string> insight_ids;
  size_t max_agendas = 8;                        // Agendas running at once, per Insight
  std::string puller_id;                         // names the claims; unique per puller process
  Duration wait = Duration::Seconds(20);         // long-poll time
  Duration min_backoff = Duration::Seconds(1);   // after a failed poll, doubling...
  Duration max_backoff = Duration::Seconds(30);  // ...up to this
  ExecutorOptions executor;
};

struct PullerDeps {
  const Clock& clock;
  PoolClient& client;
  std::vector<Launcher*> launchers;
  WorkerPool& workers;
  Logger& logger;
  // Where its executors are registered while they run, so that a cancel recorded in this process
  // reaches them at once (pop dev); nullptr when the server is elsewhere. Not owned.
  RunningAgendas* running_agendas;
  // Polls (pop_puller_poll_duration_seconds, pop_puller_poll_failures_total) and what its
  // executors record; null: nothing is recorded. Not owned.
  MetricsSink* metrics = nullptr;
  // Set (`pop puller --launch kubernetes`): each claimed Agenda runs in an executor pod made by
  // it, which also says how many may be claimed (Room); nullptr: in-process executors. Started
  // and stopped by the owner, with Wake as its on_change. Not owned.
  ExecutorPods* executor_pods = nullptr;
};

class Puller {
 public:
  Puller(PullerDeps deps, PullerOptions options);
  ~Puller();
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;

  void Start();
  // Stops polling. A poll in progress ends when its long poll returns (the in-process scheduler
  // answers at once when stopped). Running Agendas are stopped as a shutdown (they end failed,
  // so the retry rules apply) unless `let_finish`. Joins every thread. Idempotent.
  void Stop(bool let_finish = false);

  // When the last poll answered (liveness); 0 before the first.
  Timestamp last_poll() const;
  size_t running() const;  // Agendas running now, all Insights (in-process executors)
  // Makes the pollers look again at the room they have (ExecutorPods' on_change).
  void Wake();

 private:
  struct Run {
    std::string agenda_id;
    std::unique_ptr<Executor> executor;
    ThreadCache::Task task;
    bool done = false;
  };
  void PollLoop(const std::string& insight_id);
  void StartAgenda(const std::string& insight_id, Agenda agenda,
                   std::optional<AgendaProgress> prior);
  void ReapFinishedLocked(std::vector<ThreadCache::Task>& to_join) POP_REQUIRES(mu_);

  PullerDeps deps_;
  PullerOptions options_;
  // Each running Agenda holds one thread, two once it runs long enough to need its reporter;
  // they are kept for the next Agendas instead of being created and torn down for every one.
  // Declared before runs_ so that it is destroyed after them.
  ThreadCache threads_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool running_ POP_GUARDED_BY(mu_) = false;
  Timestamp last_poll_ POP_GUARDED_BY(mu_);
  std::map<std::string, size_t> active_ POP_GUARDED_BY(mu_);  // per insight
  std::list<Run> runs_ POP_GUARDED_BY(mu_);
  std::vector<std::thread> pollers_;
};

}  // namespace pop::app
