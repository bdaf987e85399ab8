// PrometheusMetrics: the MetricsSink port as counters in memory, rendered in Prometheus's text
// exposition format (version 0.0.4) for GET /metrics. A counter "maintenance.reaper.agendas"
// is exposed as `pop_maintenance_reaper_agendas_total`. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "ports/metrics.h"
#include "ports/mutex.h"

namespace pop {

class PrometheusMetrics final : public MetricsSink {
 public:
  void Count(std::string_view name, int64_t delta) override;

  // Every counter, sorted by name, each with its # TYPE line.
  std::string RenderText() const;

  // The exposed name of a counter: "pop_" + name with every character outside [a-zA-Z0-9_]
  // replaced by '_' + "_total".
  static std::string ExposedName(std::string_view name);

 private:
  mutable Mutex mu_;
  std::map<std::string, int64_t, std::less<>> counters_ POP_GUARDED_BY(mu_);
};

}  // namespace pop
