#include "api/error_mapping.h"

#include <cctype>

namespace pop::api {

bool IsServerSideError(ErrorCode code) {
  return code == ErrorCode::kInternal || code == ErrorCode::kUnavailable;
}

std::string ClientMessageFor(const Error& error, const std::string& correlation_id) {
  if (error.code == ErrorCode::kInternal) {
    return "Internal server error; the server log has the details under correlation id " +
           correlation_id;
  }
  if (error.code == ErrorCode::kUnavailable && !error.cause.empty()) {
    std::string sentence = error.cause;
    sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
    return sentence + "; retry later (correlation id " + correlation_id + ")";
  }
  if (error.code == ErrorCode::kUnavailable) {
    return "The service is temporarily unavailable; retry later (correlation id " + correlation_id +
           ")";
  }
  return error.message;
}

}  // namespace pop::api
