// Error values for every layer: a closed set of codes plus a human-readable message.
// api/error_mapping.cc is the only place that turns a code into an HTTP status.
#pragma once

#include <string>
#include <utility>

namespace pop {

enum class ErrorCode {
  kInvalidArgument,   // malformed request: bad JSON, wrong field type (BadRequest)
  kValidation,        // well-formed but breaks a rule of the spec (ValidationException)
  kUnauthenticated,   // no or unknown credentials
  kPermissionDenied,  // visibility rules forbid the action (UnauthorizedException)
  kNotFound,          // ObjectNotFoundException
  kMethodNotAllowed,  // unknown route or verb
  kConflict,          // a concurrent change won
  kPayloadTooLarge,   // body over the configured limit
  kTooManyRequests,   // the caller is over a limit of its own (its open event streams)
  kUnavailable,       // store temporarily unable to write (disk full, read-only, shutting down)
  kInternal,          // a bug or an unexpected failure of a dependency
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}
};

// Short stable name of a code, for logs and tests ("kNotFound").
const char* ErrorCodeName(ErrorCode code);

}  // namespace pop
