// Error messages the spec fixes word for word (clients match on them), in one place.
#pragma once

#include <string>

namespace pop::app {

inline std::string NoPermissionMessage(const std::string& customer_id) {
  return "You do not have permission to perform this action for customerId " + customer_id;
}
inline std::string UnableToGetMessage(const std::string& id) {
  return "Unable to get object by id " + id;
}
// A POST with a client-chosen id that another tenant's object has (nothing else is said of it).
inline std::string IdTakenMessage(const std::string& id) {
  return "The id " + id + " is already in use; choose another id or omit it";
}
inline constexpr const char kCustomerIdRequired[] = "The customerId field must be specified.";
inline constexpr const char kNoInsights[] = "No available insights for processing agenda";

}  // namespace pop::app
