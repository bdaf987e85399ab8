// InsightPollRecorder: writes to the store when pullers last polled each Insight through this
// server (InsightQueues::LastPolls), so that the pullerSilent rule, which the server leading the
// rules evaluates, sees the polls every server sharing the store answered. RecordOnce runs on
// every server at an interval (a maintenance job without a lease): one write holding the
// Insights polled since its last run, so however often an Insight is polled its poll is written
// at most once per interval, and a round without polls writes nothing. Not thread-safe: one
// thread (the maintenance runner's) calls RecordOnce.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "ports/store.h"

namespace pop::app {

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

}  // namespace pop::app
