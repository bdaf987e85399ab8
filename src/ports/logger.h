// Logger: structured-enough log lines for operators. Every line about a request carries its
// correlation id (cid=...). Implementation: SpdlogLogger (adapters/logging). Thread-safe.
#pragma once

#include <string_view>

namespace pop {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual bool Enabled(LogLevel level) const = 0;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

// Discards everything; for tools and tests that do not care about logs.
class NullLogger final : public Logger {
 public:
  bool Enabled(LogLevel) const override { return false; }
  void Log(LogLevel, std::string_view) override {}
};

}  // namespace pop
