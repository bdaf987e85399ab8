// SpdlogLogger: the Logger port on spdlog, writing timestamped lines to stderr. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "ports/logger.h"

namespace pop {

class SpdlogLogger final : public Logger {
 public:
  // `level`: "debug", "info", "warning" or "error"; kInvalidArgument otherwise.
  static Result<std::unique_ptr<SpdlogLogger>> Create(const std::string& name,
                                                      const std::string& level);
  ~SpdlogLogger() override;

  bool Enabled(LogLevel level) const override;
  void Log(LogLevel level, std::string_view message) override;

 private:
  struct Impl;
  explicit SpdlogLogger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::optional<LogLevel> ParseLogLevel(std::string_view name);

}  // namespace pop
