#include "core/base/error_status.h"

namespace pop {
namespace {

struct ErrorStatus {
  ErrorCode code;
  int status;
  const char* title;
};

// Every code once; a new code without a row maps to 500 and RuntimeException (the unit test
// walks every code).
constexpr ErrorStatus kErrorStatuses[] = {
    {ErrorCode::kInvalidArgument, 400, "BadRequestException"},
    {ErrorCode::kUnauthenticated, 401, "AuthenticationException"},
    {ErrorCode::kPermissionDenied, 403, "UnauthorizedException"},
    {ErrorCode::kNotFound, 404, "ObjectNotFoundException"},
    {ErrorCode::kMethodNotAllowed, 405, "MethodNotAllowedException"},
    {ErrorCode::kConflict, 409, "ConflictException"},
    {ErrorCode::kPayloadTooLarge, 413, "PayloadTooLargeException"},
    {ErrorCode::kValidation, 422, "ValidationException"},
    {ErrorCode::kTooManyRequests, 429, "TooManyRequestsException"},
    {ErrorCode::kInternal, 500, "RuntimeException"},
    {ErrorCode::kUnavailable, 503, "ServiceUnavailableException"},
};

const ErrorStatus* Find(ErrorCode code) {
  for (const ErrorStatus& row : kErrorStatuses) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  const ErrorStatus* row = Find(code);
  return row != nullptr ? row->status : 500;
}

const char* ErrorTitleFor(ErrorCode code) {
  const ErrorStatus* row = Find(code);
  return row != nullptr ? row->title : "RuntimeException";
}

ErrorCode CodeForHttpStatus(int status) {
  if (status == 502 || status == 504) return ErrorCode::kUnavailable;
  for (const ErrorStatus& row : kErrorStatuses) {
    if (row.status == status) return row.code;
  }
  return ErrorCode::kInternal;
}

}  // namespace pop
