#include "adapters/local_process/handler_outcome.h"

#include <string.h>

#include <charconv>
#include <utility>

namespace pop::local_process {
namespace {

// "5" for 5000 ms, "1.5" for 1500 ms.
std::string SecondsText(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) {
    return std::to_string(duration.count() / 1000);
  }
  char buffer[32];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(duration.count()) / 1000.0);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(duration.count()) + "e-3";
}

std::string SignalText(int signal) {
  const char* description = sigdescr_np(signal);  // thread-safe, unlike strsignal
  std::string text = std::to_string(signal);
  if (description != nullptr) {
    text += std::string(" (") + description + ")";
  }
  return text;
}

std::string ErrnoText(int error) {
  const char* description = strerrordesc_np(error);  // thread-safe, unlike strerror
  return description != nullptr ? description : "error " + std::to_string(error);
}

bool ExitedZeroCountsAsSuccess(const HandlerEnd& end) {
  return end.exit_zero_is_success && !end.cancelled && !end.timed_out &&
         end.how == HandlerEnd::How::kExited && end.exit_status == 0;
}

}  // namespace

std::string FailureReason(const std::string& operation_name, const HandlerEnd& end) {
  std::string prefix = "Handler for operation " + operation_name;
  if (end.cancelled) {
    return prefix + " was cancelled";
  }
  if (end.timed_out) {
    return prefix + " timed out after " + SecondsText(end.timeout) + " s";
  }
  switch (end.how) {
    case HandlerEnd::How::kNotStarted:
      return prefix + " could not be started: " + end.command + ": " + ErrnoText(end.exec_errno);
    case HandlerEnd::How::kKilledBySignal:
      return prefix + " was killed by signal " + SignalText(end.signal);
    case HandlerEnd::How::kExited:
      break;
  }
  if (end.exit_status != 0) {
    return prefix + " exited with status " + std::to_string(end.exit_status);
  }
  return prefix + " exited without reporting COMPLETE";
}

LaunchOutcome BuildOutcome(const std::string& operation_name, const HandlerEnd& end,
                           const std::optional<OperationProgress>& reported, bool complete,
                           const std::optional<std::string>& result,
                           const std::vector<std::string>& last_lines, Timestamp now) {
  LaunchOutcome outcome;
  outcome.output = result;
  if (complete && reported.has_value()) {
    outcome.progress = reported;
    return outcome;
  }
  if (ExitedZeroCountsAsSuccess(end)) {
    OperationProgress progress = reported.value_or(OperationProgress{});
    progress.operation = operation_name;
    progress.processing_state = ProcessingState::kComplete;
    progress.processing_state_message = kMessageSucceeded;
    progress.percent_complete = 100.0;
    progress.completed_time = now;
    outcome.progress = std::move(progress);
    return outcome;
  }
  // The handler's own fields (percent, params, times, result) stay; state, message and
  // diagnostics say that it failed and why.
  OperationProgress progress = reported.value_or(OperationProgress{});
  progress.operation = operation_name;
  progress.processing_state = ProcessingState::kComplete;
  progress.processing_state_message = kMessageFailed;
  progress.completed_time = now;
  DiagnosticEvent event;
  std::string reason = FailureReason(operation_name, end);
  event.message = reason;
  event.time = now;
  JsonArray lines;
  lines.reserve(last_lines.size());
  for (const std::string& line : last_lines) {
    lines.emplace_back(line);
  }
  event.payload = Json(std::move(lines));
  progress.diagnostic_events = std::vector<DiagnosticEvent>{std::move(event)};
  outcome.progress = std::move(progress);
  outcome.failure = std::move(reason);
  return outcome;
}

}  // namespace pop::local_process
