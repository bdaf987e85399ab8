// The one map between error codes, HTTP statuses and the spec's exception titles
// (errorResponse.title), both ways: the API answers with it (api/error_mapping.h), and the
// clients that read those answers (the puller's pool client, the CLI) turn a status back into
// the same code with it. Pure data.
#pragma once

#include "core/base/error.h"

namespace pop {

// 400 kInvalidArgument, 401 kUnauthenticated, 403 kPermissionDenied, 404 kNotFound,
// 405 kMethodNotAllowed, 409 kConflict, 413 kPayloadTooLarge, 422 kValidation,
// 429 kTooManyRequests, 500 kInternal, 503 kUnavailable.
int HttpStatusFor(ErrorCode code);

// "ValidationException", "BadRequestException", "UnauthorizedException" (visibility, 403),
// "ObjectNotFoundException", ...
const char* ErrorTitleFor(ErrorCode code);

// The code an answer's HTTP status stands for: the inverse of HttpStatusFor, with 502 and 504 (a
// proxy that could not reach the server) as kUnavailable, and any other status as kInternal.
ErrorCode CodeForHttpStatus(int status);

}  // namespace pop
