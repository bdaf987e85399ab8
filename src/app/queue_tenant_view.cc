#include "app/insight_queues.h"

namespace pop::app {

QueueExplanation TenantView(QueueExplanation full) {
  QueueExplanation out;
  out.state = full.state;
  out.insight_id = std::move(full.insight_id);
  out.algorithm = full.algorithm;
  out.queue_size = full.queue_size;
  out.lease_until = full.lease_until;
  out.not_before = full.not_before;
  out.counts_shown = false;
  const std::string insight = "insight " + out.insight_id;
  switch (out.state) {
    case QueueExplanation::State::kDelayed:
      out.reason = "an automatic retry after a failure; it is scheduled once its backoff ends";
      break;
    case QueueExplanation::State::kClaimed:
      out.reason =
          "claimed by a puller of its resource pool; it returns to the queue unless its executor "
          "reports before the lease ends";
      break;
    case QueueExplanation::State::kQueued:
      out.reason = "in the queue of " + insight + "; waiting for a puller to claim it";
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
  return out;
}

}  // namespace pop::app
