// The one place that maps error codes to HTTP statuses and to the spec's exception titles
// (errorResponse.title). Per docs/compat.md the HTTP status equals errorResponse.responseCode.
#pragma once

#include <string>

#include "core/base/error.h"

namespace pop::api {

int HttpStatusFor(ErrorCode code);
// "ValidationException", "BadRequestException", "UnauthorizedException" (visibility, 403),
// "ObjectNotFoundException", ...
const char* ErrorTitleFor(ErrorCode code);

// The errorResponse.description a client sees. Server-side failures (kInternal, kUnavailable)
// carry SQL, file paths and library text in their messages: the client gets a fixed sentence with
// the correlation id instead, and the message goes only to the server log. Other codes describe
// the client's own request and pass through.
std::string ClientMessageFor(const Error& error, const std::string& correlation_id);
// True for the codes whose message never reaches a client.
bool IsServerSideError(ErrorCode code);

}  // namespace pop::api
