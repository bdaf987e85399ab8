// Services: the ports every use case needs, passed by reference. Built once by bin/pop (the
// composition root); outlives every use case object. Thread-safe because each port is.
#pragma once

#include <optional>

#include "ports/change_feed.h"
#include "ports/clock.h"
#include "ports/id_generator.h"
#include "ports/metrics.h"
#include "ports/store.h"

namespace pop::app {

struct Services {
  Store& store;
  const Clock& clock;
  IdGenerator& ids;
  // Automatic retries of failed Agendas (spec §17.2) wait this long before they are scheduled;
  // nullopt turns automatic retries off.
  std::optional<Duration> retry_backoff = Duration::Seconds(5);
  // Where use cases record their metrics (core/metrics/catalogue.h); null: nothing is recorded.
  MetricsSink* metrics = nullptr;
};

}  // namespace pop::app
