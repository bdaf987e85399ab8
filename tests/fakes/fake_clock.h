// FakeClock: a Clock whose time moves only when a test says so. Thread-safe.
#pragma once

#include <atomic>

#include "ports/clock.h"

namespace pop::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp::FromMillis(1'600'000'000'000))
      : now_ms_(start.millis()) {}
  Timestamp Now() const override { return Timestamp::FromMillis(now_ms_.load()); }
  void Advance(Duration d) { now_ms_ += d.millis(); }
  void Set(Timestamp t) { now_ms_ = t.millis(); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace pop::testing
