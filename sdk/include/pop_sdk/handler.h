// The handler SDK: write the program that runs one operation of an agenda as a callback, and
// RunHandler does the rest of the handler contract (docs/handlers.md, spec §16): reading the
// payload and prior progress, the report channel, the failure rules, the conclusion log line
// and the final `HandlerComplete`. A complete handler:
//
//   int main(int argc, char** argv) {
//     return pop::sdk::RunHandler(argc, argv, [](pop::sdk::HandlerContext& ctx) -> pop::Status {
//       ctx.ReportProgress(50.0, "halfway");
//       ctx.Succeed(pop::Json(pop::JsonObject{{"echo", ctx.payload()}}));
//       return pop::Status::Ok();
//     });
//   }
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/json/json.h"
#include "core/model/operation_progress.h"
#include "pop_sdk/handler_environment.h"
#include "pop_sdk/report_channel.h"

namespace pop::sdk {

// What the launcher told the handler about its operation.
struct HandlerInput {
  Json payload;                                    // the resolved payload, parsed
  std::optional<OperationProgress> last_progress;  // the prior attempt's progress (reruns)
  std::string cid;
  std::string operation_name;
  std::string operation_id;
  std::string operation_type;
  std::string agenda_id;
  std::string customer_id;
};

// The handler's view of its operation during the callback: its input, and the calls that report
// progress and the outcome. Reporting is thread-safe: the callback may hand the context to
// worker threads, as long as they are done before the callback returns. Only the first
// Succeed()/Fail() counts; reports after it are dropped.
class HandlerContext {
 public:
  // RunHandler builds the context; handler authors may build one to unit-test a callback, with
  // ReportChannel::ToStdout() capturing the reports. `channel` must outlive the context.
  HandlerContext(HandlerInput input, ReportChannel& channel, HandlerEnvironment env);
  HandlerContext(const HandlerContext&) = delete;
  HandlerContext& operator=(const HandlerContext&) = delete;

  const Json& payload() const { return input_.payload; }
  const std::optional<OperationProgress>& last_progress() const { return input_.last_progress; }
  const std::string& cid() const { return input_.cid; }
  const std::string& operation_name() const { return input_.operation_name; }
  const std::string& operation_id() const { return input_.operation_id; }
  const std::string& operation_type() const { return input_.operation_type; }
  const std::string& agenda_id() const { return input_.agenda_id; }
  const std::string& customer_id() const { return input_.customer_id; }
  // Arguments, environment variables, stdout and clock of the handler.
  const HandlerEnvironment& environment() const { return env_; }
  // When the context was made: the startedTime of every report.
  Timestamp started() const { return started_; }

  // Writes one line to stdout, which the launcher keeps as the operation's log.
  void Log(std::string_view line) const;

  // Reports EXECUTING with `percent` (0..100, clamped) and `message`. `params` (a JSON object)
  // replaces the params reported so far; later reports, including the final one, repeat the
  // latest params so that they survive into a rerun's last_progress().
  void ReportProgress(double percent, std::string message,
                      std::optional<Json> params = std::nullopt);
  // Reports COMPLETE/"succeeded", percent 100, with `result` as the operation's output (what
  // later operations reference as `@<name.out::/pointer>`); no result means no output.
  void Succeed(const std::optional<Json>& result = std::nullopt);
  // Reports COMPLETE/"failed" with one diagnostic event {message, stackTrace, payload, time};
  // the percent stays where it was.
  void Fail(std::string message, std::optional<std::string> stack_trace = std::nullopt,
            std::optional<Json> diagnostic_payload = std::nullopt);

  // Whether Succeed() or Fail() has been called.
  bool completed() const;
  // "succeeded" or "failed" once completed, else empty.
  std::string conclusion() const;

 private:
  OperationProgress BaseProgressLocked(ProcessingState state, std::string message) const;

  const HandlerInput input_;
  ReportChannel& channel_;
  const HandlerEnvironment env_;
  const Timestamp started_;

  mutable std::mutex mu_;  // guards the members below and orders the lines written
  std::optional<double> percent_;
  std::optional<Json> params_;
  std::string conclusion_;
};

// The callback: does the operation's work. Returning an error (or throwing) fails the operation
// with "An unknown error has occurred with operation: <OPERATION_NAME>" and the error's text as
// stack trace, unless the callback already called Succeed() or Fail(). Returning OK without
// either succeeds with no output.
using HandlerFunction = std::function<Status(HandlerContext&)>;

struct HandlerOptions {
  // Named in the failure "Failed to translate payload to <input_type>.".
  std::string input_type = "Payload";
  // Optional check that the parsed payload has the shape the handler expects; an error fails
  // the operation as an untranslatable payload, its message becoming the stack trace.
  std::function<Status(const Json&)> check_payload;
  // Log the conclusion line of spec §16 item 8 before HandlerComplete:
  // "cid=.. operationId=.. owner=.. conclusionStatus=.. elapsedTime=.. operation=.. payload=..".
  bool log_conclusion = true;
  // The payload text in the conclusion line is cut after this many bytes (with "...").
  size_t conclusion_payload_bytes = 1000;
};

// Runs one handler: reads the input, calls `handler` unless the input is unusable, makes sure
// exactly one COMPLETE report is written, logs the conclusion and `HandlerComplete` as the last
// stdout line. Returns the process exit status, always 0: a handler's failure travels in its
// COMPLETE report, and a crash is the launcher's business.
int RunHandler(const HandlerEnvironment& env, const HandlerFunction& handler,
               const HandlerOptions& options = {});
// The same for this process (ProcessEnvironment(argc, argv)).
int RunHandler(int argc, char** argv, const HandlerFunction& handler,
               const HandlerOptions& options = {});

}  // namespace pop::sdk
