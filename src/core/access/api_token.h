// ApiToken: a stored bearer credential. Only a hash of the secret is stored; the secret itself
// is shown once, when the token is created. A token stops working when it is revoked, when it
// expires, or when every Customer it was issued for is deleted (docs/security.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"

namespace pop {

struct ApiToken {
  std::string id;                     // public identifier, safe to log
  std::string secret_hash;            // lower-case hex SHA-256 of the secret
  std::vector<std::string> accounts;  // customer ids the token may act for
  bool super_user = false;
  std::string title;
  Timestamp created;
  std::optional<Timestamp> expires_at;  // unusable from this instant on; nullopt: never
  std::optional<Timestamp> last_used;   // coarse: refreshed at most once a minute
  std::optional<Timestamp> revoked_at;  // set once by a revocation, never cleared
  // Accounts whose Customer has not been seen to exist yet (issued with allowUnknownAccounts,
  // or before schema version 6). Such an account keeps working while its Customer is absent;
  // once the Customer has been seen, deleting it takes the account away from the token.
  std::vector<std::string> pending_accounts;
};

}  // namespace pop
