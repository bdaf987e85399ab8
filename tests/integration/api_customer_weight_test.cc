// Who may change a Customer's scheduling fields over real HTTP: the customer itself may not
// raise its weight or move itself to another pool; the pool's owner and a super user may.
#include <gtest/gtest.h>

#include "core/codec/json_text.h"
#include "integration/api_server_support.h"

namespace pop::testing {
namespace {

class ApiCustomerWeightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.SetUpPoolFor("acme");
    ASSERT_EQ(server_
                  .Call("POST", "/resourcepool",
                        R"({"id":"rp-2","customerId":"acme","title":"acme's own pool"})", acme_)
                  .status,
              200);
  }

  ApiServer server_;
  std::string acme_ = server_.TokenFor({"acme"});
  std::string owner_ = server_.TokenFor({"pool-owner"});
};

TEST_F(ApiCustomerWeightTest, CustomerMayNotChangeItsOwnWeight) {
  std::string before = server_.Snapshot();

  ApiReply put = server_.Call("PUT", "/customer/acme", R"({"weight":1000})", acme_);
  ApiReply post = server_.Call(
      "POST", "/customer", R"({"id":"acme","customerId":"acme","title":"A","weight":1000})", acme_);

  EXPECT_EQ(put.status, 403);
  EXPECT_EQ(put.ErrorDescription(),
            "Only a super user or the owner of resource pool rp-1 may change the weight field of "
            "Customer acme.");
  EXPECT_EQ(post.status, 403);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, CustomerMayNotMoveItselfToAnotherPool) {
  std::string before = server_.Snapshot();

  ApiReply put = server_.Call("PUT", "/customer/acme", R"({"resourcePoolId":"rp-2"})", acme_);

  EXPECT_EQ(put.status, 403);
  EXPECT_NE(put.ErrorDescription().find("resourcePoolId"), std::string::npos);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, CustomerMayNotCreateItselfWithAWeightInSomeonesPool) {
  std::string before = server_.Snapshot();
  std::string initech = server_.TokenFor({"initech"});

  ApiReply post = server_.Call(
      "POST", "/customer",
      R"({"id":"initech","customerId":"initech","title":"I","resourcePoolId":"rp-1"})", initech);

  EXPECT_EQ(post.status, 403);
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, CustomerMayChangeOtherFieldsAndResendItsWeightUnchanged) {
  ASSERT_EQ(server_.Call("PUT", "/customer/acme", R"({"weight":2})", server_.admin_token()).status,
            200);

  ApiReply put = server_.Call("PUT", "/customer/acme",
                              R"({"title":"Acme Inc","weight":2,"resourcePoolId":"rp-1"})", acme_);

  EXPECT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(put.All()[0].Find("title")->AsString(), "Acme Inc");
}

TEST_F(ApiCustomerWeightTest, TokenOfThePoolOwnerThatMayWriteTheCustomerMayChangeItsWeight) {
  std::string both = server_.TokenFor({"acme", "pool-owner"});

  ApiReply put = server_.Call("PUT", "/customer/acme", R"({"weight":3})", both);

  ASSERT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(put.All()[0].Find("weight")->AsDouble(), 3.0);
}

TEST_F(ApiCustomerWeightTest, PoolOwnerAloneCannotWriteAnotherCustomersObject) {
  std::string before = server_.Snapshot();

  ApiReply put = server_.Call("PUT", "/customer/acme", R"({"weight":3})", owner_);

  EXPECT_EQ(put.status, 404);  // the customer is invisible to it, so absent
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, SuperUserMayChangeWeightAndPool) {
  ApiReply put = server_.Call("PUT", "/customer/acme", R"({"weight":3,"resourcePoolId":"rp-2"})",
                              server_.admin_token());

  ASSERT_EQ(put.status, 200) << ToJsonText(put.body);
  EXPECT_EQ(put.All()[0].Find("weight")->AsDouble(), 3.0);
  EXPECT_EQ(put.All()[0].Find("resourcePoolId")->AsString(), "rp-2");
}

}  // namespace
}  // namespace pop::testing
