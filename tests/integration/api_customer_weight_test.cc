// Who may change a Customer's scheduling fields over real HTTP: the customer itself may not
// raise its weight or move itself to another pool; the pool's owner and a super user may, the
// pool's owner alone through POST /resourcepool/service/setCustomerWeight.
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

TEST_F(ApiCustomerWeightTest, NoOneMayPointACustomerOrAnInsightAtAPoolThatDoesNotExist) {
  std::string before = server_.Snapshot();

  ApiReply customer = server_.Call("PUT", "/customer/acme", R"({"resourcePoolId":"rp-none"})",
                                   server_.admin_token());
  ApiReply insight =
      server_.Call("POST", "/insight",
                   R"({"id":"i-x","customerId":"acme","title":"t","resourcePoolId":"rp-none"})",
                   server_.admin_token());

  EXPECT_EQ(customer.status, 422);
  EXPECT_EQ(customer.ErrorDescription(),
            "Issues detected: The resourcePoolId field names a ResourcePool that was not found: "
            "rp-none");
  EXPECT_EQ(insight.status, 422);
  EXPECT_EQ(insight.ErrorDescription(),
            "Issues detected: The resourcePoolId field names a ResourcePool that was not found or "
            "that you do not own: rp-none");
  EXPECT_EQ(server_.Snapshot(), before);
}

ApiReply SetWeight(ApiServer& server, const std::string& customer, const std::string& weight,
                   const std::string& token) {
  return server.Call("POST", "/resourcepool/service/setCustomerWeight",
                     R"({"customerId":")" + customer + R"(","weight":)" + weight + "}", token);
}

double StoredWeight(ApiServer& server, const std::string& customer) {
  ApiReply get = server.Call("GET", "/customer/" + customer, std::nullopt, server.admin_token());
  const Json* weight = get.All().empty() ? nullptr : get.All()[0].Find("weight");
  return weight == nullptr ? -1.0 : weight->AsDouble();
}

TEST_F(ApiCustomerWeightTest, PoolOwnerAloneSetsTheWeightOfACustomerInItsPool) {
  ApiReply reply = SetWeight(server_, "acme", "3.5", owner_);

  ASSERT_EQ(reply.status, 200) << ToJsonText(reply.body);
  EXPECT_EQ(reply.body.Find("customer")->Find("weight")->AsDouble(), 3.5);
  EXPECT_EQ(StoredWeight(server_, "acme"), 3.5);
}

TEST_F(ApiCustomerWeightTest, CustomerCannotSetItsOwnWeightThroughThePoolService) {
  std::string before = server_.Snapshot();

  ApiReply reply = SetWeight(server_, "acme", "1000", acme_);

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.ErrorDescription(),
            "Only a super user or the owner of resource pool rp-1 may change the weight field of "
            "Customer acme.");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, SetCustomerWeightAnswersAnotherPoolsCustomerAsAbsent) {
  std::string before = server_.Snapshot();
  std::string stranger = server_.TokenFor({"globex"});

  ApiReply foreign = SetWeight(server_, "acme", "2", stranger);
  ApiReply missing = SetWeight(server_, "nobody", "2", stranger);

  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.ErrorDescription(), "Customer acme not found");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.ErrorDescription(), "Customer nobody not found");
  EXPECT_EQ(server_.Snapshot(), before);
}

TEST_F(ApiCustomerWeightTest, SetCustomerWeightRefusesAWeightOutOfRangeOrMissing) {
  std::string before = server_.Snapshot();

  ApiReply zero = SetWeight(server_, "acme", "0", owner_);
  ApiReply text = SetWeight(server_, "acme", R"("2")", owner_);
  ApiReply none = server_.Call("POST", "/resourcepool/service/setCustomerWeight",
                               R"({"customerId":"acme"})", owner_);

  EXPECT_EQ(zero.ErrorDescription(),
            "Issues detected: The weight field must be between 0.001 and 1000.");
  EXPECT_EQ(text.ErrorDescription(),
            "Invalid value for field 'weight': expected a number, got a string");
  EXPECT_EQ(none.ErrorDescription(), "weight is required on setCustomerWeight");
  EXPECT_NE(zero.status, 200);
  EXPECT_NE(text.status, 200);
  EXPECT_NE(none.status, 200);
  EXPECT_EQ(server_.Snapshot(), before);
}

}  // namespace
}  // namespace pop::testing
