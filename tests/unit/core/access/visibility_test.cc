#include "core/access/visibility.h"

#include <gtest/gtest.h>

namespace pop {
namespace {

AuthContext Caller(std::vector<std::string> accounts, bool super_user = false) {
  AuthContext auth;
  auth.accounts = std::move(accounts);
  auth.is_super_user = super_user;
  return auth;
}

Insight InsightOwnedBy(const std::string& owner) {
  Insight insight;
  insight.customer_id = owner;
  return insight;
}

TEST(VisibilityTest, CustomerFilterMatchesExactCaseOwnerOnly) {
  Customer customer;
  customer.customer_id = "Acme";
  auto scope = ReadScope(ObjectKind::kCustomer, Caller({"Acme"}));
  EXPECT_TRUE(ScopeAllows(scope, customer));
  EXPECT_FALSE(ScopeAllows(ReadScope(ObjectKind::kCustomer, Caller({"acme"})), customer));
}

TEST(VisibilityTest, NoAccountsSeesNothing) {
  EXPECT_FALSE(ScopeAllows(ReadScope(ObjectKind::kAgenda, Caller({})), Agenda{}));
  Agenda agenda;
  agenda.customer_id = "";
  EXPECT_FALSE(ScopeAllows(ReadScope(ObjectKind::kAgenda, Caller({})), agenda));
}

TEST(VisibilityTest, SuperUserAndStarAccountSeeEverything) {
  Agenda agenda;
  agenda.customer_id = "someone";
  EXPECT_TRUE(ScopeAllows(ReadScope(ObjectKind::kAgenda, Caller({}, true)), agenda));
  EXPECT_TRUE(ScopeAllows(WriteScope(Caller({"*"})), agenda));
}

TEST(VisibilityTest, GlobalInsightIsReadableButNotWritableByOthers) {
  Insight insight = InsightOwnedBy("owner");
  insight.is_global = true;
  EXPECT_TRUE(ScopeAllows(ReadScope(ObjectKind::kInsight, Caller({"other"})), insight));
  EXPECT_FALSE(ScopeAllows(WriteScope(Caller({"other"})), insight));
  EXPECT_FALSE(ScopeAllows(OwnerScope(Caller({"other"})), insight));
}

TEST(VisibilityTest, AllowedCustomerMatchesLowerCasedAccount) {
  AgendaTemplate tmpl;
  tmpl.customer_id = "owner";
  tmpl.allowed_customer_ids = AllowedCustomerIds{{"partner-a"}};
  EXPECT_TRUE(ScopeAllows(ReadScope(ObjectKind::kAgendaTemplate, Caller({"Partner-A"})), tmpl));
  EXPECT_FALSE(ScopeAllows(ReadScope(ObjectKind::kAgendaTemplate, Caller({"partner-b"})), tmpl));
  EXPECT_FALSE(ScopeAllows(WriteScope(Caller({"partner-a"})), tmpl));
}

TEST(VisibilityTest, GlobalAndAllowedRulesDoNotApplyToOtherKinds) {
  // Only AgendaTemplate and Insight carry isGlobal/allowedCustomerIds.
  auto scope = ReadScope(ObjectKind::kAgenda, Caller({"x"}));
  EXPECT_FALSE(scope.global_objects);
  EXPECT_FALSE(scope.allowed_customers);
}

}  // namespace
}  // namespace pop
