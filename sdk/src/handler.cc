#include "pop_sdk/handler.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

#include "core/codec/json_text.h"
#include "pop_sdk/payload_reader.h"
#include "pop_sdk/pod_report.h"

namespace pop::sdk {
namespace {

constexpr char kSdkLogPrefix[] = "pop-sdk: ";

std::string VariableOr(const HandlerEnvironment& env, const std::string& name) {
  return env.Variable(name).value_or("");
}

// `text` cut after about `max_bytes`, on a UTF-8 character boundary, marked with "...".
std::string Shorten(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text + "...";
}

// Runs user code, turning an exception into an error: the SDK is the boundary between a
// handler's code, which may throw, and the error values of the rest of pop.
Status CallSafely(const std::function<Status()>& call) {
  try {
    return call();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "unknown exception");
  }
}

// The payload parsed (and checked), or why it cannot be used.
Result<Json> TranslatePayload(const Result<std::string>& text, const HandlerOptions& options) {
  if (!text.ok()) {
    return text.error();
  }
  POP_ASSIGN_OR_RETURN(Json payload, ParseJson(*text));
  if (options.check_payload) {
    POP_RETURN_IF_ERROR(CallSafely([&] { return options.check_payload(payload); }));
  }
  return payload;
}

std::unique_ptr<ReportChannel> OpenChannel(const HandlerEnvironment& env) {
  std::optional<std::string> path = env.Variable(kReportVar);
  if (!path.has_value() || path->empty()) {
    // In a Kubernetes pod: the pod's annotations (spec §15.4).
    Result<std::optional<PodReportTarget>> pod = PodReportTargetFrom(env);
    if (pod.ok() && pod->has_value()) return PodReportChannel(std::move(**pod), env);
    if (!pod.ok()) env.write_line(kSdkLogPrefix + pod.error().message + "; reports go to stdout");
    return ReportChannel::ToStdout(env.write_line);
  }
  Result<std::unique_ptr<ReportChannel>> channel = ReportChannel::OpenFile(*path);
  if (channel.ok()) {
    return std::move(channel).value();
  }
  // The launcher will see no COMPLETE report and fail the operation; the log says why.
  env.write_line(kSdkLogPrefix + channel.error().message + "; reports go to stdout");
  return ReportChannel::ToStdout(env.write_line);
}

std::string ConclusionLine(const HandlerContext& ctx, const std::string& payload_text,
                           Duration elapsed, const HandlerOptions& options) {
  return "cid=" + ctx.cid() + " operationId=" + ctx.operation_id() + " owner=" + ctx.customer_id() +
         " conclusionStatus=" + ctx.conclusion() +
         " elapsedTime=" + std::to_string(elapsed.millis()) + " operation=" + ctx.operation_name() +
         " payload=" + Shorten(payload_text, options.conclusion_payload_bytes);
}

}  // namespace

HandlerContext::HandlerContext(HandlerInput input, ReportChannel& channel, HandlerEnvironment env)
    : input_(std::move(input)), channel_(channel), env_(std::move(env)), started_(env_.now()) {}

void HandlerContext::Log(std::string_view line) const { env_.write_line(line); }

OperationProgress HandlerContext::BaseProgressLocked(ProcessingState state,
                                                     std::string message) const {
  OperationProgress progress;
  progress.processing_state = state;
  progress.processing_state_message = std::move(message);
  progress.percent_complete = percent_;
  progress.params = params_;
  progress.started_time = started_;
  return progress;
}

void HandlerContext::ReportProgress(double percent, std::string message,
                                    std::optional<Json> params) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conclusion_.empty()) {
    return;
  }
  percent_ = std::isnan(percent) ? 0.0 : std::clamp(percent, 0.0, 100.0);
  if (params.has_value()) {
    if (params->is_object()) {
      params_ = std::move(params);
    } else {
      // The launcher would refuse the whole line; keep the report and drop only the params.
      Log(std::string(kSdkLogPrefix) +
          "progress params must be a JSON object; ignored: " + ToJsonText(*params));
    }
  }
  channel_.Write(BaseProgressLocked(ProcessingState::kExecuting, std::move(message)), std::nullopt);
}

