// MaintenanceRunner: runs the timed maintenance jobs (maintenance_jobs.h) on one thread, each at
// its interval, and only while this instance leads the job, so that one instance runs each job
// even when several servers share a store. Who leads: the options' Leadership when given (on
// PostgreSQL an advisory lock that ends with its holder's connection, so a dead holder's jobs
// are taken at the next try of another, within one interval), else a job lease in the store. A
// holder that stops releases its leases; one that dies loses them when they expire (`lease`).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/services.h"
#include "core/base/result.h"
#include "ports/leadership.h"
#include "ports/logger.h"
#include "ports/metrics.h"
#include "ports/mutex.h"

namespace pop::app {

struct MaintenanceJob {
  std::string name;             // also the lease's name, e.g. "reclaimer"
  Duration interval;            // between the starts of two runs
  std::function<Status()> run;  // one run; its error is logged and counted, never fatal
  // Runs in every instance, without a lease: work about this instance itself (it records what
  // this server saw).
  bool every_instance = false;
};

struct MaintenanceRunnerOptions {
  std::string holder;  // this instance's lease holder id (unique per process)
  // How long a lease lasts past each run's start; another instance takes a job over this long
  // after its holder died. At least each job's interval (the holder renews it every run).
  Duration lease = Duration::Minutes(2);
  bool start_thread = true;  // false: tests call RunDue() themselves
  // Decides who runs each job instead of the store's job leases (then `holder` and `lease` are
  // unused); must outlive the runner. nullptr: the leases.
  Leadership* leadership = nullptr;
};

class MaintenanceRunner {
 public:
  MaintenanceRunner(Services services, Logger& logger, MetricsSink& metrics,
                    MaintenanceRunnerOptions options, std::vector<MaintenanceJob> jobs);
  ~MaintenanceRunner();  // Stop()
  MaintenanceRunner(const MaintenanceRunner&) = delete;
  MaintenanceRunner& operator=(const MaintenanceRunner&) = delete;

  // Every job runs once soon after Start, then at its interval.
  void Start();
  // Waits for a running job to finish its current batch, releases the leases held.
  void Stop();

  // Runs every job that is due at clock.Now() (taking or renewing its lease first); returns how
  // many ran. For tests with a fake clock and start_thread = false.
  int RunDue();

  // The jobs whose lease this instance held at its last attempt (GET /healthz's "leader").
  std::vector<std::string> HeldLeases() const;

 private:
  struct Scheduled {
    MaintenanceJob job;
    Timestamp next;
    bool held = false;  // this instance held the lease at its last attempt
  };

  void Loop();
  // Whether this instance runs `job` now (taking or renewing its leadership).
  Result<bool> Lead(const MaintenanceJob& job, Timestamp now);
  bool RunOne(Scheduled& scheduled, Timestamp now);
  void Report(const std::string& job, const Status& ran);  // logs and counts a failed run

  Services services_;
  Logger& logger_;
  MetricsSink& metrics_;
  MaintenanceRunnerOptions options_;
  mutable Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ POP_GUARDED_BY(mu_) = false;
  std::set<std::string> held_ POP_GUARDED_BY(mu_);  // a copy of the `held` flags, for readers
  std::vector<Scheduled> jobs_;  // touched only by the runner thread (or RunDue's caller)
  std::thread thread_;
};

}  // namespace pop::app
