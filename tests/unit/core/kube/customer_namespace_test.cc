#include "core/kube/customer_namespace.h"

#include <gtest/gtest.h>

#include <string>

namespace pop {
namespace {

std::string Name(std::string_view prefix, std::string_view customer) {
  Result<std::string> name = CustomerNamespace(prefix, customer);
  return name.ok() ? *name : "error: " + name.error().message;
}

bool IsDnsLabel(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

TEST(CustomerNamespaceTest, AnIdThatIsALabelIsTakenAsItIs) {
  EXPECT_EQ(Name("pop", "acme"), "pop-acme");
  EXPECT_EQ(Name("pop", "ACME"), "pop-acme");  // one customer, however it is written
  EXPECT_EQ(Name("tenants", "a-1"), "tenants-a-1");
}

TEST(CustomerNamespaceTest, AnIdChangedToFitGetsAHashSoThatTwoIdsNeverShareANamespace) {
  const std::string underscore = Name("pop", "acme_eu");
  const std::string dot = Name("pop", "acme.eu");
  EXPECT_EQ(underscore.rfind("pop-acme-eu-", 0), 0U) << underscore;
  EXPECT_EQ(underscore.size(), std::string("pop-acme-eu-").size() + 8);
  EXPECT_NE(underscore, dot);
  EXPECT_NE(underscore, Name("pop", "acme-eu"));
  EXPECT_EQ(Name("pop", "acme_eu"), underscore);  // stable
  EXPECT_TRUE(IsDnsLabel(Name("pop", "-edge-")));
  EXPECT_TRUE(IsDnsLabel(Name("pop", "___")));
  EXPECT_TRUE(IsDnsLabel(Name("pop", "Ünïcode customer")));
}

TEST(CustomerNamespaceTest, ALongIdIsCutToSixtyThreeCharactersWithItsHash) {
  const std::string long_id(100, 'a');
  const std::string name = Name("pop", long_id);
  EXPECT_EQ(name.size(), 63U);
  EXPECT_TRUE(IsDnsLabel(name));
  EXPECT_NE(name, Name("pop", long_id + "b"));
  EXPECT_TRUE(IsDnsLabel(Name(std::string(40, 'p'), std::string(30, 'x') + "-" + "y")));
}

TEST(CustomerNamespaceTest, RefusesAnEmptyIdAndABadPrefix) {
  EXPECT_EQ(Name("pop", ""), "error: an Agenda without customerId has no namespace of its own");
  EXPECT_EQ(Name("Pop", "acme").rfind("error: namespace prefix 'Pop' is not a DNS label", 0), 0U);
  EXPECT_EQ(Name(std::string(41, 'p'), "acme").rfind("error: namespace prefix", 0), 0U);
  EXPECT_EQ(Name("", "acme").rfind("error: namespace prefix", 0), 0U);
}

}  // namespace
}  // namespace pop