void HandlerContext::Succeed(const std::optional<Json>& result) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conclusion_.empty()) {
    return;
  }
  conclusion_ = kMessageSucceeded;
  percent_ = 100.0;
  OperationProgress progress = BaseProgressLocked(ProcessingState::kComplete, kMessageSucceeded);
  progress.completed_time = env_.now();
  channel_.Write(progress, result);
}

void HandlerContext::Fail(std::string message, std::optional<std::string> stack_trace,
                          std::optional<Json> diagnostic_payload) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conclusion_.empty()) {
    return;
  }
  conclusion_ = kMessageFailed;
  OperationProgress progress = BaseProgressLocked(ProcessingState::kComplete, kMessageFailed);
  progress.completed_time = env_.now();
  DiagnosticEvent event;
  event.message = std::move(message);
  event.stack_trace = std::move(stack_trace);
  event.payload = std::move(diagnostic_payload);
  event.time = progress.completed_time;
  progress.diagnostic_events = std::vector<DiagnosticEvent>{std::move(event)};
  channel_.Write(progress, std::nullopt);
}

bool HandlerContext::completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !conclusion_.empty();
}

std::string HandlerContext::conclusion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conclusion_;
}

int RunHandler(const HandlerEnvironment& env, const HandlerFunction& handler,
               const HandlerOptions& options) {
  std::unique_ptr<ReportChannel> channel = OpenChannel(env);

  HandlerInput input;
  input.cid = VariableOr(env, kCidVar);
  input.operation_name = VariableOr(env, kOperationNameVar);
  input.operation_id = VariableOr(env, kOperationIdVar);
  input.operation_type = VariableOr(env, kOperationTypeVar);
  input.agenda_id = VariableOr(env, kAgendaIdVar);
  input.customer_id = VariableOr(env, kCustomerIdVar);
  Result<std::optional<OperationProgress>> last_progress = ReadLastProgress(env);
  if (last_progress.ok()) {
    input.last_progress = std::move(last_progress).value();
  } else {
    // A rerun that cannot see its prior progress still runs, as a first attempt would.
    env.write_line(kSdkLogPrefix + last_progress.error().message + "; ignored");
  }
  Result<std::string> payload_text = ReadPayloadText(env);
  Result<Json> payload = TranslatePayload(payload_text, options);
  if (payload.ok()) {
    input.payload = *payload;
  }

  HandlerContext ctx(std::move(input), *channel, env);
  if (!payload.ok()) {
    ctx.Fail("Failed to translate payload to " + options.input_type + ".", payload.error().message);
  } else {
    Status status = CallSafely([&] { return handler(ctx); });
    if (!status.ok() && !ctx.completed()) {
      ctx.Fail("An unknown error has occurred with operation: " + ctx.operation_name(),
               status.message());
    } else if (!status.ok()) {
      ctx.Log(kSdkLogPrefix + std::string("error after the operation completed: ") +
              status.message());
    } else {
      ctx.Succeed();  // ignored when the callback concluded already
    }
  }

  // The pod channel's final report (and payload) is delivered before HandlerComplete, which
  // tells the executor that the reports are all there.
  channel->Close();
  if (std::optional<std::string> error = channel->write_error()) {
    ctx.Log(kSdkLogPrefix + std::string("writing the report channel failed: ") + *error);
  }
  if (options.log_conclusion) {
    std::string text = payload.ok() ? ToJsonText(*payload) : payload_text.ok() ? *payload_text : "";
    ctx.Log(ConclusionLine(ctx, text, env.now() - ctx.started(), options));
  }
  env.write_line(kHandlerCompleteLine);
  return 0;
}

int RunHandler(int argc, char** argv, const HandlerFunction& handler,
               const HandlerOptions& options) {
  return RunHandler(ProcessEnvironment(argc, argv), handler, options);
}

}  // namespace pop::sdk
