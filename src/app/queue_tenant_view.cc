#include "app/insight_queues.h"

#include <algorithm>
#include <string>

namespace pop::app {
namespace {

// "42 s", "5 min", "3 h": how long ago, coarsely.
std::string Ago(Duration age) {
  const int64_t seconds = std::max<int64_t>(0, age.millis() / 1000);
  if (seconds < 120) return std::to_string(seconds) + " s";
  if (seconds < int64_t{2} * 3600) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds / 3600) + " h";
}

}  // namespace

std::string PullerNote(const QueueExplanation& explanation) {
  const bool scheduled_here = explanation.state == QueueExplanation::State::kQueued ||
                              explanation.state == QueueExplanation::State::kWaiting;
  // An insight that is gone or never queues has a reason of its own.
  if (!scheduled_here || !explanation.algorithm || explanation.queue_size <= 0) return "";
  const std::string& insight = explanation.insight_id;
  switch (explanation.pullers) {
    case PullerActivity::kActive:
      return "";
    case PullerActivity::kNone:
      return "; no puller has polled insight " + insight +
             " since this server started: start one (pop puller --insight " + insight + ")";
    case PullerActivity::kIdle:
      return "; no puller has polled insight " + insight + " for " +
             Ago(explanation.since_last_poll) +
             (explanation.last_poller ? " (the last was " + *explanation.last_poller + ")" : "") +
             ": its pullers stopped, or are busy with as many agendas as they run at once";
  }
  return "";
}

QueueExplanation TenantView(QueueExplanation full) {
  QueueExplanation out;
  out.state = full.state;
  out.insight_id = std::move(full.insight_id);
  out.algorithm = full.algorithm;
  out.queue_size = full.queue_size;
  out.lease_until = full.lease_until;
  out.not_before = full.not_before;
  out.paused_at = full.paused_at;
  out.insight_paused = full.insight_paused;
  out.counts_shown = false;
  out.pullers = full.pullers;
  out.last_poll = full.last_poll;
  out.since_last_poll = full.since_last_poll;
  const std::string insight = "insight " + out.insight_id;
  switch (out.state) {
    case QueueExplanation::State::kDelayed:
      out.reason = "an automatic retry after a failure; it is scheduled once its backoff ends";
      break;
    case QueueExplanation::State::kPaused:
      if (out.insight_paused) {
        out.reason = insight + " is paused: nothing is claimed from it until it is resumed";
      } else if (full.claimed_by) {
        out.reason =
            "paused after a puller claimed it: its executor starts no new operation "
            "until it is resumed";
      } else {
        out.reason = "paused: it is not claimed until it is resumed";
      }
      break;
    case QueueExplanation::State::kClaimed:
      out.reason =
          "claimed by a puller of its resource pool; it returns to the queue unless its executor "
          "reports before the lease ends";
      break;
    case QueueExplanation::State::kQueued:
      out.reason = "in the queue of " + insight;
      if (PullerNote(out).empty()) out.reason += "; waiting for a puller to claim it";
      break;
    case QueueExplanation::State::kWaiting:
      if (!out.algorithm) {
        out.reason = insight + " does not exist (any more), so nothing is queued";
      } else if (out.queue_size <= 0) {
        out.reason = insight + " has queueSize 0, so it never queues agendas";
      } else {
        out.reason = std::string("waiting for a place in the queue of ") + insight + " (" +
                     SchedulingAlgorithmName(*out.algorithm) +
                     "); other customers' agendas are not shown";
      }
      break;
  }
  out.reason += PullerNote(out);
  return out;
}

}  // namespace pop::app
