// Clock: the only source of "now" for app code, and the only way app loops wait for time to
// pass, so tests can drive time with a fake. Implementations: SystemClock (adapters/system),
// FakeClock (tests/fakes). Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>

#include "core/base/time.h"

namespace pop {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;

  // Blocks until Now() >= deadline or `cv` is notified (spurious wake-ups are allowed; callers
  // re-check their condition). `lock` is held on entry and on return.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         Timestamp deadline) const = 0;
};

}  // namespace pop
