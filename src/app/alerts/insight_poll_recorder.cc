#include "app/alerts/insight_poll_recorder.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "app/alerts/alert_config.h"

namespace pop::app {

InsightPollRecorder::InsightPollRecorder(Store& store, LastPollsFn last_polls)
    : store_(store), last_polls_(std::move(last_polls)) {}

Status InsightPollRecorder::RecordOnce() {
  std::vector<InsightPoll> fresh;
  for (const auto& [insight_id, at] : last_polls_()) {
    if (!at) continue;
    auto it = recorded_.find(insight_id);
    if (it == recorded_.end() || it->second < *at) fresh.push_back({insight_id, *at});
  }
  if (fresh.empty()) return Status::Ok();
  Status written = store_.Write([&](StoreWriter& tx) -> Status {
    for (const InsightPoll& poll : fresh) {
      POP_RETURN_IF_ERROR(tx.RecordInsightPoll(poll.insight_id, poll.last_poll));
    }
    return Status::Ok();
  });
  if (!written.ok()) return written;
  for (const InsightPoll& poll : fresh) recorded_[poll.insight_id] = poll.last_poll;
  return Status::Ok();
}

Duration InsightPollInterval(const AlertConfig* alerting) {
  if (alerting == nullptr) return Duration::Seconds(5);
  return std::max(
      Duration::Seconds(1),
      std::min(alerting->interval, Duration::Millis(alerting->rules.puller_silence.millis() / 3)));
}

MaintenanceJob InsightPollJob(std::shared_ptr<InsightPollRecorder> recorder, Duration interval) {
  return {"polls", interval, [recorder = std::move(recorder)] { return recorder->RecordOnce(); },
          /*every_instance=*/true};
}

}  // namespace pop::app
