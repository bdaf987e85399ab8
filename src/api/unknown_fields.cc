#include "api/unknown_fields.h"

namespace pop::api {

Status RefuseUnknownFields(const std::vector<UnknownField>& unknown, const std::string& object_name,
                           const std::string& prefix) {
  if (unknown.empty()) return Status::Ok();
  const UnknownField& first = unknown.front();
  std::string message = "Unknown field '";
  if (!prefix.empty()) {
    message += prefix;
    message += ".";
  }
  message += first.path;
  message += "'";
  if (!first.closest.empty()) {
    message += " (did you mean '";
    message += first.closest;
    message += "'?)";
  }
  if (unknown.size() > 1) {
    message += " and ";
    message += std::to_string(unknown.size() - 1);
    message += unknown.size() == 2 ? " other" : " others";
  }
  message += " in the ";
  message += object_name;
  message +=
      "; send only its fields, or run the server with --accept-unknown-fields to ignore them";
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace pop::api
