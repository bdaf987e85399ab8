// Graphite's plaintext protocol for a MetricsSnapshot: one "<path> <value> <unix seconds>\n"
// line per Graphite name. Names come from each metric's dotted template (core/metrics), under
// `prefix`; series that map to one name are summed. A counter is its running total, a gauge its
// value, a histogram three lines: `<name>.count`, `<name>.sum` and `<name>.mean` (milliseconds,
// as the original's Dropwizard timers reported). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics/metric.h"

namespace pop {

std::vector<std::string> GraphiteLines(const metrics::MetricsSnapshot& snapshot,
                                       const std::string& prefix, int64_t unix_seconds);

}  // namespace pop
