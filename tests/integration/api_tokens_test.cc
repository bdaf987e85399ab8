// Token lifecycle over real HTTP: revocation (on this server at once, on another sharing the
// store within a second), expiry, lastUsed, refusal of unknown accounts, tokens of deleted
// customers, and listing without secrets.
#include <gtest/gtest.h>

#include "core/base/base64.h"
#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetUpPoolFor("acme");
    ASSERT_EQ(
        server_
            .Call("POST", "/customer",
                  R"({"id":"globex","customerId":"globex","title":"G","resourcePoolId":"rp-1"})",
                  server_.admin_token())
            .status,
        200);
  }

  // POST /token as the admin; the whole answer.
  ApiReply Create(const std::string& body) {
    return server_.Call("POST", "/token", body, server_.admin_token());
  }
  // The secret of a token created from `body` (which must succeed); its id in `id`.
  std::string CreateSecret(const std::string& body, std::string* id = nullptr) {
    ApiReply created = Create(body);
    EXPECT_EQ(created.status, 200) << ToJsonText(created.body);
    const Json* secret = created.body.Find("token");
    if (secret == nullptr) return "";
    if (id != nullptr) *id = created.body.Find("id")->AsString();
    return secret->AsString();
  }
  int StatusOf(const std::string& secret) {
    return server_.Call("GET", "/agenda", std::nullopt, secret).status;
  }
  // The token `id` as GET /token lists it to the admin (null when absent).
  Json Listed(const std::string& id) {
    ApiReply listed = server_.Call("GET", "/token", std::nullopt, server_.admin_token());
    for (const Json& token : listed.All()) {
      if (token.Find("id")->AsString() == id) return token;
    }
    return Json();
  }
  size_t TokenCount() {
    return server_.Call("GET", "/token", std::nullopt, server_.admin_token()).All().size();
  }

  ApiServer server_;
};

TEST_F(ApiTokensTest, RevokedTokenIsRefusedAtOnceByTheServerThatRevokedIt) {
  std::string id;
  std::string secret = CreateSecret(R"({"accounts":["acme"],"title":"ci"})", &id);
  ASSERT_EQ(StatusOf(secret), 200);

  ApiReply revoked = server_.Call("DELETE", "/token/" + id, std::nullopt, server_.admin_token());

  ASSERT_EQ(revoked.status, 200) << ToJsonText(revoked.body);
  EXPECT_EQ(revoked.All()[0].Find("id")->AsString(), id);
  EXPECT_TRUE(revoked.All()[0].Find("revoked")->AsBool());
  ApiReply refused = server_.Call("GET", "/agenda", std::nullopt, secret);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.ErrorDescription(), "The token was revoked.");
}

TEST_F(ApiTokensTest, TokenRevokedThroughAnotherServerIsRefusedWithinOneSecond) {
  std::string id;
  std::string secret = CreateSecret(R"({"accounts":["acme"]})", &id);
  ASSERT_EQ(StatusOf(secret), 200);  // now cached by this server
  app::Services services{server_.store(), server_.clock(), server_.ids()};
  app::TokenService other_server(services, server_.hasher());
  app::RequestContext admin{AuthContext::Service(), std::nullopt, "test"};

  ASSERT_TRUE(other_server.Revoke(id, admin).ok());

  // This server trusts its cache for less than a second, then sees the revocation.
  server_.clock().Advance(Duration::Millis(999));
  EXPECT_EQ(StatusOf(secret), 200);
  server_.clock().Advance(Duration::Millis(1));
  EXPECT_EQ(StatusOf(secret), 401);
}

TEST_F(ApiTokensTest, RevokingATokenThatDoesNotExistIs404) {
  size_t before = TokenCount();

  ApiReply reply =
      server_.Call("DELETE", "/token/no-such-token", std::nullopt, server_.admin_token());

  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.ErrorDescription(), "Token no-such-token not found");
  EXPECT_EQ(TokenCount(), before);
}

