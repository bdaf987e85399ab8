#include "api/error_mapping.h"

namespace pop::api {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kValidation:
      return 422;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
  }
  return 500;  // Not reached; no default label so that -Wswitch flags a new code.
}

const char* ErrorTitleFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "BadRequestException";
    case ErrorCode::kUnauthenticated:
      return "AuthenticationException";
    case ErrorCode::kPermissionDenied:
      return "UnauthorizedException";
    case ErrorCode::kNotFound:
      return "ObjectNotFoundException";
    case ErrorCode::kMethodNotAllowed:
      return "MethodNotAllowedException";
    case ErrorCode::kConflict:
      return "ConflictException";
    case ErrorCode::kPayloadTooLarge:
      return "PayloadTooLargeException";
    case ErrorCode::kValidation:
      return "ValidationException";
    case ErrorCode::kInternal:
      return "RuntimeException";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailableException";
  }
  return "RuntimeException";
}

bool IsServerSideError(ErrorCode code) {
  return code == ErrorCode::kInternal || code == ErrorCode::kUnavailable;
}

std::string ClientMessageFor(const Error& error, const std::string& correlation_id) {
  if (error.code == ErrorCode::kInternal) {
    return "Internal server error; the server log has the details under correlation id " +
           correlation_id;
  }
  if (error.code == ErrorCode::kUnavailable) {
    return "The service is temporarily unavailable; retry later (correlation id " + correlation_id +
           ")";
  }
  return error.message;
}

}  // namespace pop::api
