// Clock: the only source of "now" for app code, so tests can use a fake. Implementations:
// SystemClock (adapters/system), FakeClock (tests/fakes). Thread-safe.
#pragma once

#include "core/base/time.h"

namespace pop {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

}  // namespace pop