TEST_F(ApiTokensTest, OnlyASuperUserRevokesTokens) {
  std::string id;
  std::string acme = CreateSecret(R"({"accounts":["acme"]})", &id);

  ApiReply reply = server_.Call("DELETE", "/token/" + id, std::nullopt, acme);

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(StatusOf(acme), 200);
  EXPECT_FALSE(Listed(id).Find("revoked")->AsBool());
}

TEST_F(ApiTokensTest, ExpiredTokenIsRefusedAsTokenExpired) {
  int64_t expires = server_.clock().Now().millis() + 60'000;
  std::string secret =
      CreateSecret(R"({"accounts":["acme"],"expiresAt":)" + std::to_string(expires) + "}");
  ASSERT_EQ(StatusOf(secret), 200);

  server_.clock().Advance(Duration::Millis(59'999));
  EXPECT_EQ(StatusOf(secret), 200);
  server_.clock().Advance(Duration::Millis(1));

  ApiReply refused = server_.Call("GET", "/agenda", std::nullopt, secret);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.ErrorDescription(), "The token expired.");
}

TEST_F(ApiTokensTest, ExpiresAtInThePastIsRefusedNamingTheField) {
  size_t before = TokenCount();
  std::string now = std::to_string(server_.clock().Now().millis());

  ApiReply past = Create(R"({"accounts":["acme"],"expiresAt":)" + now + "}");
  ApiReply text = Create(R"({"accounts":["acme"],"expiresAt":"tomorrow"})");

  EXPECT_EQ(past.status, 422);
  EXPECT_NE(past.ErrorDescription().find("expiresAt"), std::string::npos);
  EXPECT_EQ(text.status, 400);
  EXPECT_NE(text.ErrorDescription().find("expiresAt"), std::string::npos);
  EXPECT_EQ(TokenCount(), before);
}

TEST_F(ApiTokensTest, TokenForAnAccountWithoutCustomerIsRefusedNamingTheAccount) {
  size_t before = TokenCount();

  ApiReply reply = Create(R"({"accounts":["acme","initech"]})");

  EXPECT_EQ(reply.status, 422);
  EXPECT_NE(reply.ErrorDescription().find("initech"), std::string::npos)
      << reply.ErrorDescription();
  EXPECT_EQ(reply.ErrorDescription().find("acme"), std::string::npos) << reply.ErrorDescription();
  EXPECT_EQ(TokenCount(), before);
}

TEST_F(ApiTokensTest, AllowUnknownAccountsIssuesATokenBeforeItsCustomerExists) {
  std::string secret = CreateSecret(R"({"accounts":["initech"],"allowUnknownAccounts":true})");
  EXPECT_EQ(StatusOf(secret), 200);

  ApiReply own = server_.Call("POST", "/customer",
                              R"({"id":"initech","customerId":"initech","title":"I"})", secret);

  EXPECT_EQ(own.status, 200) << ToJsonText(own.body);
  server_.clock().Advance(Duration::Seconds(1));
  EXPECT_EQ(StatusOf(secret), 200);  // its Customer has now been seen
  server_.Call("DELETE", "/customer/initech", std::nullopt, server_.admin_token());
  server_.clock().Advance(Duration::Seconds(1));
  EXPECT_EQ(StatusOf(secret), 401);
}

TEST_F(ApiTokensTest, EveryCustomerAccountIsRefusedForATokenThatIsNotSuperUser) {
  size_t before = TokenCount();

  ApiReply star = Create(R"({"accounts":["*"]})");
  ApiReply super_star = Create(R"({"accounts":["*"],"superUser":true})");

  EXPECT_EQ(star.status, 422);
  EXPECT_NE(star.ErrorDescription().find("superUser"), std::string::npos);
  EXPECT_EQ(super_star.status, 200) << ToJsonText(super_star.body);
  EXPECT_EQ(TokenCount(), before + 1);
}

TEST_F(ApiTokensTest, TokenOfADeletedCustomerIsRefusedWithinOneSecond) {
  std::string secret = CreateSecret(R"({"accounts":["acme"]})");
  ASSERT_EQ(StatusOf(secret), 200);

  ASSERT_EQ(server_.Call("DELETE", "/customer/acme", std::nullopt, server_.admin_token()).status,
            200);
  server_.clock().Advance(Duration::Seconds(1));

  ApiReply refused = server_.Call("GET", "/agenda", std::nullopt, secret);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.ErrorDescription(), "The token's customers were deleted.");
}

