#include "adapters/prometheus/prometheus_metrics.h"

#include <cctype>

namespace pop {

void PrometheusMetrics::Count(std::string_view name, int64_t delta) {
  MutexLock lock(mu_);
  auto found = counters_.find(name);
  if (found == counters_.end()) {
    counters_.emplace(std::string(name), delta);
  } else {
    found->second += delta;
  }
}

std::string PrometheusMetrics::ExposedName(std::string_view name) {
  std::string exposed = "pop_";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    exposed.push_back(std::isalnum(u) != 0 || c == '_' ? c : '_');
  }
  exposed += "_total";
  return exposed;
}

std::string PrometheusMetrics::RenderText() const {
  MutexLock lock(mu_);
  std::string text;
  for (const auto& [name, value] : counters_) {
    const std::string exposed = ExposedName(name);
    text += "# TYPE " + exposed + " counter\n";
    text += exposed + " " + std::to_string(value) + "\n";
  }
  return text;
}

}  // namespace pop
