// The one place that maps error codes to HTTP statuses and to the spec's exception titles
// (errorResponse.title). Per docs/compat.md the HTTP status equals errorResponse.responseCode.
#pragma once

#include "core/base/error.h"

namespace pop::api {

int HttpStatusFor(ErrorCode code);
// "ValidationException", "BadRequestException", "UnauthorizedException" (visibility, 403),
// "ObjectNotFoundException", ...
const char* ErrorTitleFor(ErrorCode code);

}  // namespace pop::api