TEST_F(ApiTokensTest, TokenKeepsOnlyTheAccountsWhoseCustomerRemains) {
  std::string secret = CreateSecret(R"({"accounts":["acme","globex"]})");
  auto basic = [&](const std::string& account) {
    return server_
        .Raw("GET", "/pop/agenda", std::nullopt,
             {{"Authorization", "Basic " + Base64Encode(account + ":" + secret)}})
        .status;
  };
  ASSERT_EQ(basic("globex"), 200);

  server_.Call("DELETE", "/customer/globex", std::nullopt, server_.admin_token());
  server_.clock().Advance(Duration::Seconds(1));

  EXPECT_EQ(basic("globex"), 401);
  EXPECT_EQ(basic("acme"), 200);
  ApiReply customers = server_.Call("GET", "/customer", std::nullopt, secret);
  ASSERT_EQ(customers.All().size(), 1u);
  EXPECT_EQ(customers.All()[0].Find("id")->AsString(), "acme");
}

TEST_F(ApiTokensTest, ListShowsEveryFieldButNeverTheSecretOrItsHash) {
  std::string id;
  int64_t expires = server_.clock().Now().millis() + 3'600'000;
  std::string secret = CreateSecret(
      R"({"accounts":["acme"],"title":"ci","expiresAt":)" + std::to_string(expires) + "}", &id);

  ApiReply listed = server_.Call("GET", "/token", std::nullopt, server_.admin_token());

  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.All().size(), 2u);  // the admin token and this one
  std::string text = ToJsonText(listed.body);
  EXPECT_EQ(text.find(secret), std::string::npos);
  EXPECT_EQ(text.find(server_.hasher().Hash(secret)), std::string::npos);
  EXPECT_EQ(text.find(server_.admin_token()), std::string::npos);
  Json token = Listed(id);
  ASSERT_TRUE(token.is_object());
  EXPECT_EQ(token.AsObject().size(), 9u) << ToJsonText(token);
  EXPECT_EQ(token.Find("title")->AsString(), "ci");
  EXPECT_EQ(ToJsonText(*token.Find("accounts")), R"(["acme"])");
  EXPECT_FALSE(token.Find("superUser")->AsBool());
  EXPECT_EQ(token.Find("created")->AsInt(), server_.clock().Now().millis());
  EXPECT_EQ(token.Find("expiresAt")->AsInt(), expires);
  EXPECT_TRUE(token.Find("lastUsed")->is_null());
  EXPECT_FALSE(token.Find("revoked")->AsBool());
  EXPECT_TRUE(token.Find("revokedAt")->is_null());
}

TEST_F(ApiTokensTest, CustomerTokenListsOnlyItself) {
  std::string id;
  std::string acme = CreateSecret(R"({"accounts":["acme"]})", &id);
  CreateSecret(R"({"accounts":["acme"]})");

  ApiReply listed = server_.Call("GET", "/token", std::nullopt, acme);

  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.All().size(), 1u);
  EXPECT_EQ(listed.All()[0].Find("id")->AsString(), id);
}

TEST_F(ApiTokensTest, LastUsedIsRecordedAtMostOncePerMinute) {
  std::string id;
  std::string secret = CreateSecret(R"({"accounts":["acme"]})", &id);
  const int64_t first = server_.clock().Now().millis();

  ASSERT_EQ(StatusOf(secret), 200);
  EXPECT_EQ(Listed(id).Find("lastUsed")->AsInt(), first);
  server_.clock().Advance(Duration::Seconds(59));
  ASSERT_EQ(StatusOf(secret), 200);
  EXPECT_EQ(Listed(id).Find("lastUsed")->AsInt(), first);
  server_.clock().Advance(Duration::Seconds(1));
  ASSERT_EQ(StatusOf(secret), 200);
  EXPECT_EQ(Listed(id).Find("lastUsed")->AsInt(), first + 60'000);
}

}  // namespace
}  // namespace pop::testing
