// AuditRecord: one state-changing API call as the audit log keeps it (docs/security.md "Audit
// log"): when, who, what and how it ended. Plain struct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/time.h"

namespace pop {

struct AuditRecord {
  int64_t sequence = 0;               // assigned by the store, increasing; 0 before it is stored
  Timestamp time;                     // when the call was answered
  std::string token_id;               // the caller's token id ("" for the service user)
  std::vector<std::string> accounts;  // the token's accounts
  bool super_user = false;
  std::string method;                   // "POST", "PUT", "DELETE"
  std::string route;                    // the path without the query, e.g. "/pop/agenda/a-1"
  std::vector<std::string> object_ids;  // the objects the call named or answered, when known
  int status = 0;                       // the HTTP status answered
  std::string correlation_id;
};

}  // namespace pop
