// Authentication and the visibility rules of spec §4.4 over real HTTP: tenants never see or
// change each other's objects; a super user sees everything.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/base/base64.h"
#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiTenancyTest : public ::testing::Test {
 protected:
  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
  std::string globex_ = server_.TokenFor({"globex"});

  void SetUp() override {
    server_.SetUpPoolFor("acme");
    server_.Call("POST", "/customer",
                 R"({"id":"globex","customerId":"globex","title":"G","resourcePoolId":"rp-1"})",
                 server_.admin_token());
    ASSERT_EQ(
        server_.Call("POST", "/agenda", AgendaJson("acme", "", R"("linkId":"L",)"), acme_).status,
        200);
    ASSERT_EQ(server_.Call("POST", "/agenda", AgendaJson("globex", "", R"("linkId":"L",)"), globex_)
                  .status,
              200);
  }
};

TEST_F(ApiTenancyTest, EachTenantSeesOnlyItsOwnObjects) {
  for (const char* route : {"/agenda", "/progress/agenda", "/progress/operation", "/customer"}) {
    SCOPED_TRACE(route);
    auto acme = server_.Call("GET", route, std::nullopt, acme_);
    ASSERT_FALSE(acme.All().empty());
    for (const Json& item : acme.All()) EXPECT_EQ(item.Find("customerId")->AsString(), "acme");
    auto globex = server_.Call("GET", route, std::nullopt, globex_);
    ASSERT_FALSE(globex.All().empty());
    for (const Json& item : globex.All()) EXPECT_EQ(item.Find("customerId")->AsString(), "globex");
  }
  EXPECT_EQ(server_.Call("GET", "/agenda?bylinkId=L&bycount=true", std::nullopt, acme_)
                .body.Find("count")
                ->AsInt(),
            1);
}

TEST_F(ApiTenancyTest, ByIdLookupOfAnotherTenantsObjectIsEmptyNotAnError) {
  auto reply = server_.Call("GET", "/customer/acme", std::nullopt, globex_);
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.All().empty());
  EXPECT_EQ(reply.body.Find("count")->AsInt(), 0);
}

TEST_F(ApiTenancyTest, WritesToAnotherTenantsObjectsAreRefusedAsIfAbsentAndChangeNothing) {
  std::string before = server_.Snapshot();
  // Invisible looks exactly like absent (docs/security.md): no 403 that tells the object exists.
  auto put = server_.Call("PUT", "/customer/acme", R"({"title":"stolen"})", globex_);
  EXPECT_EQ(put.status, 404);
  EXPECT_EQ(put.ErrorDescription(), "Unable to get object by id acme");
  EXPECT_EQ(put.body.Find("errorResponse")->Find("title")->AsString(), "ObjectNotFoundException");
  auto del = server_.Call("DELETE", "/customer/acme", std::nullopt, globex_);
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.body.Find("count")->AsInt(), 0);
  EXPECT_EQ(
      server_.Call("POST", "/customer", R"({"customerId":"acme","title":"x"})", globex_).status,
      403);
  // POST onto another tenant's id must not merge into it, and does not name its owner.
  auto post = server_.Call("POST", "/customer",
                           R"({"id":"acme","customerId":"globex","title":"x"})", globex_);
  EXPECT_EQ(post.status, 409);
  EXPECT_EQ(post.ErrorDescription(), "The id acme is already in use; choose another id or omit it");
  // Moving one's own object to another customer is forbidden.
  EXPECT_EQ(server_.Call("PUT", "/customer/globex", R"({"customerId":"acme"})", globex_).status,
            403);
  EXPECT_EQ(server_.Call("POST", "/agenda", AgendaJson("acme"), globex_).status, 403);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiTenancyTest, GlobalAndAllowedInsightsAreReadableButNotWritable) {
  server_.Call("POST", "/insight",
               R"({"id":"shared","customerId":"globex","title":"s","allowedCustomerIds":["ACME"]})",
               globex_);
  server_.Call("POST", "/insight", R"({"id":"private","customerId":"globex","title":"p"})",
               globex_);
  auto seen = server_.Call("GET", "/insight?bylimit=50", std::nullopt, acme_);
  std::vector<std::string> ids;
  for (const Json& item : seen.All()) ids.push_back(item.Find("id")->AsString());
  EXPECT_EQ(ids, (std::vector<std::string>{"insight-1", "shared"}));  // global + allowed
  EXPECT_EQ(server_.Call("PUT", "/insight/shared", R"({"title":"x"})", acme_).status, 403);
  EXPECT_EQ(server_.Call("PUT", "/insight/insight-1", R"({"title":"x"})", acme_).status, 403);
}

