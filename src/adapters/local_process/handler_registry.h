// The handler registry of the process launcher: which program runs the operations of each type
// (the local counterpart of the pod configuration registry, spec §15.1), and its JSON form:
//
//   { "sample": { "command": "/opt/handlers/sample", "args": ["--verbose"],
//                 "env": {"LOG_LEVEL": "debug"}, "timeoutSeconds": 3600,
//                 "cancelGraceSeconds": 10, "allowPayloadCommands": false,
//                 "keepWorkDir": false,
//                 "limits": {"cpuSeconds": 600, "memoryBytes": 1073741824,
//                            "openFiles": 1024, "processes": 256} },
//     "true":   { "command": "/bin/true", "exitZeroIsSuccess": true } }
//
// Contract for handlers: docs/handlers.md; what the fields mean for the host: docs/security.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace pop {

// Resource limits applied to a handler process (setrlimit, soft and hard) before it starts; its
// children inherit them. nullopt: the launcher's own limit stays (no new limit).
struct HandlerLimits {
  static constexpr uint64_t kDefaultOpenFiles = 1024;
  std::optional<uint64_t> cpu_seconds;   // RLIMIT_CPU: SIGXCPU at the limit, SIGKILL 1 s later
  std::optional<uint64_t> memory_bytes;  // RLIMIT_AS: address space, bytes
  std::optional<uint64_t> open_files = kDefaultOpenFiles;  // RLIMIT_NOFILE
  // RLIMIT_NPROC: counts every process and thread of the launcher's user, not only the handler's.
  std::optional<uint64_t> processes;
};

struct HandlerCommand {
  // The program. Without a '/', it is looked up in the PATH of the handler's environment.
  std::string command;
  std::vector<std::string> args;  // argv[1...]
  // Added to the handler's environment. May not set the variables the launcher sets (PAYLOAD,
  // POP_*, HOME, LAST_PROGRESS, CID, OPERATION_NAME, OPERATION_ID, AGENDA_ID, CUSTOMER_ID,
  // OPERATION_TYPE). The only way a value of the launcher's own environment (a secret) reaches a
  // handler: the operator writes it here.
  std::map<std::string, std::string> env;
  // After this long the handler's process group gets SIGTERM and the operation fails.
  std::chrono::milliseconds timeout = std::chrono::hours(1);
  // Between SIGTERM (timeout, cancel, or lingering after COMPLETE) and SIGKILL.
  std::chrono::milliseconds cancel_grace = std::chrono::seconds(10);
  // For programs that never report (e.g. `/bin/true`): exiting with status 0 without a COMPLETE
  // report counts as COMPLETE/succeeded instead of a failure. A COMPLETE report, a non-zero
  // status, a signal, a timeout or a cancel decide the outcome as without it.
  bool exit_zero_is_success = false;
  // Dangerous: lets a handler that supports it (the sample handler's externalExecute) run
  // commands its operation's payload names, i.e. lets whoever may submit operations of this type
  // run programs on this host. The launcher tells the handler with POP_ALLOW_PAYLOAD_COMMANDS=1,
  // which a registry's env cannot set. Off by default.
  bool allow_payload_commands = false;
  // The per-operation working directory is removed once the operation has ended and its handle
  // is gone, unless this is set (for debugging a handler).
  bool keep_work_dir = false;
  HandlerLimits limits;
};

// Parses a registry document (the object above: operation type -> entry). "command" is required;
// "timeoutSeconds" (> 0) and "cancelGraceSeconds" (>= 0) are numbers of seconds and may have a
// fraction; "exitZeroIsSuccess", "allowPayloadCommands" and "keepWorkDir" are booleans; "limits"
// is an object of "cpuSeconds", "memoryBytes", "openFiles" and "processes", each a positive
// integer or null (no limit). Errors: kInvalidArgument naming the field, e.g.
// "Invalid value for field 'sample.timeoutSeconds': expected a positive number of seconds" or
// "Unknown field 'sample.comand'", "Invalid value for field 'sample.limits.cpuSeconds': expected a
// positive integer or null".
[[nodiscard]] Result<std::map<std::string, HandlerCommand>> ParseHandlerRegistry(
    std::string_view json_text);

// Checks one entry the way ParseHandlerRegistry does (for registries built in code); `type` names
// it in the error. Errors: kInvalidArgument.
[[nodiscard]] Status ValidateHandlerCommand(const std::string& type, const HandlerCommand& command);

// Whether the launcher itself sets the environment variable `name` (so a registry may not).
bool IsLauncherEnvironmentVariable(std::string_view name);

}  // namespace pop
