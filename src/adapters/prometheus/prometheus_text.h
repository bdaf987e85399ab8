// The Prometheus text exposition format (version 0.0.4) of a MetricsSnapshot, served at
// GET /metrics: a HELP and a TYPE line per metric, label values escaped, histograms as cumulative
// `_bucket{le=...}` lines with `_sum` and `_count`. `promtool check metrics` accepts it (a test
// runs it). Pure.
#pragma once

#include <string>

#include "core/metrics/metric.h"

namespace pop {

std::string RenderPrometheusText(const metrics::MetricsSnapshot& snapshot);

// A number as Prometheus reads it: integers without a fraction, "+Inf", "NaN".
std::string PrometheusNumber(double value);

}  // namespace pop