TEST_F(ApiTenancyTest, SuperUserSeesAndChangesEverything) {
  auto admin = server_.Call("GET", "/agenda", std::nullopt, server_.admin_token());
  EXPECT_EQ(admin.All().size(), 2u);
  auto star = server_.TokenFor({"*"}, /*super_user=*/true);
  EXPECT_EQ(server_.Call("GET", "/agenda", std::nullopt, star).All().size(), 2u);
  EXPECT_EQ(server_.Call("PUT", "/customer/acme", R"({"billingCode":"X"})", star).status, 200);
}

TEST_F(ApiTenancyTest, MissingOrUnknownCredentialsAre401) {
  auto none = server_.Raw("GET", "/pop/agenda", std::nullopt, {});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body.Find("errorResponse")->Find("responseCode")->AsInt(), 401);
  EXPECT_NE(none.Header("www-authenticate"), nullptr);
  EXPECT_EQ(server_.Call("GET", "/agenda", std::nullopt, "pop_not-a-token").status, 401);
  EXPECT_EQ(server_.Raw("GET", "/pop/agenda", std::nullopt, {{"Authorization", "Token x"}}).status,
            401);
  EXPECT_EQ(server_.Raw("GET", "/pop/agenda", std::nullopt, {{"Authorization", "Basic !!"}}).status,
            401);
}

TEST_F(ApiTenancyTest, BasicCredentialsAsTheOriginalUiSentThem) {
  auto basic = "Basic " + Base64Encode("acme:" + acme_);
  auto reply = server_.Raw("GET", "/pop/agenda", std::nullopt, {{"Authorization", basic}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.All().size(), 1u);
  auto wrong_account = "Basic " + Base64Encode("globex:" + acme_);
  EXPECT_EQ(
      server_.Raw("GET", "/pop/agenda", std::nullopt, {{"Authorization", wrong_account}}).status,
      401);
}

TEST_F(ApiTenancyTest, OnlyAnAdministratorCreatesTokensAndTheSecretIsShownOnce) {
  auto refused = server_.Call("POST", "/token", R"({"accounts":["acme"]})", acme_);
  EXPECT_EQ(refused.status, 403);
  auto created = server_.Call(
      "POST", "/token", R"({"accounts":["initech"],"title":"ci","allowUnknownAccounts":true})",
      server_.admin_token());
  ASSERT_EQ(created.status, 200) << ToJsonText(created.body);
  std::string secret = created.body.Find("token")->AsString();
  EXPECT_EQ(secret.rfind("pop_", 0), 0u);
  EXPECT_EQ(ToJsonText(*created.body.Find("accounts")), R"(["initech"])");
  EXPECT_EQ(server_.Call("GET", "/agenda", std::nullopt, secret).status, 200);
  // Only a hash is stored: the secret appears nowhere in the database files.
  server_.store().Read([](StoreReader&) { return Status::Ok(); }).ok();
  for (const auto& entry : std::filesystem::directory_iterator(server_.dir())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_EQ(content.str().find(secret), std::string::npos) << entry.path();
  }
  EXPECT_EQ(server_.Call("POST", "/token", R"({"accounts":[]})", server_.admin_token()).status,
            422);
  EXPECT_EQ(server_.Call("POST", "/token", R"({"accounts":"acme"})", server_.admin_token()).status,
            400);
}

}  // namespace
}  // namespace pop::testing
