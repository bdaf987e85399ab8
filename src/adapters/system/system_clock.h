// SystemClock: wall-clock time from the OS. Thread-safe.
#pragma once

#include "ports/clock.h"

namespace pop {

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

}  // namespace pop
