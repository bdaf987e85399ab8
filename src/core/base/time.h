// Strong types for points in time and durations. Core never reads a clock: callers pass `now`.
#pragma once

#include <compare>
#include <cstdint>

namespace pop {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Millis(int64_t ms) { return Duration(ms); }
  static constexpr Duration Seconds(int64_t s) { return Duration(s * 1000); }
  static constexpr Duration Minutes(int64_t m) { return Duration(m * 60'000); }
  constexpr int64_t millis() const { return ms_; }
  // clang-tidy 14 mistakes a defaulted <=> for a literal 0 comparison.
  constexpr auto operator<=>(const Duration&) const = default;  // NOLINT(modernize-use-nullptr)
  constexpr Duration operator+(Duration d) const { return Duration(ms_ + d.ms_); }
  constexpr Duration operator-(Duration d) const { return Duration(ms_ - d.ms_); }

 private:
  constexpr explicit Duration(int64_t ms) : ms_(ms) {}
  int64_t ms_ = 0;
};

// Milliseconds since the Unix epoch, the unit of every time on the wire.
class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp FromMillis(int64_t ms) { return Timestamp(ms); }
  constexpr int64_t millis() const { return ms_; }
  constexpr auto operator<=>(const Timestamp&) const = default;  // NOLINT(modernize-use-nullptr)
  constexpr Timestamp operator+(Duration d) const { return Timestamp(ms_ + d.millis()); }
  constexpr Timestamp operator-(Duration d) const { return Timestamp(ms_ - d.millis()); }
  constexpr Duration operator-(Timestamp t) const { return Duration::Millis(ms_ - t.ms_); }

 private:
  constexpr explicit Timestamp(int64_t ms) : ms_(ms) {}
  int64_t ms_ = 0;
};

}  // namespace pop
