// InsightPollRecorder: writes to the store when pullers last polled each Insight through this
// server (InsightQueues::LastPolls), so that every server sharing the store sees the polls any
// of them answered: the Pools page (resource_pool_status.h) on every server, and the
// pullerSilent rule on the server leading the alert rules. RecordOnce runs on every server,
// with or without alerting, at an interval (InsightPollJob, a maintenance job without a lease):
// one write holding the Insights polled since its last run, so however often an Insight is
// polled its poll is written at most once per interval, and a round without polls writes
// nothing. Not thread-safe: one thread (the maintenance runner's) calls RecordOnce.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/maintenance_runner.h"
#include "core/base/result.h"
#include "ports/store.h"

namespace pop::app {

struct AlertConfig;  // app/alerts/alert_config.h (which includes this header)

// When pullers last polled each Insight, as this server's scheduler saw (InsightQueues); an
// Insight without a value has not been polled since the server started.
using LastPollsFn = std::function<std::map<std::string, std::optional<Timestamp>>()>;

class InsightPollRecorder {
 public:
  InsightPollRecorder(Store& store, LastPollsFn last_polls);

  // Writes the polls newer than those this recorder wrote; returns the store's error (they are
  // written by the next run then).
  [[nodiscard]] Status RecordOnce();

 private:
  Store& store_;
  const LastPollsFn last_polls_;
  std::map<std::string, Timestamp> recorded_;  // what the store holds from this server
};

// How often a server records its polls: every 5 s without alerting (`alerting` null); with it,
// often enough that the silence pullerSilent measures is late by a third of it at most (the
// rules' interval or a third of `puller_silence`, whichever is shorter), and at most once a second.
[[nodiscard]] Duration InsightPollInterval(const AlertConfig* alerting);

// The "polls" maintenance job: runs `recorder` in every instance (no lease) at `interval`.
[[nodiscard]] MaintenanceJob InsightPollJob(std::shared_ptr<InsightPollRecorder> recorder,
                                            Duration interval);

}  // namespace pop::app
