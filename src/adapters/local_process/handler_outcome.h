// How a handler's end becomes a LaunchOutcome (docs/handlers.md, "Outcome"): a reported COMPLETE
// stands; so does exit status 0 for a type registered with exitZeroIsSuccess; anything else is
// COMPLETE/"failed" with one diagnostic saying why, holding the last log lines (spec §15.4).
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "core/model/operation_progress.h"
#include "ports/launcher.h"

namespace pop::local_process {

// What the reactor saw of a handler's end, apart from its reports.
struct HandlerEnd {
  enum class How { kExited, kKilledBySignal, kNotStarted };
  How how = How::kExited;
  int exit_status = 0;  // kExited
  int signal = 0;       // kKilledBySignal
  int exec_errno = 0;   // kNotStarted
  std::string command;  // kNotStarted: the program that could not be run
  bool cancelled = false;
  bool timed_out = false;
  std::chrono::milliseconds timeout{0};  // when timed_out
  // The type's HandlerCommand::exit_zero_is_success, and the exit status is known (the reactor
  // reaped the process itself): a plain kExited with status 0 then succeeds.
  bool exit_zero_is_success = false;
};

// Why a handler without a COMPLETE report failed, e.g. "Handler for operation b exited with
// status 3" or "... was killed by signal 11 (Segmentation fault)". Precedence: cancelled, timed
// out, not started, signal, non-zero status, exited without COMPLETE.
std::string FailureReason(const std::string& operation_name, const HandlerEnd& end);

// `reported`: the handler's latest progress (its `operation` and `resultPayload` already set),
// `complete`: whether that progress is COMPLETE, `result`: the latest reported result. A failure
// decided here also sets LaunchOutcome::failure to the diagnostic's message. A success decided
// by exit status 0 keeps the handler's own progress fields and sets COMPLETE/"succeeded",
// percentComplete 100 and completedTime = now.
LaunchOutcome BuildOutcome(const std::string& operation_name, const HandlerEnd& end,
                           const std::optional<OperationProgress>& reported, bool complete,
                           const std::optional<std::string>& result,
                           const std::vector<std::string>& last_lines, Timestamp now);

}  // namespace pop::local_process
