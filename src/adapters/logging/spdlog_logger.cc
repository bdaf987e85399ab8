#include "adapters/logging/spdlog_logger.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace pop {
namespace {

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

struct SpdlogLogger::Impl {
  std::shared_ptr<spdlog::logger> logger;  // shared with spdlog's sink machinery
};

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

Result<std::unique_ptr<SpdlogLogger>> SpdlogLogger::Create(const std::string& name,
                                                           const std::string& level) {
  std::optional<LogLevel> parsed = ParseLogLevel(level);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 "unknown log level '" + level + "' (use debug, info, warning or error)");
  }
  auto impl = std::make_unique<Impl>();
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  impl->logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  impl->logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
  impl->logger->set_level(ToSpdlog(*parsed));
  impl->logger->flush_on(spdlog::level::info);
  return std::unique_ptr<SpdlogLogger>(new SpdlogLogger(std::move(impl)));
}

SpdlogLogger::SpdlogLogger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SpdlogLogger::~SpdlogLogger() = default;

bool SpdlogLogger::Enabled(LogLevel level) const {
  return impl_->logger->should_log(ToSpdlog(level));
}

void SpdlogLogger::Log(LogLevel level, std::string_view message) {
  impl_->logger->log(ToSpdlog(level), spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace pop
