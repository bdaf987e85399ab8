#include "core/access/token_accounts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pop {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ApiToken TokenFor(std::vector<std::string> accounts, std::vector<std::string> pending = {}) {
  ApiToken token;
  token.accounts = std::move(accounts);
  token.pending_accounts = std::move(pending);
  return token;
}

TEST(TokenAccountsTest, AccountsWhoseCustomerExistsAreLive) {
  TokenAccounts resolved = ResolveTokenAccounts(TokenFor({"acme", "globex"}), {"acme", "globex"});
  EXPECT_THAT(resolved.live, ElementsAre("acme", "globex"));
  EXPECT_THAT(resolved.pending, IsEmpty());
}

TEST(TokenAccountsTest, ConfirmedAccountWhoseCustomerWasDeletedIsDropped) {
  TokenAccounts resolved = ResolveTokenAccounts(TokenFor({"acme", "globex"}), {"acme"});
  EXPECT_THAT(resolved.live, ElementsAre("acme"));
}

TEST(TokenAccountsTest, EveryCustomerDeletedLeavesNoLiveAccount) {
  TokenAccounts resolved = ResolveTokenAccounts(TokenFor({"acme"}), {});
  EXPECT_THAT(resolved.live, IsEmpty());
}

TEST(TokenAccountsTest, PendingAccountStaysLiveAndPendingWhileItsCustomerIsAbsent) {
  TokenAccounts resolved = ResolveTokenAccounts(TokenFor({"initech"}, {"initech"}), {});
  EXPECT_THAT(resolved.live, ElementsAre("initech"));
  EXPECT_THAT(resolved.pending, ElementsAre("initech"));
}

TEST(TokenAccountsTest, PendingAccountIsConfirmedOnceItsCustomerExists) {
  TokenAccounts resolved =
      ResolveTokenAccounts(TokenFor({"acme", "initech"}, {"acme", "initech"}), {"initech"});
  EXPECT_THAT(resolved.live, ElementsAre("acme", "initech"));
  EXPECT_THAT(resolved.pending, ElementsAre("acme"));
}

TEST(TokenAccountsTest, EveryCustomerAccountIsAlwaysLive) {
  TokenAccounts resolved = ResolveTokenAccounts(TokenFor({"*", "acme"}), {});
  EXPECT_THAT(resolved.live, ElementsAre("*"));
}

}  // namespace
}  // namespace pop
