#include "core/access/token_accounts.h"

#include <algorithm>

namespace pop {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

TokenAccounts ResolveTokenAccounts(const ApiToken& token,
                                   const std::vector<std::string>& existing) {
  TokenAccounts result;
  for (const std::string& account : token.accounts) {
    if (account == "*" || Contains(existing, account) ||
        Contains(token.pending_accounts, account)) {
      result.live.push_back(account);
    }
  }
  for (const std::string& account : token.pending_accounts) {
    if (!Contains(existing, account)) result.pending.push_back(account);
  }
  return result;
}

}  // namespace pop
