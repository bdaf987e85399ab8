// ReadyAgenda (spec §3.12): an agenda that may be scheduled into its insight's queue.
#pragma once

#include <string>

#include "core/base/time.h"

namespace pop {

struct ReadyAgenda {
  std::string id;
  std::string insight_id;
  std::string agenda_id;
  std::string customer_id;
  Timestamp added;
};

}  // namespace pop
