#include "cli/graphite_flags.h"

#include <utility>

namespace pop::cli {

void AddGraphiteFlags(CLI::App& command, GraphiteConfig& config) {
  command.add_option("--graphite", config.target,
                     "push metrics to carbon's plaintext listener at host:port (docs/metrics.md)");
  command.add_option("--graphite-prefix", config.prefix, "first segments of every Graphite name")
      ->capture_default_str();
  command
      .add_option("--graphite-interval-seconds", config.interval_seconds,
                  "seconds between pushes to Graphite")
      ->capture_default_str();
}

Result<std::unique_ptr<GraphiteReporter>> MakeGraphite(const GraphiteConfig& config,
                                                       MetricsSource& source, MetricsSink& sink,
                                                       const Clock& clock, Logger& logger) {
  if (config.target.empty()) return std::unique_ptr<GraphiteReporter>();
  POP_ASSIGN_OR_RETURN(GraphiteOptions options, ParseGraphiteTarget("--graphite", config.target));
  if (config.interval_seconds < 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "--graphite-interval-seconds: must be at least 1, got " +
                     std::to_string(config.interval_seconds));
  }
  options.prefix = config.prefix;
  options.interval = Duration::Seconds(config.interval_seconds);
  Result<std::unique_ptr<GraphiteReporter>> reporter =
      GraphiteReporter::Create(std::move(options), source, sink, clock, logger);
  if (!reporter.ok()) return Error(reporter.error().code, "--" + reporter.error().message);
  logger.Log(LogLevel::kInfo, "pushing metrics to Graphite at " + config.target + " every " +
                                  std::to_string(config.interval_seconds) + " s");
  return reporter;
}

}  // namespace pop::cli
