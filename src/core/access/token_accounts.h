// Which accounts a token may still act for, given which of its accounts have a Customer now
// (docs/security.md, "Tokens"). Pure.
#pragma once

#include <string>
#include <vector>

#include "core/access/api_token.h"

namespace pop {

struct TokenAccounts {
  std::vector<std::string> live;     // the accounts the token acts for now, in token order
  std::vector<std::string> pending;  // the token's pending_accounts from now on
};

// `existing` lists the token's accounts whose Customer exists now. An account with a Customer
// is live and no longer pending; one without is live only while still pending (its Customer
// has never been seen), and is dropped once its Customer was seen and then deleted. "*" (every
// customer) has no Customer and is always live.
TokenAccounts ResolveTokenAccounts(const ApiToken& token, const std::vector<std::string>& existing);

}  // namespace pop
