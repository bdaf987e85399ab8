// Who is calling (spec §4.3): the accounts a caller may act for and whether it sees everything.
// Produced by an Authenticator from a request's credentials; consumed by visibility rules.
#pragma once

#include <string>
#include <vector>

namespace pop {

struct AuthContext {
  std::string user_id;                // the token id, for logs
  std::string user_name;              // the token title, for logs
  std::vector<std::string> accounts;  // customer ids, exact case
  bool is_super_user = false;

  // Global visibility: super user, or an account "*" (spec §4.3).
  bool IsGlobal() const;

  // The service user of spec §4.3: sees everything.
  static AuthContext Service();
  // "Customer auth for X": acts as exactly one customer.
  static AuthContext ForCustomer(const std::string& customer_id);
};

}  // namespace pop
