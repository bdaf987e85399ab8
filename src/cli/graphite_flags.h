// The Graphite flags shared by `pop dev`, `pop server` and `pop puller` (--graphite host:port,
// --graphite-prefix, --graphite-interval-seconds) and the reporter they start (docs/metrics.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/graphite/graphite_reporter.h"
#include "core/base/result.h"

namespace pop::cli {

struct GraphiteConfig {
  std::string target;  // host:port of carbon's plaintext listener; empty: no push
  std::string prefix = "pop";
  int64_t interval_seconds = 60;
};

void AddGraphiteFlags(CLI::App& command, GraphiteConfig& config);

// A reporter (not started: call Start once the process serves) when --graphite is set, nullptr
// otherwise. Errors: kInvalidArgument naming the flag (a malformed host:port, an interval under
// 1 s, an unusable prefix); called before anything starts, so a bad flag changes nothing.
[[nodiscard]] Result<std::unique_ptr<GraphiteReporter>> MakeGraphite(const GraphiteConfig& config,
                                                                     MetricsSource& source,
                                                                     MetricsSink& sink,
                                                                     const Clock& clock,
                                                                     Logger& logger);

}  // namespace pop::cli
