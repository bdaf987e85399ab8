// Services: the ports every use case needs, passed by reference. Built once by bin/pop (the
// composition root); outlives every use case object. Thread-safe because each port is.
#pragma once

#include <optional>

#include "app/memory_claims.h"
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
  // The scheduler's claims when it decides them in memory, unwritten until the holder's first
  // report (`pop dev` only: app/memory_claims.h); null when the store holds every claim.
  MemoryClaims* memory_claims = nullptr;
};

}  // namespace pop::app
