// `pop token create|list|revoke` of the built binary against a real `pop dev` (whose workspace
// customer `dev` exists): the secret is printed once, list never shows it, a revoked token is
// refused, and a token for an account without a Customer is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TokenCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dev_.Start().empty()); }

  // `pop args... --server URL --data-dir DIR`: the admin token comes from the data dir.
  PopRun Pop(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", dev_.url(), "--data-dir", dev_.data_dir().string()});
    return RunPop(args);
  }

  TempDir dir_;
  DevProcess dev_{dir_.path()};
};

TEST_F(TokenCliTest, CreatedTokenIsListedWithoutItsSecretAndRefusedOnceRevoked) {
  PopRun created = Pop({"token", "create", "--account", "dev", "--title", "ci", "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  auto answer = ParseJson(created.out);
  ASSERT_TRUE(answer.ok()) << created.out;
  ASSERT_TRUE(answer->Find("id") != nullptr && answer->Find("token") != nullptr) << created.out;
  std::string id = answer->Find("id")->AsString();
  std::string secret = answer->Find("token")->AsString();
  PopRun as_token = RunPop({"customer", "list", "--server", dev_.url(), "--token", secret});
  ASSERT_EQ(as_token.exit_code, 0) << as_token.err;

  PopRun listed = Pop({"token", "list"});
  PopRun revoked = Pop({"token", "revoke", id});
  PopRun refused = RunPop({"customer", "list", "--server", dev_.url(), "--token", secret});

  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr(id));
  EXPECT_THAT(listed.out, Not(HasSubstr(secret)));
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(revoked.out, "token " + id + " revoked\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("revoked"));
}

TEST_F(TokenCliTest, TokenForAnAccountWithoutCustomerIsRefusedUnlessAllowed) {
  PopRun refused = Pop({"token", "create", "--account", "newco"});
  PopRun allowed = Pop({"token", "create", "--account", "newco", "--allow-unknown-accounts"});

  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("newco"));
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("pop_"));
}

TEST_F(TokenCliTest, RevokingAnUnknownTokenExitsOne) {
  PopRun revoked = Pop({"token", "revoke", "no-such-token"});

  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_THAT(revoked.err, HasSubstr("no-such-token"));
}

}  // namespace
}  // namespace pop::testing
