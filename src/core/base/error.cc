#include "core/base/error.h"

namespace pop {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "kInvalidArgument";
    case ErrorCode::kValidation:
      return "kValidation";
    case ErrorCode::kUnauthenticated:
      return "kUnauthenticated";
    case ErrorCode::kPermissionDenied:
      return "kPermissionDenied";
    case ErrorCode::kNotFound:
      return "kNotFound";
    case ErrorCode::kMethodNotAllowed:
      return "kMethodNotAllowed";
    case ErrorCode::kConflict:
      return "kConflict";
    case ErrorCode::kPayloadTooLarge:
      return "kPayloadTooLarge";
    case ErrorCode::kTooManyRequests:
      return "kTooManyRequests";
    case ErrorCode::kUnavailable:
      return "kUnavailable";
    case ErrorCode::kInternal:
      return "kInternal";
  }
  return "kInternal";
}

}  // namespace pop
