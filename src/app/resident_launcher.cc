#include "app/resident_launcher.h"

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/model/params.h"

namespace pop::app {
namespace {

constexpr int kUpdateAgendaAttempts = 3;

// A resident operation is over by the time Launch returns.
class FinishedOperation final : public LaunchedOperation {
 public:
  FinishedOperation(LaunchOutcome outcome, std::string log)
      : outcome_(std::move(outcome)), log_(std::move(log)) {}
  std::optional<OperationProgress> LatestProgress() override { return outcome_.progress; }
  std::string TakeNewLog() override { return std::exchange(log_, std::string()); }
  LaunchOutcome Wait() override { return outcome_; }
  void Cancel(std::chrono::milliseconds) override {}

 private:
  LaunchOutcome outcome_;
  std::string log_;
};

OperationProgress Complete(const char* message) {
  OperationProgress progress;
  progress.processing_state = ProcessingState::kComplete;
  progress.processing_state_message = message;
  return progress;
}

LaunchOutcome Succeeded(std::optional<std::string> output) {
  LaunchOutcome outcome;
  outcome.progress = Complete(kMessageSucceeded);
  outcome.progress->percent_complete = 100.0;
  outcome.output = std::move(output);
  return outcome;
}

LaunchOutcome Failed(const std::string& message) {
  LaunchOutcome outcome;
  outcome.progress = Complete(kMessageFailed);
  DiagnosticEvent event;
  event.message = message;
  outcome.progress->diagnostic_events = std::vector<DiagnosticEvent>{event};
  return outcome;
}

}  // namespace

bool ResidentLauncher::Handles(const std::string& type) const {
  return type == "noop" || type == "logMessages" || type == "updateAgenda";
}

bool ResidentLauncher::Instant(const std::string& type) const {
  return type == "noop" || type == "logMessages";
}

Result<std::unique_ptr<LaunchedOperation>> ResidentLauncher::Launch(const LaunchSpec& spec) {
  if (!Handles(spec.operation_type)) {
    return Error(ErrorCode::kNotFound, "Unknown operation type found: " + spec.operation_type +
                                           " on operation: " + spec.operation_name);
  }
  std::string log;
  LaunchOutcome outcome;
  Result<Json> payload = ParseJson(spec.payload);
  if (spec.operation_type == "noop") {
    outcome = Succeeded(spec.payload);
  } else if (spec.operation_type == "logMessages") {
    const Json* messages = payload.ok() ? payload->Find("logMessages") : nullptr;
    if (messages == nullptr || !messages->is_array()) {
      outcome = Failed("Failed to translate payload to LogMessagesInput.");
    } else {
      for (const Json& message : messages->AsArray()) log += JsonAsText(message) + "\n";
      outcome = Succeeded(std::nullopt);
    }
  } else {  // updateAgenda
    const Json* operations = payload.ok() ? payload->Find("operations") : nullptr;
    std::vector<Operation> generated;
    bool translated = operations != nullptr && operations->is_array();
    for (size_t i = 0; translated && i < operations->AsArray().size(); ++i) {
      Result<Operation> op = Decode<Operation>(operations->AsArray()[i]);
      translated = op.ok();
      if (!translated) break;
      if (!op->params) op->params = Json::Object();
      op->params->AsObject().Set(kParamGeneratedOperationParent, Json(spec.operation_name));
      generated.push_back(std::move(op).value());
    }
    if (!translated) {
      outcome = Failed("Failed to translate payload to UpdateAgendaInput.");
    } else {
      std::optional<ParamsMap> params;
      if (const Json* p = payload->Find("params"); p != nullptr && p->is_object()) params = *p;
      const Json* log_only = payload->Find("logOnly");
      Status persisted;
      if (!(log_only != nullptr && log_only->is_bool() && log_only->AsBool())) {
        for (int attempt = 0; attempt < kUpdateAgendaAttempts; ++attempt) {
          persisted = client_.UpdateAgenda(spec.agenda_id, generated, params);
          if (persisted.ok() || persisted.code() != ErrorCode::kUnavailable) break;
        }
      }
      if (!persisted.ok()) {
        outcome =
            Failed("Failed to persist Agenda with generated operations. " + persisted.message());
      } else {
        JsonArray list;
        for (const Operation& op : generated) list.push_back(Encode(op));
        JsonObject result;
        result.Set("operations", Json(std::move(list)));
        result.Set("params", params.value_or(Json::Object()));
        outcome = Succeeded(ToJsonText(Json(std::move(result))));
        log += "generated " + std::to_string(generated.size()) + " operation(s)\n";
      }
    }
  }
  return std::unique_ptr<LaunchedOperation>(
      std::make_unique<FinishedOperation>(std::move(outcome), std::move(log)));
}

}  // namespace pop::app
