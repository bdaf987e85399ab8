// SystemClock: wall-clock time from the OS. Thread-safe.
#pragma once

#include "ports/clock.h"

namespace pop {

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 Timestamp deadline) const override;
};

}  // namespace pop
