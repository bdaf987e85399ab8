// Leadership: which of the servers sharing a store runs a timed job (reclaimer, reaper) now.
// Where it is given (PostgreSQL: PostgresLeadership, a session advisory lock per job that dies
// with its holder's connection) the MaintenanceRunner asks it instead of keeping a job lease in
// the store, so a holder that dies hands its jobs over at once, not when a lease expires.
#pragma once

#include <string>

#include "core/base/result.h"

namespace pop {

class Leadership {
 public:
  virtual ~Leadership() = default;
  // True when this process leads `job` now: it led it already and still does, or nobody did
  // and it took it. Errors: kUnavailable when the store cannot be asked (then it leads nothing).
  [[nodiscard]] virtual Result<bool> TryLead(const std::string& job) = 0;
  // Gives `job` up, if led, so that another server takes it at its next try.
  virtual void Resign(const std::string& job) = 0;
};

}  // namespace pop
