// ApiToken: a stored bearer credential. Only a hash of the secret is stored; the secret itself
// is shown once, when the token is created.
#pragma once

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
};

}  // namespace pop
