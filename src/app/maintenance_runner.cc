#include "app/maintenance_runner.h"

#include <algorithm>
#include <utility>

namespace pop::app {

MaintenanceRunner::MaintenanceRunner(Services services, Logger& logger, MetricsSink& metrics,
                                     MaintenanceRunnerOptions options,
                                     std::vector<MaintenanceJob> jobs)
    : services_(services), logger_(logger), metrics_(metrics), options_(std::move(options)) {
  const Timestamp now = services_.clock.Now();
  for (MaintenanceJob& job : jobs) jobs_.push_back({std::move(job), now, false});
}

MaintenanceRunner::~MaintenanceRunner() { Stop(); }

void MaintenanceRunner::Start() {
  if (options_.start_thread && !thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void MaintenanceRunner::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Scheduled& scheduled : jobs_) {
    if (!scheduled.held) continue;
    if (options_.leadership != nullptr) {
      options_.leadership->Resign(scheduled.job.name);
      scheduled.held = false;
      continue;
    }
    Status released = services_.store.Write(
        [&](StoreWriter& tx) { return tx.ReleaseJobLease(scheduled.job.name, options_.holder); });
    if (!released.ok() && logger_.Enabled(LogLevel::kWarning)) {
      logger_.Log(LogLevel::kWarning, "maintenance: could not release the lease of " +
                                          scheduled.job.name + ": " + released.message());
    }
    scheduled.held = false;
  }
  MutexLock lock(mu_);
  held_.clear();
}

std::vector<std::string> MaintenanceRunner::HeldLeases() const {
  MutexLock lock(mu_);
  return {held_.begin(), held_.end()};
}

Result<bool> MaintenanceRunner::Lead(const MaintenanceJob& job, Timestamp now) {
  if (options_.leadership != nullptr) return options_.leadership->TryLead(job.name);
  const Duration lease = std::max(options_.lease, job.interval);
  bool acquired = false;
  POP_RETURN_IF_ERROR(services_.store.Write([&](StoreWriter& tx) -> Status {
    POP_ASSIGN_OR_RETURN(acquired,
                         tx.TryAcquireJobLease(job.name, options_.holder, now, now + lease));
    return Status::Ok();
  }));
  return acquired;
}

bool MaintenanceRunner::RunOne(Scheduled& scheduled, Timestamp now) {
  scheduled.next = now + scheduled.job.interval;
  if (scheduled.job.every_instance) {
    Report(scheduled.job.name, scheduled.job.run());
    return true;
  }
  Result<bool> led = Lead(scheduled.job, now);
  const bool acquired = led.ok() && *led;
  if (!led.ok()) {
    if (logger_.Enabled(LogLevel::kWarning)) {
      logger_.Log(LogLevel::kWarning,
                  "maintenance: " + scheduled.job.name +
                      " skipped, who runs it could not be read: " + led.error().message);
    }
    return false;
  }
  if (acquired != scheduled.held && logger_.Enabled(LogLevel::kInfo)) {
    logger_.Log(LogLevel::kInfo,
                "maintenance: " + scheduled.job.name +
                    (acquired ? " now runs in this instance" : " runs in another instance"));
  }
  scheduled.held = acquired;
  {
    MutexLock lock(mu_);
    if (acquired) {
      held_.insert(scheduled.job.name);
    } else {
      held_.erase(scheduled.job.name);
    }
  }
  if (!acquired) return false;
  Report(scheduled.job.name, scheduled.job.run());
  return true;
}

void MaintenanceRunner::Report(const std::string& job, const Status& ran) {
  if (ran.ok()) return;
  metrics_.Count("maintenance." + job + ".errors", 1);
  if (logger_.Enabled(LogLevel::kError)) {
    logger_.Log(LogLevel::kError, "maintenance: " + job + " failed: " + ran.message());
  }
}

int MaintenanceRunner::RunDue() {
  int ran = 0;
  for (Scheduled& scheduled : jobs_) {
    const Timestamp now = services_.clock.Now();
    if (scheduled.next > now) continue;
    if (RunOne(scheduled, now)) ++ran;
  }
  return ran;
}

void MaintenanceRunner::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    lock.Unlock();
    RunDue();
    lock.Lock();
    if (stopping_ || jobs_.empty()) break;
    Timestamp next = jobs_.front().next;
    for (const Scheduled& scheduled : jobs_) next = std::min(next, scheduled.next);
    mu_.WaitUntil(services_.clock, cv_, next);
  }
}

}  // namespace pop::app
