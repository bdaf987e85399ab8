#include "core/dag/conductor.h"

#include <algorithm>
#include <cctype>

#include "core/codec/json_text.h"
#include "core/codec/object_codec.h"
#include "core/json/json_pointer.h"
#include "core/model/params.h"
#include "core/params/reference_parser.h"
#include "core/validate/agenda_validator.h"

namespace pop {
namespace {

bool SucceededMessage(const std::optional<std::string>& message) {
  if (!message || message->size() != 9) return false;
  std::string lowered(*message);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered == kMessageSucceeded;
}

Json ParseOutput(const std::optional<std::string>& text) {
  if (!text || text->empty()) return Json::Object();
  Result<Json> parsed = ParseJson(*text);
  return parsed.ok() ? std::move(parsed).value() : Json(*text);
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

Conductor::Conductor(const Agenda& agenda, const std::vector<OperationProgress>& prior) {
  agenda_id_ = agenda.id.value_or("");
  std::map<std::string, OperationProgress> prior_by_name;
  for (const OperationProgress& p : prior) {
    if (p.operation) prior_by_name[*p.operation] = p;
  }
  if (agenda.operations) {
    for (const Operation& op : *agenda.operations) AddOperation(op, prior_by_name);
  }
  // Operations a prior attempt completed successfully end now, feeding their dependants.
  for (const std::string& name : std::vector<std::string>(order_)) {
    Op& op = ops_.at(name);
    if (!op.prior || op.prior->processing_state != ProcessingState::kComplete ||
        !SucceededMessage(op.prior->processing_state_message)) {
      continue;
    }
    op.state = State::kSucceeded;
    ++completed_;
    succeeded_.insert(name);
    Ended(name, ParseOutput(op.prior->result_payload));
  }
}

void Conductor::AddOperation(Operation operation,
                             const std::map<std::string, OperationProgress>& prior) {
  std::string name = operation.name.value_or("");
  if (name.empty() || ops_.count(name) > 0) return;  // unnamed, or generated twice
  Op op;
  op.operation = std::move(operation);
  if (auto it = prior.find(name);
      it != prior.end() && it->second.processing_state != ProcessingState::kWaiting) {
    op.prior = it->second;
  }
  std::set<std::string> deps;
  if (op.operation.payload) {
    for (const std::string& reference : CollectReferenceNames(*op.operation.payload)) {
      if (reference.rfind("pop.", 0) == 0) continue;  // pop.agendaId, pop.operationName
      deps.insert(OperationNameOfReference(reference));
    }
  }
  for (const std::string& dep : DependsOnNames(op.operation)) deps.insert(dep);
  deps.erase(name);
  for (const std::string& dep : deps) {
    op.deps.push_back(dep);
    if (ended_.count(dep) == 0) {
      ++op.unmet;
      dependants_[dep].push_back(name);
    }
  }
  if (op.unmet == 0) candidates_.push_back(name);
  order_.push_back(name);
  ops_.emplace(name, std::move(op));
}

void Conductor::Ended(const std::string& name, std::optional<Json> output) {
  outputs_.Set(name + ".out", output ? std::move(*output) : Json::Object());
  ended_.insert(name);
  auto it = dependants_.find(name);
  if (it == dependants_.end()) return;
  for (const std::string& dependant : it->second) {
    Op& op = ops_.at(dependant);
    if (op.unmet > 0 && --op.unmet == 0 && op.state == State::kPending) {
      candidates_.push_back(dependant);
    }
  }
  dependants_.erase(it);
}

bool Conductor::Resolve(Op& op, ReadyOperation& out) {
  const std::string& name = *op.operation.name;
  ReferenceMap extras(&outputs_);
  extras.Set("pop.agendaId", Json(agenda_id_));
  extras.Set("pop.operationName", Json(name));
  ReplacementResult resolved =
      ReplaceReferences(op.operation.payload.value_or(Json::Object()), extras);
  if (!resolved.invalid.empty()) {
    errors_.push_back("Operation " + name +
                      " has invalid references: " + JoinComma(resolved.invalid));
    stopped_ = true;
    return false;
  }
  if (!resolved.missing.empty()) {
    // Every dependency ended, yet a reference names no output: a reference to an operation that
    // does not exist (possible only for generated operations; submission validates the rest).
    errors_.push_back(
        "All dependencies have been completed but there are still pending references: " +
        JoinComma(resolved.missing));
    stopped_ = true;
    return false;
  }
  // An output substituted into a payload nests it deeper than either was: held to the same limit
  // as every other document, so that what reaches a handler could have been submitted.
  if (std::optional<std::string> path = PathDeeperThan(resolved.document)) {
    errors_.push_back("Operation " + name + " payload field '" + *path + "' nests deeper than " +
                      std::to_string(kMaxJsonDepth) +
                      " levels (the limit) once its references are resolved");
    stopped_ = true;
    return false;
  }
  out.name = name;
  out.type = op.operation.type.value_or("");
  out.id = op.operation.id;
  out.payload = op.operation.payload ? std::move(resolved.document) : Json::Object();
  out.params = op.operation.params;
  out.prior_progress = op.prior;
  return true;
}

std::vector<ReadyOperation> Conductor::TakeReady(size_t max_starts) {
  std::vector<ReadyOperation> ready;
  while (!stopped_ && ready.size() < max_starts && !candidates_.empty()) {
    std::string name = std::move(candidates_.front());
    candidates_.pop_front();
    Op& op = ops_.at(name);
    if (op.state != State::kPending) continue;
    ReadyOperation started;
    if (!Resolve(op, started)) break;
    op.state = State::kRunning;
    ++running_;
    ready.push_back(std::move(started));
  }
  if (!stopped_ && running_ == 0 && ready.empty() && candidates_.empty()) {
    bool pending = std::any_of(ops_.begin(), ops_.end(), [](const auto& entry) {
      return entry.second.state == State::kPending;
    });
    if (pending) {
      errors_.push_back(
          "Agenda operation deadlock has occurred. There are pending operations (likely with "
          "dependencies) but none are ready.");
      stopped_ = true;
    }
  }
  if (stopped_) {
    for (auto& [name, op] : ops_) {
      if (op.state == State::kPending) op.state = State::kNotRun;
    }
    candidates_.clear();
  }
  return ready;
}

std::vector<Operation> Conductor::Complete(const std::string& name, bool succeeded,
                                           std::optional<Json> output) {
  auto it = ops_.find(name);
  if (it == ops_.end() || it->second.state != State::kRunning) return {};
  Op& op = it->second;
  --running_;
  ++completed_;
  std::vector<Operation> generated;
  if (succeeded) {
    op.state = State::kSucceeded;
    succeeded_.insert(name);
    if (output) generated = Generate(op, *output);
  } else {
    op.state = State::kFailed;
    any_failed_ = true;
    stopped_ = true;  // running operations finish; nothing new starts (spec §14.3)
  }
  Ended(name, std::move(output));
  const std::map<std::string, OperationProgress> no_prior;
  for (const Operation& added : generated) AddOperation(added, no_prior);
  return generated;
}

std::vector<Operation> Conductor::Generate(const Op& generator, const Json& output) {
  const Json* config = FindParam(generator.operation.params, kParamOperationGenerator);
  if (config == nullptr || !config->is_object()) return {};
  const Json* log_only = config->Find("logOnly");
  if (log_only != nullptr && log_only->is_bool() && log_only->AsBool()) return {};
  const Json* pointer = config->Find("operationsJsonPointer");
  std::string path =
      pointer != nullptr && pointer->is_string() ? pointer->AsString() : "/operations";
  if (!path.empty() && path.front() != '/') path.insert(path.begin(), '/');
  const Json* list = EvaluatePointer(output, path);
  const std::string& name = *generator.operation.name;
  if (list == nullptr || !list->is_array()) {
    errors_.push_back("Failed to extract field operations for operation generator. " + path +
                      " not found in output of " + name);
    stopped_ = true;
    return {};
  }
  std::vector<Operation> generated;
  for (const Json& element : list->AsArray()) {
    Result<Operation> op = Decode<Operation>(element);
    if (!op.ok() || !op->name || ops_.count(*op->name) > 0) continue;
    if (!op->params) op->params = Json::Object();
    op->params->AsObject().Set(kParamGeneratedOperationParent, Json(name));
    generated.push_back(std::move(op).value());
  }
  return generated;
}

bool Conductor::Finished() const {
  if (running_ > 0) return false;
  if (stopped_) return true;
  return std::none_of(ops_.begin(), ops_.end(),
                      [](const auto& entry) { return entry.second.state == State::kPending; });
}

}  // namespace pop
