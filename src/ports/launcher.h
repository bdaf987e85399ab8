// Launcher: starts one operation's handler and follows it to its end (spec §14.4, §15, §16).
// Implementations: ProcessLauncher (adapters/local_process: a child process per operation),
// ResidentLauncher (app: in-process types), later KubernetesLauncher (a pod per operation).
// One launcher contract suite runs against each. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/model/operation_progress.h"

namespace pop {

// Everything a handler receives (the env contract of spec §16: PAYLOAD, LAST_PROGRESS, CID,
// OPERATION_NAME, OPERATION_ID, AGENDA_ID, CUSTOMER_ID).
struct LaunchSpec {
  std::string operation_name;
  std::string operation_type;
  std::optional<std::string> operation_id;  // the caller's own id (OPERATION_ID)
  std::string agenda_id;
  std::string customer_id;
  std::string cid;
  std::string payload;                       // the resolved payload, JSON text
  std::optional<std::string> last_progress;  // prior OperationProgress JSON text (reruns)
};

// How a handler ended. The executor decides success from `progress` alone: COMPLETE with the
// message exactly "succeeded" (spec §14.4).
struct LaunchOutcome {
  // The last progress the handler reported; when the handler failed without reporting one
  // (crash, non-zero exit, timeout, launch failure) the launcher supplies COMPLETE/"failed"
  // with one diagnostic naming why and holding the last log lines (spec §15.4).
  std::optional<OperationProgress> progress;
  std::optional<std::string> output;  // the result payload JSON text, if any
  // Set when the launcher, not the handler, decided the failure (could not start, crashed,
  // exited non-zero or without a COMPLETE report, timed out, cancelled): why, in one sentence.
  // The executor then adds "Failed to execute operation: <name>" to the agenda's diagnostics.
  std::optional<std::string> failure;
  // False when the failure cannot succeed on a retry (no launcher runs the type): the executor
  // marks its diagnostic kStatusNotRetryable so the automatic retry leaves the agenda failed.
  bool retryable = true;
};

// A running handler. Thread-safe.
class LaunchedOperation {
 public:
  virtual ~LaunchedOperation() = default;
  // The latest progress reported so far (for the executor's periodic report), if any.
  virtual std::optional<OperationProgress> LatestProgress() = 0;
  // The handler's output (stdout and stderr, interleaved) captured since the last call; empty
  // when there is none. Bounded: a handler that prints megabytes loses the middle, with a
  // "[... N bytes dropped ...]" marker, never the last lines.
  virtual std::string TakeNewLog() = 0;
  // Blocks until the handler has ended and returns how. Called once.
  virtual LaunchOutcome Wait() = 0;
  // Asks the handler to stop: SIGTERM (or equivalent), then a forced kill after `grace`.
  // Wait() then returns a failed outcome. Idempotent.
  virtual void Cancel(std::chrono::milliseconds grace) = 0;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Whether this launcher runs operations of `type`.
  virtual bool Handles(const std::string& type) const = 0;
  // Whether operations of `type` end as soon as they are launched, without blocking (work done
  // in memory): the executor then runs them on its own thread instead of handing each to a
  // worker thread and waiting for it.
  virtual bool Instant(const std::string& /*type*/) const { return false; }
  // Errors: kNotFound for a type it does not handle ("Unknown operation type found: <type> on
  // operation: <name>"), kUnavailable when the handler cannot be started.
  [[nodiscard]] virtual Result<std::unique_ptr<LaunchedOperation>> Launch(
      const LaunchSpec& spec) = 0;
};

}  // namespace pop
