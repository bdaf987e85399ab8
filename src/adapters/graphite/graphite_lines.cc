#include "adapters/graphite/graphite_lines.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

namespace pop {
namespace {

std::string Number(double value) {
  if (!std::isfinite(value)) return "0";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6f", value);
  return buffer;
}

}  // namespace

std::vector<std::string> GraphiteLines(const metrics::MetricsSnapshot& snapshot,
                                       const std::string& prefix, int64_t unix_seconds) {
  const std::string root = prefix.empty() ? "" : metrics::GraphitePath(prefix) + ".";
  std::map<std::string, double> values;  // by full name, so equal names are summed
  struct Timer {
    double count = 0;
    double sum_ms = 0;
  };
  std::map<std::string, Timer> timers;
  for (const metrics::MetricFamily& family : snapshot.families) {
    for (const metrics::SeriesValue& series : family.series) {
      const std::string name = root + metrics::GraphiteName(*family.def, series.labels);
      if (family.def->type == metrics::MetricType::kHistogram) {
        Timer& timer = timers[name];
        timer.count += static_cast<double>(series.count);
        timer.sum_ms += series.sum * 1000.0;
      } else {
        values[name] += series.value;
      }
    }
  }
  for (const auto& [name, timer] : timers) {
    values[name + ".count"] += timer.count;
    values[name + ".sum"] += timer.sum_ms;
    values[name + ".mean"] = timer.count > 0 ? timer.sum_ms / timer.count : 0;
  }
  std::vector<std::string> lines;
  lines.reserve(values.size());
  const std::string at = " " + std::to_string(unix_seconds) + "\n";
  for (const auto& [name, value] : values) {
    std::string line = name;
    line += " ";
    line += Number(value);
    line += at;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace pop
