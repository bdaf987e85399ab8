// The handler registry of the process launcher: which program runs the operations of each type
// (the local counterpart of the pod configuration registry, spec §15.1), and its JSON form:
//
//   { "sample": { "command": "/opt/handlers/sample", "args": ["--verbose"],
//                 "env": {"LOG_LEVEL": "debug"}, "timeoutSeconds": 3600,
//                 "cancelGraceSeconds": 10 },
//     "true":   { "command": "/bin/true", "exitZeroIsSuccess": true } }
//
// Contract for handlers: docs/handlers.md.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace pop {

struct HandlerCommand {
  // The program. Without a '/', it is looked up in the PATH of the handler's environment.
  std::string command;
  std::vector<std::string> args;  // argv[1...]
  // Added to the handler's environment. May not set the variables the launcher sets (PAYLOAD,
  // POP_*, LAST_PROGRESS, CID, OPERATION_NAME, OPERATION_ID, AGENDA_ID, CUSTOMER_ID,
  // OPERATION_TYPE).
  std::map<std::string, std::string> env;
  // After this long the handler's process group gets SIGTERM and the operation fails.
  std::chrono::milliseconds timeout = std::chrono::hours(1);
  // Between SIGTERM (timeout, cancel, or lingering after COMPLETE) and SIGKILL.
  std::chrono::milliseconds cancel_grace = std::chrono::seconds(10);
  // For programs that never report (e.g. `/bin/true`): exiting with status 0 without a COMPLETE
  // report counts as COMPLETE/succeeded instead of a failure. A COMPLETE report, a non-zero
  // status, a signal, a timeout or a cancel decide the outcome as without it.
  bool exit_zero_is_success = false;
};

// Parses a registry document (the object above: operation type -> entry). "command" is required;
// "timeoutSeconds" (> 0) and "cancelGraceSeconds" (>= 0) are numbers of seconds and may have a
// fraction; "exitZeroIsSuccess" is a boolean. Errors: kInvalidArgument naming the field, e.g.
// "Invalid value for field 'sample.timeoutSeconds': expected a positive number of seconds" or
// "Unknown field 'sample.comand'".
[[nodiscard]] Result<std::map<std::string, HandlerCommand>> ParseHandlerRegistry(
    std::string_view json_text);

// Checks one entry the way ParseHandlerRegistry does (for registries built in code); `type` names
// it in the error. Errors: kInvalidArgument.
[[nodiscard]] Status ValidateHandlerCommand(const std::string& type, const HandlerCommand& command);

// Whether the launcher itself sets the environment variable `name` (so a registry may not).
bool IsLauncherEnvironmentVariable(std::string_view name);

}  // namespace pop
