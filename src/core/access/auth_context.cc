#include "core/access/auth_context.h"

#include <algorithm>

namespace pop {

bool AuthContext::IsGlobal() const {
  return is_super_user || std::find(accounts.begin(), accounts.end(), "*") != accounts.end();
}

AuthContext AuthContext::Service() {
  AuthContext context;
  context.user_id = "service";
  context.user_name = "service";
  context.is_super_user = true;
  return context;
}

AuthContext AuthContext::ForCustomer(const std::string& customer_id) {
  AuthContext context;
  context.user_id = "customer:" + customer_id;
  context.user_name = customer_id;
  context.accounts = {customer_id};
  return context;
}

}  // namespace pop
