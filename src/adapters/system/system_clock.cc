#include "adapters/system/system_clock.h"

#include <chrono>

namespace pop {

Timestamp SystemClock::Now() const {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp::FromMillis(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

}  // namespace pop
