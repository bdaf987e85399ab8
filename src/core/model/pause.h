// Pause (not in the spec; docs/api.md, "Pause and resume"): an Agenda or an Insight that a user
// paused. Nothing is claimed from a paused Insight, and a paused Agenda is neither claimed nor
// starts new operations (those running finish). The store keeps one row per paused target and
// decides claims with it, so every server sharing the store honours a pause.
#pragma once

#include <string>

#include "core/base/time.h"

namespace pop {

enum class PauseTarget { kAgenda, kInsight };

// "agenda" or "insight": the stores' and the change feed's name of the target.
inline const char* PauseTargetName(PauseTarget target) {
  return target == PauseTarget::kAgenda ? "agenda" : "insight";
}

struct PausedTarget {
  PauseTarget target = PauseTarget::kAgenda;
  std::string id;
  Timestamp since;  // when it was paused
};

}  // namespace pop
