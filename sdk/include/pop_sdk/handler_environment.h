// HandlerEnvironment: everything a handler process receives from and gives to the outside world
// (its arguments, environment variables, stdout and clock), gathered in one value so that the
// rest of the SDK never reads process globals and tests can run a handler in-process.
// Contract of the variables: docs/handlers.md and spec §15.3, §16.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/time.h"

namespace pop::sdk {

// Names of the variables the launcher sets (spec §15.3, §16).
inline constexpr char kPayloadVar[] = "PAYLOAD";
inline constexpr char kPayloadTypeVar[] = "POP_PAYLOAD_TYPE";
inline constexpr char kCompressedPayloadVarPrefix[] = "POP_COMPRESSED_PAYLOAD_";
inline constexpr char kLastProgressVar[] = "LAST_PROGRESS";
inline constexpr char kReportVar[] = "POP_REPORT";
inline constexpr char kCidVar[] = "CID";
inline constexpr char kOperationNameVar[] = "OPERATION_NAME";
inline constexpr char kOperationIdVar[] = "OPERATION_ID";
inline constexpr char kOperationTypeVar[] = "OPERATION_TYPE";
inline constexpr char kAgendaIdVar[] = "AGENDA_ID";
inline constexpr char kCustomerIdVar[] = "CUSTOMER_ID";
// "1" when the operator let this operation type's payloads name commands to run on the host
// (the registry's allowPayloadCommands); absent otherwise. Handlers that can run such commands
// must refuse without it.
inline constexpr char kAllowPayloadCommandsVar[] = "POP_ALLOW_PAYLOAD_COMMANDS";

// Values of POP_PAYLOAD_TYPE (compared case-insensitively; absent or unknown means envVar).
inline constexpr char kPayloadTypeEnvVar[] = "envVar";
inline constexpr char kPayloadTypeCompressedEnvVar[] = "compressedEnvVar";

// The last stdout line of every handler (spec §16 item 7); the launcher waits for it.
inline constexpr char kHandlerCompleteLine[] = "HandlerComplete";

// Blocks until the clock reaches `deadline` or `cv` is notified (spurious wake-ups allowed:
// callers re-check their condition); `lock` is held on entry and on return.
using WaitUntilFunction = std::function<void(
    std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Timestamp deadline)>;

// Copyable. Thread-safe to share as long as `write_line`, `now` and `wait_until` are (the ones
// ProcessEnvironment() returns are).
struct HandlerEnvironment {
  std::vector<std::string> args;                     // argv[1..]
  std::map<std::string, std::string> variables;      // the environment
  std::function<void(std::string_view)> write_line;  // one line of stdout, without its '\n'
  std::function<Timestamp()> now;                    // wall-clock time
  // Waiting on the clock of `now`: the pod channel paces its reports with it (at most one
  // patch per 5 s, pop_sdk/progress_reporter.h), so a test with a fake `now` passes a matching
  // wait. Unset: the pod channel paces by the system clock (and its own `now`).
  WaitUntilFunction wait_until;

  // The value of variable `name`, if set.
  std::optional<std::string> Variable(const std::string& name) const;
  // The value following flag `name` in `args` ("-payloadFile <path>"; "--payloadFile" and
  // "-payloadFile=<path>" work too), if present.
  std::optional<std::string> Flag(std::string_view name) const;
};

// The environment of this process: argv, environ, stdout (each line flushed, lines from
// concurrent callers never interleave) and the system clock (`now` and `wait_until`).
HandlerEnvironment ProcessEnvironment(int argc, char** argv);

// The system clock's `now` and `wait_until`.
Timestamp SystemNow();
void SystemWaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                     Timestamp deadline);

}  // namespace pop::sdk
