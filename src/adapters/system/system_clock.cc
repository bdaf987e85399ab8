#include "adapters/system/system_clock.h"

#include <chrono>

namespace pop {

Timestamp SystemClock::Now() const {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp::FromMillis(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

void SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            Timestamp deadline) const {
  // Wait on the steady clock for the remaining span, so a wall-clock jump cannot stall us.
  int64_t remaining = deadline.millis() - Now().millis();
  if (remaining <= 0) return;
  cv.wait_for(lock, std::chrono::milliseconds(remaining));
}

}  // namespace pop
