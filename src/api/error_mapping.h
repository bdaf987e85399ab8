// What an error answer says: its HTTP status and title (errorResponse.title) from the one map
// in core/base/error_status.h, and the description a client may see. Per docs/compat.md the
// HTTP status equals errorResponse.responseCode.
#pragma once

#include <string>

#include "core/base/error.h"
#include "core/base/error_status.h"

namespace pop::api {

using ::pop::ErrorTitleFor;
using ::pop::HttpStatusFor;

// The errorResponse.description a client sees. Server-side failures (kInternal, kUnavailable)
// carry SQL, file paths and library text in their messages: the client gets a fixed sentence with
// the correlation id instead, and the message goes only to the server log; a kUnavailable error
// with a cause (Error::cause, written for clients) names it: "The store is unavailable:
// connection to PostgreSQL at db:5432 refused; retry later (correlation id ...)". Other codes
// describe the client's own request and pass through.
std::string ClientMessageFor(const Error& error, const std::string& correlation_id);
// True for the codes whose message never reaches a client.
bool IsServerSideError(ErrorCode code);

}  // namespace pop::api
