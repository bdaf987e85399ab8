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
  // For kUnavailable, whose message stays in the server's log: what a client may be told about why,
  // in a sentence with no SQL, paths, library text or secrets ("the store is unavailable:
  // connection to PostgreSQL at db:5432 refused"). Empty: the client gets the fixed sentence of its
  // code only (api/error_mapping.h).
  std::string cause;

  Error() = default;
  Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}
  Error(ErrorCode c, std::string m, std::string client_cause)
      : code(c), message(std::move(m)), cause(std::move(client_cause)) {}
};

// Short stable name of a code, for logs and tests ("kNotFound").
const char* ErrorCodeName(ErrorCode code);

}  // namespace pop
